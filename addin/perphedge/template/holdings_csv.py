"""Read a holdings CSV for ``perphedge new --portfolio``.

Columns (header row, any order, case-insensitive): ``asset`` and ``qty`` are required;
``hedge_symbol`` (default: the asset's perp), ``exchange`` (default: the workbook's
DefaultExchange), ``hedge_ratio`` (0.5 or 50 %; default: the strategy's), ``leverage``
(default 1), and the optional ``strategy``, ``beta``, ``held_contracts``,
``price_symbol``. Any bad cell stops the whole read with an error naming the file's line,
the column and the value, so nothing is built from half a portfolio.
"""

from __future__ import annotations

import csv
from pathlib import Path

from perphedge.core.errors import InvalidInput, PerphedgeError
from perphedge.template.holding import HoldingInput

REQUIRED = ("asset", "qty")
OPTIONAL = ("hedge_symbol", "exchange", "hedge_ratio", "leverage", "strategy", "beta",
            "held_contracts", "price_symbol")


class HoldingsCsvError(PerphedgeError, ValueError):
    """A holdings file that cannot be read; ``line`` is 1-based as an editor shows it."""

    def __init__(self, path: str, line: int, column: str | None, value: object, problem: str):
        self.path, self.line, self.column, self.value = path, line, column, value
        where = f"{path} line {line}" + (f", column {column}" if column else "")
        shown = "" if value is None else f" (got {value!r})"
        super().__init__(f"{where}: {problem}{shown}")


def _number(path: str, line: int, column: str, text: str, percent_ok: bool = False) -> float:
    raw = text.strip()
    try:
        if percent_ok and raw.endswith("%"):
            return float(raw[:-1].strip()) / 100.0
        return float(raw)
    except ValueError:
        raise HoldingsCsvError(path, line, column, text, "must be a number") from None


def read_holdings_csv(path: str | Path) -> list[HoldingInput]:
    """The holdings of a CSV file, in file order."""
    return [h for _, h in read_holdings_rows(path)]


def read_holdings_rows(path: str | Path) -> list[tuple[int, HoldingInput]]:
    """(line number, holding) for each holding row of a CSV file."""
    name = str(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            lines = fh.read().splitlines()
    except OSError as e:
        raise HoldingsCsvError(name, 0, None, None, f"cannot be read: {e.strerror}") from None
    except UnicodeDecodeError:
        raise HoldingsCsvError(name, 0, None, None, "is not UTF-8 text") from None
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        raise HoldingsCsvError(name, 1, None, None, "is empty: expected a header row "
                               "asset,qty,hedge_symbol,exchange,hedge_ratio,leverage") from None
    columns = [h.strip().lower() for h in header]
    for required in REQUIRED:
        if required not in columns:
            raise HoldingsCsvError(name, 1, required, None, "is missing from the header row")
    for col in columns:
        if col and col not in REQUIRED + OPTIONAL:
            raise HoldingsCsvError(name, 1, col, None,
                                   "is not a known column (" + ", ".join(REQUIRED + OPTIONAL) + ")")
    holdings: list[tuple[int, HoldingInput]] = []
    for line_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(columns):
            raise HoldingsCsvError(name, line_no, None, ",".join(cells),
                                   f"has {len(cells)} fields, the header {len(columns)}")
        row = {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(columns)}
        holdings.append((line_no, _holding(name, line_no, row)))
    if not holdings:
        raise HoldingsCsvError(name, 2, None, None, "lists no holdings")
    return holdings


def _holding(path: str, line: int, row: dict[str, str]) -> HoldingInput:
    def opt(col: str) -> str | None:
        return row.get(col) or None

    kwargs: dict[str, object] = {"asset": row["asset"]}
    if not row["asset"]:
        raise HoldingsCsvError(path, line, "asset", row["asset"], "must not be blank")
    kwargs["qty"] = _number(path, line, "qty", row["qty"])
    kwargs["hedge_symbol"] = opt("hedge_symbol") or row["asset"]
    kwargs["exchange"] = opt("exchange")
    if opt("hedge_ratio"):
        kwargs["hedge_ratio"] = _number(path, line, "hedge_ratio", row["hedge_ratio"], percent_ok=True)
    kwargs["strategy"] = opt("strategy") or ("Custom" if opt("hedge_ratio") else "Tactical Defense")
    for col in ("leverage", "beta", "held_contracts"):
        if opt(col):
            kwargs[col] = _number(path, line, col, row[col])
    kwargs["price_symbol"] = opt("price_symbol")
    try:
        return HoldingInput(**kwargs)  # type: ignore[arg-type]
    except InvalidInput as e:
        column = {"hedge_ratio": "hedge_ratio", "qty": "qty"}.get(e.argument, e.argument)
        problem = e.requirement
        raise HoldingsCsvError(path, line, column, e.value, problem) from None
