"""Excel-shaped arguments in, Python values out; results back to cell values."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perphedge.core.errors import InvalidInput
from perphedge.excel import convert as cv
from perphedge.excel.convert import REQUIRED, CellInputError

# -- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (0.5, 0.5),            # a cell showing 50 % holds 0.5
    (30, 30.0),            # ints become floats
    (-2.5, -2.5),
    ([[7.0]], 7.0),        # a one-cell range
    ([7.0], 7.0),
    ("0.5", 0.5),          # numbers stored as text, as Excel's arithmetic reads them
    (" 50% ", 0.5),
    ("-1e-4", -0.0001),
    (".25", 0.25),
])
def test_number_accepts_what_excel_hands_over(value, expected):
    assert cv.number("x", value) == expected
    assert isinstance(cv.number("x", value), float)


def test_empty_required_number_is_an_error_naming_the_argument():
    for empty in (None, "", "   ", [], [[]], [[None]]):
        with pytest.raises(InvalidInput, match=r"^spot_value is empty$"):
            cv.number("spot_value", empty)


def test_empty_optional_number_is_the_default():
    assert cv.number("contract_size", None, 1.0) == 1.0
    assert cv.number("contract_size", "", 1.0) == 1.0
    assert cv.number("contract_size", [[None]], 1.0) == 1.0
    assert cv.number("contract_size", 2.0, 1.0) == 2.0


@pytest.mark.parametrize("value, message", [
    (True, "price must be a number, got TRUE"),
    (False, "price must be a number, got FALSE"),
    ("abc", "price must be a number, got 'abc'"),
    ("1,000", "price must be a number, got '1,000'"),
    ("nan", "price must be a number, got 'nan'"),
    ("inf", "price must be a number, got 'inf'"),
    ("1_000", "price must be a number, got '1_000'"),
    (float("nan"), "price must be a finite number, got nan"),
    (float("-inf"), "price must be a finite number, got -inf"),
    (10 ** 400, "price must be a finite number, got a 401-digit number"),
    ("1e999", "price must be a finite number, got '1e999'"),
    (dt.datetime(2024, 3, 1), "price must be a number, got the date 2024-03-01T00:00:00"),
    ({"a": 1}, "price must be a number, got a dict"),
    ("#N/A", "price is #N/A (an error in the cell it refers to)"),
    ("#DIV/0!", "price is #DIV/0! (an error in the cell it refers to)"),
    ([1.0, 2.0, 3.0], "price must be a single cell, got a range of 3 cells"),
    ([[1.0, None], [2.0, 3.0]], "price must be a single cell, got a range of 4 cells"),
])
def test_number_refuses_with_a_message_naming_argument_and_value(value, message):
    with pytest.raises(InvalidInput) as e:
        cv.number("price", value)
    assert str(e.value) == message
    assert e.value.argument == "price"


def test_cell_input_error_is_the_package_invalid_input():
    assert issubclass(CellInputError, InvalidInput)
    assert issubclass(CellInputError, ValueError)


@pytest.mark.parametrize("value, expected", [(30.0, 30), (1, 1), ("7", 7), (None, 30)])
def test_whole(value, expected):
    assert cv.whole("days", value, 30, minimum=1) == expected


@pytest.mark.parametrize("value, message", [
    (2.5, "days must be a whole number, got 2.5"),
    (0.0, "days must be at least 1, got 0.0"),
    (-3, "days must be at least 1, got -3"),
])
def test_whole_refuses(value, message):
    with pytest.raises(InvalidInput, match=f"^{message}$"):
        cv.whole("days", value, 30, minimum=1)


# -- booleans ---------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), (1.0, True), (0.0, False), (1, True), (0, False),
    ("TRUE", True), ("false", False), (" True ", True), (None, False), ("", False),
    ([[True]], True),
])
def test_boolean(value, expected):
    assert cv.boolean("inverse", value, False) is expected


@pytest.mark.parametrize("value, message", [
    (2.0, "inverse must be TRUE or FALSE, got 2.0"),
    (0.5, "inverse must be TRUE or FALSE, got 0.5"),
    ("yes", "inverse must be TRUE or FALSE, got 'yes'"),
    (float("nan"), "inverse must be TRUE or FALSE, got nan"),
    ("#VALUE!", "inverse is #VALUE! (an error in the cell it refers to)"),
])
def test_boolean_refuses(value, message):
    with pytest.raises(InvalidInput) as e:
        cv.boolean("inverse", value, False)
    assert str(e.value) == message


def test_required_boolean_when_empty():
    with pytest.raises(InvalidInput, match="^inverse is empty$"):
        cv.boolean("inverse", None, REQUIRED)


# -- text -------------------------------------------------------------------------------


def test_text():
    assert cv.text("symbol", " BTC ") == "BTC"
    assert cv.text("exchange", None, None) is None
    assert cv.text("exchange", "  ", None) is None
    assert cv.text("symbol", [["ETH"]]) == "ETH"
    with pytest.raises(InvalidInput, match="^symbol is empty$"):
        cv.text("symbol", None)
    with pytest.raises(InvalidInput, match="^symbol must be text, got 5.0$"):
        cv.text("symbol", 5.0)
    with pytest.raises(InvalidInput, match="^symbol must be text, got TRUE$"):
        cv.text("symbol", True)
    with pytest.raises(InvalidInput, match="^symbol is #NAME\\? "):
        cv.text("symbol", "#NAME?")


# -- ranges -----------------------------------------------------------------------------


def test_numbers_reads_rows_columns_and_blocks_skipping_blanks():
    assert cv.numbers("p", [1.0, 2.0, 3.0]) == (1.0, 2.0, 3.0)              # a row
    assert cv.numbers("p", [[1.0], [None], [3.0]]) == (1.0, 3.0)            # a column
    assert cv.numbers("p", [[1.0, 2.0], [3.0, ""]]) == (1.0, 2.0, 3.0)      # a block, row-wise
    assert cv.numbers("p", [[1.0, 2.0], [3.0]]) == (1.0, 2.0, 3.0)          # ragged
    assert cv.numbers("p", 4.0) == (4.0,)                                   # one cell
    assert cv.numbers("p", [[-0.1, "10%"]]) == (-0.1, 0.1)


def test_numbers_empty_range():
    assert cv.numbers("shocks", None, (0.1,)) == (0.1,)
    assert cv.numbers("shocks", [[None, ""], [None]], (0.1,)) == (0.1,)
    with pytest.raises(InvalidInput, match="^asset_prices is empty$"):
        cv.numbers("asset_prices", [[None], [None]])


def test_numbers_names_the_bad_cell():
    with pytest.raises(InvalidInput) as e:
        cv.numbers("asset_prices", [[100.0], [None], ["n/a"]])
    assert str(e.value) == "asset_prices must be a number, got 'n/a' (cell 3 of the range)"
    with pytest.raises(InvalidInput, match=r"asset_prices is #N/A .*\(cell 2 of the range\)"):
        cv.numbers("asset_prices", [1.0, "#N/A"])
    with pytest.raises(InvalidInput, match="must be a number, got TRUE"):
        cv.numbers("asset_prices", [1.0, True])


# -- results ----------------------------------------------------------------------------


def test_excel_datetime_is_naive_utc():
    # 1710374400000 ms = 2024-03-14 00:00:00 UTC (1710374400 s / 86400 = 19796 days).
    assert cv.excel_datetime(1710374400000) == dt.datetime(2024, 3, 14, 0, 0, 0)
    assert cv.excel_datetime(1710374400123).microsecond == 123000
    assert cv.excel_datetime(0) == dt.datetime(1970, 1, 1)
    with pytest.raises(InvalidInput):
        cv.excel_datetime(10 ** 15)  # year ~33658


def test_cell_row_table():
    assert cv.cell(None) == ""
    assert cv.cell(True) == "TRUE"
    assert cv.cell(3) == 3.0 and isinstance(cv.cell(3), float)
    assert cv.row((1, None, "linear")) == [[1.0, "", "linear"]]
    assert cv.table(("a", "b"), [(1, 2), (3, None)]) == [["a", "b"], [1.0, 2.0], [3.0, ""]]


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_number_round_trips_every_finite_float(x):
    assert cv.number("x", x) == x
    assert cv.number("x", repr(x)) == x


@given(st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=12),
                 st.lists(st.one_of(st.none(), st.floats(), st.text(max_size=4)), max_size=4)))
def test_number_returns_a_finite_float_or_raises_invalid_input(value):
    try:
        x = cv.number("x", value, 0.0)
    except InvalidInput as e:
        assert str(e).startswith("x ")
    else:
        assert isinstance(x, float) and math.isfinite(x)


def test_paired_numbers_skip_a_blank_in_either_series_in_both():
    # Like Excel's CORREL: the 2nd and 3rd dates have a gap in one series each.
    a = [[1.0], [2.0], [None], [4.0], [5.0]]
    b = [[10.0], [None], [30.0], [40.0], [50.0]]
    assert cv.paired_numbers("a", a, "b", b) == ((1.0, 4.0, 5.0), (10.0, 40.0, 50.0))
    # a row against a column of the same size pairs cell by cell too
    assert cv.paired_numbers("a", [1.0, "", 3.0], "b", [[7.0], [8.0], [9.0]]) == \
        ((1.0, 3.0), (7.0, 9.0))


def test_paired_numbers_of_different_sizes_are_read_one_by_one():
    assert cv.paired_numbers("a", [1.0, None, 3.0], "b", [1.0, 2.0]) == ((1.0, 3.0), (1.0, 2.0))
    with pytest.raises(InvalidInput, match="^b must be a number, got 'x'"):
        cv.paired_numbers("a", [1.0, 2.0], "b", [1.0, "x"])


# -- what Windows Excel hands over beyond xlwings' cleaning ------------------------------


def _xlwings_windows_cell_errors() -> dict[int, str]:
    """The COM error codes xlwings' err_to_str names on Windows, read from the installed
    xlwings source (its Windows module needs pywin32, so it cannot be imported here)."""
    import ast
    from pathlib import Path

    import xlwings

    tree = ast.parse((Path(xlwings.__file__).parent / "_xlwindows.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "cell_errors":
            return ast.literal_eval(node.value)
    raise AssertionError("xlwings/_xlwindows.py has no cell_errors table")


def test_com_error_codes_agree_with_xlwings_and_cover_what_it_leaves_as_ints():
    named = _xlwings_windows_cell_errors()
    # xlwings' codes are 0x800A0000 + the XlCVError value (xlErrDiv0 = 2007, xlErrNA = 2042)
    assert named[-2146826281] == "#DIV/0!" and 0x800A0000 + 2007 - 2**32 == -2146826281
    for code, name in named.items():
        assert cv.COM_ERROR_CODES[code] == name
    # XlCVError: xlErrSpill = 2045, xlErrCalc = 2050, xlErrGettingData = 2043; xlwings
    # passes these through as ints, which must never be read as numbers
    left_as_ints = set(cv.COM_ERROR_CODES) - set(named)
    assert {cv.COM_ERROR_CODES[c] for c in left_as_ints} >= {"#SPILL!", "#CALC!",
                                                              "#GETTING_DATA"}
    spill = 0x800A0000 + 2045 - 2**32
    with pytest.raises(InvalidInput, match=r"^spot_value is #SPILL! \(an error in the cell"):
        cv.number("spot_value", spill)
    with pytest.raises(InvalidInput, match=r"^inverse is #CALC! "):
        cv.boolean("inverse", 0x800A0000 + 2050 - 2**32)
    with pytest.raises(InvalidInput, match=r"^symbol is #GETTING_DATA "):
        cv.text("symbol", [[0x800A0000 + 2043 - 2**32]])
    with pytest.raises(InvalidInput, match=r"^shocks is #SPILL! .*cell 2 of the range"):
        cv.numbers("shocks", [[-0.1], [spill]])


def test_a_currency_formatted_cell_arrives_as_decimal_and_is_a_number():
    # pywin32 hands a Currency/Accounting cell's value over as decimal.Decimal (COM
    # currency: 4 decimal places)
    from decimal import Decimal

    assert cv.number("spot_value", Decimal("25000.5")) == 25000.5
    assert isinstance(cv.number("spot_value", [[Decimal("1.2345")]]), float)
    assert cv.numbers("shocks", [Decimal("-0.1"), 0.1]) == (-0.1, 0.1)
    with pytest.raises(InvalidInput, match="finite"):
        cv.number("price", Decimal("NaN"))


def test_percent_text_with_a_space_and_in_decimal():
    # A ratio cell arriving as text, as typed in French or German Excel ("50 %"), and the
    # percentage read in decimal (33.3 % is 0.333, not 33.3 / 100 = 0.33299999999999996).
    from perphedge.excel import convert

    assert convert.number("hedge_ratio", "50 %") == 0.5
    assert convert.number("hedge_ratio", "33.3%") == 0.333
