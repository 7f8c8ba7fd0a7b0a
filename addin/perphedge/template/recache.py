"""The cached values of a workbook file after a change inside it.

A refresh writes new Market values (and the Positions sheet its lines); the Portfolio's and
Scenarios' formulas read them, so the values cached beside those formulas — what a viewer that
does not recalculate shows — are the old ones until Excel or LibreOffice recalculates.
:func:`recache` computes them again the way the builder does (``template.cached``, on the
row policy of ``core.position``) from what the file holds: the Portfolio's input cells and
settings block, the Market, Tiers and Positions tables. The other sheets' formulas read none of
these (the Funding, Beta and History sheets read their own cells), so their values stand.

Only a formula exactly as the builder writes it (compared with an in-memory build of the same
number of rows, ignoring case and spaces outside texts, and Excel's ``_xlfn.`` prefixes) gets
a value: a formula the user edited, or a cell the builder has none in, is left without one —
a viewer shows it blank, never a number its formula does not give — and is counted. Where the
file's inputs cannot be read as the formulas read them (a text in a number column, a setting
that is not a number, a table not laid out as built), no value is computed: every formula of
the three sheets is left without one, and the report says why. Excel recalculates on opening
either way (the refresh asks it to).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from openpyxl import Workbook

from perphedge import ooxml
from perphedge.core.errors import PerphedgeError
from perphedge.core.marketdata import LeverageTier, MarketRow, status_of_cell
from perphedge.core.position import RowCells, RowSettings
from perphedge.core.positions import POSITIONS_TABLE, READ_NAME, SHEET_COLUMNS, PositionsRead, SheetLine
from perphedge.ooxml.cachedvalues import edit_sheet
from perphedge.ooxml.sharedformulas import translate
from perphedge.refresh.positions import line_status_formula, line_status_value
from perphedge.refresh.routine import FIGURES, WRITTEN
from perphedge.refresh.table import as_datetime
from perphedge.template import layout as L
from perphedge.template.cached import PortfolioInputs, Values, sheet_values
from perphedge.template.portfolio import write_portfolio
from perphedge.template.positions_sheet import LOOKUP_NAMES
from perphedge.template.positions_sheet import SHEET as POSITIONS_SHEET
from perphedge.template.scenarios_sheet import write_scenarios


class Unreadable(PerphedgeError):
    """The file's inputs cannot be read as the formulas read them."""


@dataclass(frozen=True)
class Recached:
    """What :func:`recache` did: cells given a value; formula cells left without one,
    as (sheet, ref) — among them those whose formula is not the builder's (``edited``);
    and why nothing could be computed (``unreadable``), if so."""

    written: int
    without_value: tuple[tuple[str, str], ...]
    edited: tuple[tuple[str, str], ...]
    unreadable: str | None = None

    def summary(self) -> str:
        if self.unreadable:
            return (f"saved values: not computed ({self.unreadable}); {len(self.without_value)} formula "
                    "cells are left without one (a preview shows them blank; Excel recalculates on opening)")
        text = f"saved values: {self.written} formula cells updated"
        if self.edited:
            text += (f"; {len(self.edited)} formula(s) not as built left without a value "
                     f"(first: {self.edited[0][0]}!{self.edited[0][1]})")
        return text


#: RowSettings field of each settings-block name the row policy reads.
_SETTING_FIELDS = {"HorizonDays": "horizon_days", "DefaultExchange": "default_exchange",
                   "MaxDataAgeHours": "max_data_age_hours", "MaxAdvisedLeverage": "max_advised_leverage",
                   "LiqWarnDistance": "liq_warn_distance", "FundingWarnAPR": "funding_warn_apr",
                   "RebalanceBand": "rebalance_band", "DefaultMMR": "default_mmr"}
#: Market header -> MarketRow field, for the figures that are numbers (the refresh's own map).
_MARKET_FIELDS = {h: WRITTEN[h.lower()] for h in L.MARKET_HEADERS
                  if WRITTEN.get(h.lower()) in FIGURES and WRITTEN[h.lower()] not in ("next_funding_ms", "inverse")}
SHEETS = (L.PORTFOLIO, L.SCENARIOS, POSITIONS_SHEET)


