"""Read a holdings CSV: the one format ``perphedge new --portfolio`` and ``perphedge plan
--csv`` both read.

Columns (header row, any order, case-insensitive): ``asset`` and ``qty`` are required;
``hedge_symbol`` (default: the asset's perp), ``exchange`` (default: the workbook's
DefaultExchange), ``strategy``, ``hedge_ratio`` (0.5, ``50%`` or ``50 %``; default: the
strategy's), ``leverage`` (default 1), ``beta``, ``held_contracts``, ``price_symbol``; and
the market figures a plan may take from the file instead of the market
(``core.holdings.MarketFigures``): ``price``, ``hedge_price``, ``contract_size``,
``amount_step``, ``min_amount``, ``min_cost``, ``inverse``, ``mmr``, ``maint_amount``,
``taker_fee``.

The separator is ``,`` or ``;``, whichever the header line uses more: Excel saves ``;``
where the comma is the decimal mark, and then a decimal comma (``1,5``) is read too. A
UTF-8 byte-order mark is skipped. Any bad cell stops the whole read with an error naming
the file, its line, the column and the value, so nothing is built from half a portfolio.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from pathlib import Path

from perphedge.core import validate as v
from perphedge.core.errors import InvalidInput, PerphedgeError
from perphedge.core.holdings import FIGURE_NAMES, HoldingInput, MarketFigures
from perphedge.market.config import check_exchange_id

REQUIRED = ("asset", "qty")
OPTIONAL = ("hedge_symbol", "exchange", "hedge_ratio", "leverage", "strategy", "beta",
            "held_contracts", "price_symbol")
#: The market figures a row may give (``plan`` uses them; ``new`` reads the market's).
FIGURES = FIGURE_NAMES
COLUMNS = REQUIRED + OPTIONAL + FIGURES
_TRUE = {"true", "yes", "y", "1", "inverse", "wahr", "vrai"}
_FALSE = {"false", "no", "n", "0", "linear", "falsch", "faux"}


class HoldingsCsvError(PerphedgeError, ValueError):
    """A holdings file that cannot be read; ``line`` is 1-based as an editor shows it."""

    def __init__(self, path: str, line: int, column: str | None, value: object, problem: str):
        self.path, self.line, self.column, self.value = path, line, column, value
        where = f"{path} line {line}" + (f", column {column}" if column else "")
        if line == 0:
            where = path
        shown = "" if value is None else f" (got {value!r})"
        super().__init__(f"{where}: {problem}{shown}")


@dataclass(frozen=True)
class HoldingRow:
    """One holding line of the file: its line number, the holding, the figures given."""

    line: int
    holding: HoldingInput
    figures: MarketFigures


@dataclass(frozen=True)
class HoldingsFile:
    path: str
    rows: tuple[HoldingRow, ...]
    separator: str
    #: The market-figure columns the header lists and some row fills, in header order.
    figure_columns: tuple[str, ...]


def read_holdings_csv(path: str | Path) -> list[HoldingInput]:
    """The holdings of a CSV file, in file order."""
    return [r.holding for r in read_holdings_file(path).rows]


def read_holdings_rows(path: str | Path) -> list[tuple[int, HoldingInput]]:
    """(line number, holding) for each holding row of a CSV file."""
    return [(r.line, r.holding) for r in read_holdings_file(path).rows]


#: What a workbook file starts with (a zip archive).
_ZIP_MAGIC = b"PK\x03\x04"
#: The Holdings table's input columns, by the CSV column each one is.
_WORKBOOK_COLUMNS = {"asset": "asset", "qty": "qty", "hedge_symbol": "hedge_symbol", "exchange": "exchange",
                     "strategy": "strategy", "ratio_in": "hedge_ratio", "leverage": "leverage", "beta": "beta",
                     "held": "held_contracts", "price_symbol": "price_symbol"}


def read_holdings_file(path: str | Path) -> HoldingsFile:
    """Every holding line of a CSV file with the market figures it gives; for a perphedge
    workbook, every row of its Holdings table (the line is the sheet's row)."""
    name = str(path)
    try:
        with open(path, "rb") as fh:
            if fh.read(4) == _ZIP_MAGIC:
                return read_holdings_workbook(path)
    except OSError as e:
        raise HoldingsCsvError(name, 0, None, None, f"cannot be read: {e.strerror or e}") from None
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            text = fh.read()
    except OSError as e:
        raise HoldingsCsvError(name, 0, None, None, f"cannot be read: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise HoldingsCsvError(name, 0, None, None, "is not UTF-8 text (an .xlsx workbook?): save it "
                               "from Excel as CSV UTF-8 (Comma delimited)") from None
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    separator = ";" if first.count(";") > first.count(",") else ","
    decimal_comma = separator == ";"
    reader = csv.reader(lines, delimiter=separator)
    try:
        header = next(reader)
    except StopIteration:
        raise HoldingsCsvError(name, 1, None, None, "is empty: expected a header row such as "
                               "asset,qty,hedge_symbol,exchange,hedge_ratio,leverage") from None
    columns = [h.strip().lower() for h in header]
    for required in REQUIRED:
        if required not in columns:
            raise HoldingsCsvError(name, 1, required, None, "is missing from the header row")
    for col in columns:
        if col and col not in COLUMNS:
            raise HoldingsCsvError(name, 1, col, None, "is not a known column (" + ", ".join(COLUMNS) + ")")
    seen = [c for c in columns if c]
    if len(set(seen)) != len(seen):
        twice = next(c for c in seen if seen.count(c) > 1)
        raise HoldingsCsvError(name, 1, twice, None, "appears twice in the header row")
    rows: list[HoldingRow] = []
    filled: set[str] = set()
    for line_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns):]):
            raise HoldingsCsvError(name, line_no, None, separator.join(cells),
                                   f"has {len(cells)} fields, the header {len(columns)}")
        row = {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(columns) if col}
        filled.update(c for c in FIGURES if row.get(c))
        rows.append(_row(name, line_no, row, decimal_comma))
    if not rows:
        raise HoldingsCsvError(name, 2, None, None, "lists no holdings")
    return HoldingsFile(name, tuple(rows), separator, tuple(c for c in columns if c in filled))


