"""Which functions the workbook's formulas may call.

The template must work in Excel without the add-in and in LibreOffice, so its formulas
call only the Excel built-ins listed here, each of which LibreOffice Calc implements too
(checked by recalculating built workbooks in LibreOffice in the tests).
"""

from __future__ import annotations

import re

from openpyxl.formula.tokenizer import Token, Tokenizer

#: Excel built-ins the workbook uses (all in Excel 2010+ and LibreOffice Calc 7).
EXCEL_BUILTINS: frozenset[str] = frozenset({
    "ABS", "AND", "CORREL", "COUNT", "COUNTIF", "FIND", "IF", "IFERROR", "INDEX", "ISERROR",
    "ISNA", "ISNUMBER", "ISTEXT", "LEFT", "LEN", "LN", "MATCH", "MAX", "MEDIAN", "MID", "MIN", "NA",
    "N", "NOT", "NOW", "OR", "ROUND", "ROUNDDOWN", "ROW", "RSQ", "SLOPE", "SUBTOTAL", "SUM",
    "SUMPRODUCT", "TEXT", "YEAR",
})

_STRING = re.compile(r'"(?:[^"]|"")*"')


def functions_called(formula: str) -> set[str]:
    """Upper-case names of the functions a formula calls (``=IF(A1>0,ROUND(A1,2),"")``
    -> {IF, ROUND}). Text inside string literals is not mistaken for a call."""
    text = formula if formula.startswith("=") else "=" + formula
    names = set()
    for tok in Tokenizer(text).items:
        if tok.type == Token.FUNC and tok.subtype == Token.OPEN:
            names.add(tok.value[:-1].upper().removeprefix("_XLFN."))
    return names