def recache(pkg: ooxml.Package, now_ms: int) -> Recached:
    """Write the cached values of the Portfolio's, Scenarios' and Positions' formulas into
    ``pkg`` (in memory: the caller writes the file), computed at ``now_ms``."""
    grids = {name: _grid(pkg, name) for name in SHEETS if _has_sheet(pkg, name)}
    try:
        n_rows, inputs, lines = read_inputs(pkg, grids, now_ms)
    except Unreadable as e:
        return _write(pkg, grids, {}, {}, str(e))
    values = sheet_values(inputs)
    expected = expected_formulas(n_rows, lines)
    portfolio = values.get(L.PORTFOLIO, {})
    holdings = [(portfolio.get(f"{L.pcol('pos_key')}{r}"), portfolio.get(f"{L.pcol('held_from')}{r}"))
                for r in range(L.PORTFOLIO_FIRST_ROW, L.PORTFOLIO_FIRST_ROW + n_rows)]
    known = all(k is not None and f is not None for k, f in holdings)
    status_col = ooxml.col_letter([f for f, _ in SHEET_COLUMNS].index("status") + 1)
    values[POSITIONS_SHEET] = {
        f"{status_col}{r}": line_status_value(ex, sym, holdings) if known else None
        for r, (ex, sym) in lines.items()}
    return _write(pkg, grids, values, expected, None)


class CachedValuesPass:
    """A file writer's ``finish``: :func:`recache` at the time it runs, keeping what the last
    pass did (``report``) for the command to say."""

    def __init__(self) -> None:
        self.report: Recached | None = None

    def __call__(self, pkg: ooxml.Package) -> None:
        self.report = recache(pkg, int(time.time() * 1000))


def _has_sheet(pkg: ooxml.Package, name: str) -> bool:
    return any(s.name == name for s in pkg.sheets())


def _grid(pkg: ooxml.Package, name: str) -> dict[tuple[int, int], ooxml.Cell]:
    return {(c.row, c.col): c for c in pkg.cells(pkg.sheet(name).part)}


def _write(pkg: ooxml.Package, grids: dict[str, dict[tuple[int, int], ooxml.Cell]],
           values: dict[str, Values], expected: dict[str, dict[str, str]], unreadable: str | None) -> Recached:
    written, without, edited = 0, [], []
    inputs = {L.pcol(c.key) for c in L.PORTFOLIO_COLUMNS if c.kind == "input"}
    for sheet, grid in grids.items():
        texts = _formula_texts(grid.values())
        out: dict[str, object] = {}
        for cell in grid.values():
            if cell.formula is None:
                continue
            if sheet == L.PORTFOLIO and cell.ref.rstrip("0123456789") in inputs:
                continue   # an input the user made a formula (a Beta cell's =Beta!…): its value stands
            want = expected.get(sheet, {}).get(cell.ref)
            same = want is not None and _normal(texts[cell.ref]) == _normal(want)
            if unreadable is None and not same:
                edited.append((sheet, cell.ref))
            out[cell.ref] = values.get(sheet, {}).get(cell.ref) if same else None
        part = pkg.sheet(sheet).part
        data, n, missing = edit_sheet(pkg.data[part], part, sheet, out)  # type: ignore[arg-type]
        pkg.replace(part, data)
        written += n
        without += [(sheet, ref) for ref in missing]
    return Recached(written, tuple(without), tuple(edited), unreadable)


def _formula_texts(cells: Iterable[ooxml.Cell]) -> dict[str, str]:
    """Each formula cell's own text; a cell sharing another's formula (as Excel saves a
    filled-down column) gets the master's, moved to where it is."""
    cells = list(cells)
    masters = {c.shared: c for c in cells if c.shared is not None and c.formula}
    out = {}
    for c in cells:
        if c.formula is None:
            continue
        m = masters.get(c.shared) if c.shared is not None and not c.formula else None
        out[c.ref] = translate(m.formula, m.ref, c.ref) if m is not None and m.formula else c.formula
    return out


def _normal(formula: str) -> str:
    """A formula compared as Excel may save it: no leading ``=``, no ``_xlfn.``/``_xlws.``
    prefixes, case and spaces outside texts ignored."""
    parts = formula.lstrip("=").split('"')
    for i in range(0, len(parts), 2):   # outside quotes (a "" inside a text splits into two)
        parts[i] = parts[i].replace(" ", "").upper().replace("_XLFN.", "").replace("_XLWS.", "")
    return '"'.join(parts)


def expected_formulas(n_rows: int, lines: dict[int, tuple[object, object]]) -> dict[str, dict[str, str]]:
    """Every formula the builder writes in the Portfolio and Scenarios sheets of a table
    ``n_rows`` long, and the Status formula of each Positions line."""
    wb = Workbook()
    port, scen = wb.active, wb.create_sheet()
    write_portfolio(port, [], {}, "", n_rows)
    write_scenarios(scen, n_rows, "")
    out = {}
    for name, ws in ((L.PORTFOLIO, port), (L.SCENARIOS, scen)):
        out[name] = {c.coordinate: c.value[1:] for row in ws.iter_rows() for c in row
                     if isinstance(c.value, str) and c.value.startswith("=")}
    status_col = ooxml.col_letter([f for f, _ in SHEET_COLUMNS].index("status") + 1)
    out[POSITIONS_SHEET] = {f"{status_col}{r}": line_status_formula(r) for r in lines}
    return out