def read_holdings_workbook(path: str | Path) -> HoldingsFile:
    """The holdings of a perphedge workbook's Holdings table (its input columns), each row
    read as the same line of a CSV would be; a Beta cell holding a formula (the Beta
    sheet's β) stays the Beta sheet's. Any other workbook is refused with how to export a
    CSV."""
    from openpyxl import load_workbook

    from perphedge.template import layout as L

    name = str(path)
    not_ours = ("is an Excel workbook, not a CSV file, and not a perphedge workbook (no Holdings table on "
                "a Portfolio sheet): save your holdings from Excel as CSV UTF-8 (Comma delimited), "
                "or start from a workbook made by perphedge new")
    try:
        wb = load_workbook(path)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise HoldingsCsvError(name, 0, None, None, not_ours) from None
    ws = wb[L.PORTFOLIO] if L.PORTFOLIO in wb.sheetnames else None
    table = ws.tables.get(L.PORTFOLIO_TABLE) if ws is not None else None
    if ws is None or table is None:
        raise HoldingsCsvError(name, 0, None, None, not_ours)
    first = ws[table.ref.split(":")[0]]
    headers = {c.header: c.key for c in L.PORTFOLIO_COLUMNS if c.key in _WORKBOOK_COLUMNS}
    cols: dict[str, int] = {}
    for cell in ws[first.row]:
        if isinstance(cell.value, str) and cell.value in headers:
            cols[headers[cell.value]] = cell.column
    if "asset" not in cols or "qty" not in cols:
        raise HoldingsCsvError(name, first.row, None, None, "has a Holdings table without Asset and Quantity columns")
    last = ws[table.ref.split(":")[1]].row - (table.totalsRowCount or 0)
    rows: list[HoldingRow] = []
    for r in range(first.row + 1, last + 1):
        raw = {key: ws.cell(r, col).value for key, col in cols.items()}
        if raw.get("asset") in (None, ""):
            continue
        from_sheet = isinstance(raw.get("beta"), str) and str(raw["beta"]).startswith("=")
        row = {_WORKBOOK_COLUMNS[k]: ("" if x is None or (k == "beta" and from_sheet) else
                                      (repr(x) if isinstance(x, float) else str(x)))
               for k, x in raw.items()}
        for col in OPTIONAL:
            row.setdefault(col, "")
        got = _row(name, r, row, False)
        if from_sheet:
            got = HoldingRow(got.line, replace(got.holding, beta_from_sheet=True), got.figures)
        rows.append(got)
    if not rows:
        raise HoldingsCsvError(name, first.row + 1, None, None, "lists no holdings in its Holdings table")
    return HoldingsFile(name, tuple(rows), ",", ())


