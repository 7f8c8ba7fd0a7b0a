"""Invariants of the Portfolio formula text (no LibreOffice needed): each row's formulas
read only their own row, only named cells and the Market ranges elsewhere, and only
allow-listed Excel built-ins."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.formula.tokenizer import Token, Tokenizer

from perphedge.template import layout as L
from perphedge.template.build import defined_names
from perphedge.template.formulas import EXCEL_BUILTINS, functions_called
from perphedge.template.portfolio import row_formulas

CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def operands(formula: str) -> list[str]:
    return [t.value for t in Tokenizer(formula).items
            if t.type == Token.OPERAND and t.subtype == Token.RANGE]


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=L.PORTFOLIO_FIRST_ROW, max_value=5000))
def test_row_formulas_read_only_their_own_row(r):
    names = set(defined_names(3))
    for key, formula in row_formulas(r).items():
        assert functions_called(formula) <= EXCEL_BUILTINS
        for ref in operands(formula):
            if ref in names:
                continue
            if ref.startswith(f"{L.MARKET}!"):
                assert ref == f"{L.MARKET}!$A${L.MARKET_HEADER_ROW}", (key, ref)
                continue
            m = CELL.match(ref)
            assert m, (key, ref)
            assert int(m.group(2)) == r, (key, ref)
            assert m.group(1) in {L.pcol(c.key) for c in L.PORTFOLIO_COLUMNS}, (key, ref)


def test_every_computed_column_has_a_formula_and_inputs_have_none():
    f = row_formulas(L.PORTFOLIO_FIRST_ROW)
    assert set(f) == {c.key for c in L.PORTFOLIO_COLUMNS if c.kind != "input"}


def test_every_formula_has_balanced_parentheses():
    """A stray parenthesis is a parse error Excel refuses to open the file over."""
    from perphedge.template.portfolio import row_formulas

    for key, formula in row_formulas(12).items():
        depth = 0
        for ch in formula:
            depth += (ch == "(") - (ch == ")")
            assert depth >= 0, key
        assert depth == 0, key