def read_inputs(pkg: ooxml.Package, grids: dict[str, dict[tuple[int, int], ooxml.Cell]],
                now_ms: int) -> tuple[int, PortfolioInputs, dict[int, tuple[object, object]]]:
    """(the Portfolio table's holding rows, what its formulas read, the Positions lines by
    row: exchange, symbol)."""
    if L.PORTFOLIO not in grids:
        raise Unreadable(f"the workbook has no {L.PORTFOLIO} sheet")
    grid = grids[L.PORTFOLIO]
    first, n_rows = _table_rows(pkg, L.PORTFOLIO_TABLE, tuple(c.header for c in L.PORTFOLIO_COLUMNS), 1)
    if first != L.PORTFOLIO_FIRST_ROW:
        raise Unreadable(f"the {L.PORTFOLIO} table does not start in row {L.PORTFOLIO_HEADER_ROW}")
    cols = [i + 1 for i, c in enumerate(L.PORTFOLIO_COLUMNS) if c.kind == "input"]
    cells = [RowCells(*(_value(grid, r, c) for c in cols)) for r in range(first, first + n_rows)]
    settings = _settings(pkg, grid)
    market = _market_rows(pkg)
    tiers = _tiers(pkg)
    positions, lines = _positions(pkg, grids.get(POSITIONS_SHEET, {}))
    return n_rows, PortfolioInputs(cells, frozenset(), market, tiers, now_ms, positions, settings), lines


def _value(grid: dict[tuple[int, int], ooxml.Cell], row: int, col: int) -> object:
    c = grid.get((row, col))
    return None if c is None else c.value


def _table_rows(pkg: ooxml.Package, name: str, headers: tuple[str, ...], totals: int) -> tuple[int, int]:
    """(first data row, number of data rows) of the table, whose columns must be ``headers``."""
    try:
        t = pkg.table(name)
    except ooxml.PackageError:
        raise Unreadable(f"the workbook has no {name} table") from None
    r1, c1, r2, _ = ooxml.range_bounds(t.ref)
    if t.columns != headers or c1 != 1 or t.header_rows != 1 or t.totals_rows != totals:
        raise Unreadable(f"the {name} table's columns are not as built")
    return r1 + 1, r2 - r1 - totals


def _settings(pkg: ooxml.Package, grid: dict[tuple[int, int], ooxml.Cell]) -> RowSettings:
    names = pkg.defined_names()
    kwargs: dict[str, object] = {}
    for s in L.SETTINGS:
        if s.name not in _SETTING_FIELDS:
            continue
        if names.get(s.name, "").replace("$", "") != f"{L.PORTFOLIO}!{s.cell}":
            raise Unreadable(f"the name {s.name} does not point at {L.PORTFOLIO}!{s.cell} as built")
        v = _value(grid, *ooxml.split_ref(s.cell))
        want = type(getattr(RowSettings(), _SETTING_FIELDS[s.name]))
        if want is str:
            if not isinstance(v, str):
                raise Unreadable(f"the setting {s.label} ({s.cell}) is not a text")
            kwargs[_SETTING_FIELDS[s.name]] = v
        else:
            kwargs[_SETTING_FIELDS[s.name]] = _number(v, f"the setting {s.label} ({s.cell})", blank_ok=False)
    return RowSettings(**kwargs)  # type: ignore[arg-type]


def _number(v: object, what: str, blank_ok: bool = True) -> float | None:
    if v is None or (v == "" and blank_ok):
        if blank_ok:
            return None
        raise Unreadable(f"{what} is blank")
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise Unreadable(f"{what} holds '{v}', not a number")
    return float(v)


def _text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _named_columns(pkg: ooxml.Package, names: dict[str, str], sheet: str,
                   grid: dict[tuple[int, int], ooxml.Cell]) -> tuple[range, dict[str, int]]:
    """The rows and the column of each of ``names`` (name -> what it holds) — the ranges the
    formulas look up, read where the workbook's names point (a column a user inserted moves
    them). Rows: from the ranges' first to the last one holding anything."""
    defined = pkg.defined_names()
    cols, spans = {}, set()
    for name, what in names.items():
        target = defined.get(name, "")
        where, _, ref = target.rpartition("!")
        if where.strip("'").replace("''", "'") != sheet or ":" not in ref:
            raise Unreadable(f"the name {name} does not point into the {sheet} sheet")
        r1, c1, r2, c2 = ooxml.range_bounds(ref.replace("$", ""))
        if c1 != c2:
            raise Unreadable(f"the name {name} is not one column")
        cols[what] = c1
        spans.add((r1, r2))
    if len(spans) != 1:
        raise Unreadable(f"the {sheet} names do not cover the same rows")
    ((r1, r2),) = spans
    used = [r for (r, c) in grid if r1 <= r <= r2 and c in cols.values() and grid[(r, c)].value not in (None, "")]
    return range(r1, max(used, default=r1 - 1) + 1), cols


