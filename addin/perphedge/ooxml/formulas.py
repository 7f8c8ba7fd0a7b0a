"""What a stored formula calls and refers to, read with a real formula tokenizer (openpyxl's),
not by searching its text: the functions it calls, the sheets, workbooks, names and tables
its references name, DDE links, and the first argument of each HYPERLINK.

A formula the tokenizer cannot read raises :class:`FormulaUnreadable`; callers that decide
what may leave the machine treat it as outside the allow-list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError

_CELLS = re.compile(r"^(\$?[A-Za-z]{1,3}\$?\d+(:\$?[A-Za-z]{1,3}\$?\d+)?|\$?[A-Za-z]{1,3}:\$?[A-Za-z]{1,3}"
                    r"|\$?\d+:\$?\d+|#REF!)$")
#: Prefixes Excel stores before newer functions' names (not part of the name users see).
_FN_PREFIXES = ("_XLFN._XLWS.", "_XLFN.", "_XLWS.")
#: Characters no sheet name may hold: one in a reference's book/sheet part means a path
#: or another workbook.
_NOT_IN_SHEET_NAMES = set("\\/?*[]")


class FormulaUnreadable(ValueError):
    """The formula cannot be tokenized."""


@dataclass(frozen=True)
class Reference:
    text: str
    sheets: tuple[str, ...] = ()     # sheet names named (both ends of a 3-D reference)
    book: str | None = None          # another workbook: "[1]", "[other.xlsx]", a path
    dde: bool = False                # app|topic!item
    name: str | None = None          # a defined name (or LAMBDA/LET parameter) used
    table: str | None = None         # a structured reference's table ("" for this table)


@dataclass(frozen=True)
class FormulaParts:
    functions: tuple[str, ...]               # upper case, Excel's storage prefixes removed
    references: tuple[Reference, ...]
    hyperlinks: tuple[str | None, ...]       # each HYPERLINK's target if a literal, else None


def _unquote_sheet(part: str) -> str:
    if len(part) >= 2 and part[0] == "'" and part[-1] == "'":
        return part[1:-1].replace("''", "'")
    return part


def _split_sheet(text: str) -> tuple[str | None, str]:
    """``'My Sheet'!A1`` -> ("My Sheet" quoted as stored, "A1"); no sheet -> (None, text)."""
    if text.startswith("'"):
        i = 1
        while i < len(text):
            if text[i] == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    i += 2
                    continue
                break
            i += 1
        if i + 1 < len(text) and text[i + 1] == "!":
            return text[: i + 1], text[i + 2:]
        return None, text
    if "!" in text:
        at = text.rindex("!") if not text.endswith("#REF!") else text.index("!")
        return text[:at], text[at + 1:]
    return None, text


def reference(text: str) -> Reference:
    """One range operand as the tokenizer gives it."""
    prefix, rest = _split_sheet(text)
    if prefix is None:
        if "|" in text:
            return Reference(text, dde=True)
        if text.startswith("["):
            return Reference(text, book=text[: text.find("]") + 1] or text)
        if "[" in text:
            return Reference(text, table=text[: text.index("[")])
        if _CELLS.match(text):
            return Reference(text)
        return Reference(text, name=text)
    sheet_part = _unquote_sheet(prefix)
    if "|" in prefix:
        return Reference(text, dde=True)
    book = None
    if "[" in sheet_part:
        book = sheet_part[: sheet_part.rindex("]") + 1] if "]" in sheet_part else sheet_part
        sheet_part = sheet_part[sheet_part.rindex("]") + 1:] if "]" in sheet_part else ""
    if book is None and (_NOT_IN_SHEET_NAMES & set(sheet_part) or re.match(r"^[A-Za-z]:", sheet_part)):
        book = sheet_part
    sheets = tuple(s for s in sheet_part.split(":") if s) if book is None else ()
    if book is not None:
        return Reference(text, book=book)
    if _CELLS.match(rest):
        return Reference(text, sheets=sheets)
    return Reference(text, sheets=sheets, name=rest)


def function_name(token_value: str) -> str:
    name = token_value[:-1].upper()
    for p in _FN_PREFIXES:
        if name.startswith(p):
            return name[len(p):]
    return name


def analyse(formula: str) -> FormulaParts:
    """The functions, references and hyperlink targets of ``formula`` (with or without
    its leading ``=``)."""
    text = formula if formula.startswith("=") else "=" + formula
    try:
        items = Tokenizer(text).items
    except (TokenizerError, IndexError, ValueError) as e:
        raise FormulaUnreadable(f"the formula ={formula.lstrip('=')} cannot be read: {e}") from e
    functions: list[str] = []
    refs: list[Reference] = []
    links: list[str | None] = []
    for i, tok in enumerate(items):
        if tok.type == Token.FUNC and tok.subtype == Token.OPEN:
            name = function_name(tok.value)
            if "!" in name:   # a function of another workbook or add-in: '[1]'!F( / book!F(
                prefix, _, name = name.rpartition("!")
                refs.append(Reference(tok.value, book=prefix))
            functions.append(name)
            if name == "HYPERLINK":
                nxt = items[i + 1] if i + 1 < len(items) else None
                links.append(nxt.value[1:-1].replace('""', '"')
                             if nxt is not None and nxt.type == Token.OPERAND
                             and nxt.subtype == Token.TEXT else None)
        elif tok.type == Token.OPERAND and tok.subtype == Token.RANGE:
            refs.append(reference(tok.value))
    return FormulaParts(tuple(functions), tuple(refs), tuple(links))