def _number(path: str, line: int, column: str, text: str, decimal_comma: bool, ratio: bool = False) -> float:
    try:
        if ratio:
            return v.ratio_text(column, text, decimal_comma)
        return v.number_text(column, text, decimal_comma)
    except InvalidInput as e:
        raise HoldingsCsvError(path, line, column, text, e.requirement) from None


def _flag(path: str, line: int, column: str, text: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise HoldingsCsvError(path, line, column, text, "must be true or false (inverse or linear)")


def _row(path: str, line: int, row: dict[str, str], decimal_comma: bool) -> HoldingRow:
    def opt(col: str) -> str | None:
        return row.get(col) or None

    if not row["asset"]:
        raise HoldingsCsvError(path, line, "asset", row["asset"], "must not be blank")
    kwargs: dict[str, object] = {"asset": row["asset"]}
    kwargs["qty"] = _number(path, line, "qty", row["qty"], decimal_comma)
    kwargs["hedge_symbol"] = opt("hedge_symbol") or row["asset"]
    kwargs["exchange"] = opt("exchange")
    if kwargs["exchange"] is not None:
        try:
            kwargs["exchange"] = check_exchange_id(row["exchange"])
        except InvalidInput as e:
            raise HoldingsCsvError(path, line, "exchange", row["exchange"], e.requirement) from None
    if opt("hedge_ratio"):
        kwargs["hedge_ratio"] = _number(path, line, "hedge_ratio", row["hedge_ratio"], decimal_comma, ratio=True)
    kwargs["strategy"] = opt("strategy") or ("Custom" if opt("hedge_ratio") else "Tactical Defense")
    if opt("leverage"):
        try:
            kwargs["leverage"] = v.leverage_text("leverage", row["leverage"], decimal_comma)
        except InvalidInput as e:
            raise HoldingsCsvError(path, line, "leverage", row["leverage"], e.requirement) from None
    for col in ("beta", "held_contracts"):
        if opt(col):
            kwargs[col] = _number(path, line, col, row[col], decimal_comma)
    kwargs["price_symbol"] = opt("price_symbol")
    figures: dict[str, object] = {}
    for col in FIGURES:
        text = opt(col)
        if text is None:
            continue
        if col == "inverse":
            figures[col] = _flag(path, line, col, text)
        else:
            # Rates (mmr, taker_fee) may be typed as percentages like the hedge ratio.
            figures[col] = _number(path, line, col, text, decimal_comma, ratio=col in ("mmr", "taker_fee"))
    try:
        holding = HoldingInput(**kwargs)  # type: ignore[arg-type]
        given = MarketFigures(**figures)  # type: ignore[arg-type]
    except InvalidInput as e:
        raise HoldingsCsvError(path, line, e.argument, e.value, e.requirement) from None
    return HoldingRow(line, holding, given)