def _market_rows(pkg: ooxml.Package) -> list[MarketRow]:
    grid = _grid(pkg, L.MARKET)
    rows, col = _named_columns(pkg, L.MARKET_NAMES, L.MARKET, grid)
    if rows.start != L.MARKET_FIRST_ROW:
        raise Unreadable(f"the {L.MARKET} names do not start in row {L.MARKET_FIRST_ROW}")
    out = []
    for r in rows:
        symbol, exchange = _text(_value(grid, r, col["Symbol"])), _text(_value(grid, r, col["Exchange"]))
        figures = {f: _number(_value(grid, r, col[h]), f"{L.MARKET} {h} of {symbol or f'row {r}'}")
                   for h, f in _MARKET_FIELDS.items()}
        inverse = _value(grid, r, col["Inverse"])
        if inverse not in (None, "") and not isinstance(inverse, (bool, int, float)):
            raise Unreadable(f"{L.MARKET} Inverse of {symbol or f'row {r}'} holds '{inverse}', not TRUE or FALSE")
        as_of_ms = _ms(_value(grid, r, col["As of (UTC)"])) or 0
        out.append(MarketRow(
            symbol, exchange, next_funding_ms=None,   # no formula reads it
            inverse=None if inverse in (None, "") else bool(inverse),
            status=status_of_cell(_value(grid, r, col["Status"]), exchange, as_of_ms),
            **figures))
    return out


def _ms(v: object) -> int | None:
    when = as_datetime(v)
    return None if when is None else round((when - _EPOCH).total_seconds() * 1000)


def _tiers(pkg: ooxml.Package) -> dict[tuple[str, str], tuple[LeverageTier, ...]]:
    grid = _grid(pkg, L.TIERS)
    rows, col = _named_columns(pkg, L.TIER_NAMES, L.TIERS, grid)
    out: dict[tuple[str, str], list[LeverageTier]] = defaultdict(list)
    for r in rows:
        symbol, exchange = _text(_value(grid, r, col["Symbol"])), _text(_value(grid, r, col["Exchange"]))
        if not symbol:
            continue
        what = f"{L.TIERS} row {r} ({symbol})"
        nums = {h: _number(_value(grid, r, col[h]), f"{what} {h}")
                for h in ("Tier", "Min notional", "Max notional", "MMR", "Maint. amount", "Max leverage")}
        try:
            out[(symbol, exchange)].append(LeverageTier(
                int(nums["Tier"] or 0), nums["Min notional"] or 0.0,
                math.inf if nums["Max notional"] is None else nums["Max notional"],
                nums["MMR"] or 0.0, nums["Maint. amount"] or 0.0, nums["Max leverage"],
                _text(_value(grid, r, col["Unit"])) or "quote"))
        except PerphedgeError as e:
            raise Unreadable(f"{what}: {e}") from None
    return {k: tuple(v) for k, v in out.items()}


def _positions(pkg: ooxml.Package, grid: dict[tuple[int, int], ooxml.Cell]
               ) -> tuple[PositionsRead, dict[int, tuple[object, object]]]:
    """What the Portfolio reads of the Positions sheet (its lookup names and PositionsRead),
    and the rows of its lines whose Status is a formula (exchange, symbol)."""
    if not grid:
        return PositionsRead(), {}
    rows, col = _named_columns(pkg, LOOKUP_NAMES, POSITIONS_SHEET, grid)
    ref = pkg.defined_names().get(READ_NAME, "")
    listed = _value(grid, *ooxml.split_ref(ref.rsplit("!", 1)[-1])) if "!" in ref else None
    found = []
    for r in rows:
        ex, sym = _value(grid, r, col["exchange"]), _value(grid, r, col["symbol"])
        if ex in (None, "") and sym in (None, ""):
            continue
        held, margin = _value(grid, r, col["held_contracts"]), _value(grid, r, col["isolated_margin"])
        # SUMPRODUCT counts a text as 0, and ISNUMBER tells a margin from none, as here
        found.append(SheetLine(_text(ex), _text(sym),
                               float(held) if _is_number(held) else 0.0,  # type: ignore[arg-type]
                               float(margin) if _is_number(margin) else None))  # type: ignore[arg-type]
    status = [f for f, _ in SHEET_COLUMNS].index("status") + 1
    first, n = _table_rows(pkg, POSITIONS_TABLE, tuple(h for _, h in SHEET_COLUMNS), 0)
    lines = {r: (_value(grid, r, col["exchange"]), _value(grid, r, col["symbol"]))
             for r in range(first, first + n) if (c := grid.get((r, status))) is not None and c.formula is not None}
    return PositionsRead.parse(listed, found), lines


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


_EPOCH = datetime(1970, 1, 1)   # a cell's naive UTC time -> epoch milliseconds
