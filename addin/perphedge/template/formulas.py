"""Which functions the workbook's formulas may call.

The template must work in Excel without the add-in and in LibreOffice, so its formulas
call only the Excel built-ins listed here, each of which LibreOffice Calc implements too
(checked by recalculating built workbooks in LibreOffice in the tests).
"""

from __future__ import annotations

import re

from openpyxl.formula.tokenizer import Token, Tokenizer

from perphedge.catalogue import EXCEL_BUILTINS

__all__ = ["EXCEL_BUILTINS", "functions_called"]

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
