"""Reading a holdings CSV: defaults for missing optional columns, and every bad cell
reported with its line, column and value."""

from __future__ import annotations

import pytest

from perphedge.template.holdings_csv import HoldingsCsvError, read_holdings_csv, read_holdings_rows


def write(tmp_path, text, name="h.csv"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_full_columns(tmp_path):
    p = write(tmp_path, "asset,qty,hedge_symbol,exchange,hedge_ratio,leverage\n"
                        "BTC,1.5,BTC/USDT:USDT,bybit,50%,2\nETH,10,ETH,okx,0.8,1\n")
    btc, eth = read_holdings_csv(p)
    assert (btc.asset, btc.qty, btc.hedge_symbol, btc.exchange) == ("BTC", 1.5, "BTC/USDT:USDT", "bybit")
    assert (btc.hedge_ratio, btc.leverage, btc.strategy) == (0.5, 2.0, "Custom")
    assert (eth.hedge_ratio, eth.exchange) == (0.8, "okx")


def test_missing_optional_columns_take_defaults(tmp_path):
    (h,) = read_holdings_csv(write(tmp_path, "qty,asset\n3,SOL\n"))
    assert (h.hedge_symbol, h.exchange, h.hedge_ratio, h.strategy, h.leverage) == (
        "SOL", None, None, "Tactical Defense", 1.0)


def test_blank_lines_skipped_and_line_numbers_kept(tmp_path):
    rows = read_holdings_rows(write(tmp_path, "asset,qty\n\nBTC,1\n\nETH,2\n"))
    assert [line for line, _ in rows] == [3, 5]


@pytest.mark.parametrize("text, line, column, value", [
    ("asset,qty\nBTC,abc\n", 2, "qty", "abc"),
    ("asset,qty\nBTC,1\nETH,-2\n", 3, "qty", -2.0),
    ("asset,qty,hedge_ratio\nBTC,1,1.5\n", 2, "hedge_ratio", 1.5),
    ("asset,qty,hedge_ratio\nBTC,1,150%\n", 2, "hedge_ratio", 1.5),
    ("asset,qty,leverage\nBTC,1,0.5\n", 2, "leverage", 0.5),
    ("asset,qty,strategy\nBTC,1,Aggressive\n", 2, "strategy", "Aggressive"),
    ("asset,qty,strategy\nBTC,1,Custom\n", 2, "hedge_ratio", None),
    ("asset,qty\n,1\n", 2, "asset", ""),
])
def test_bad_cells_name_line_column_value(tmp_path, text, line, column, value):
    with pytest.raises(HoldingsCsvError) as info:
        read_holdings_csv(write(tmp_path, text))
    e = info.value
    assert (e.line, e.column, e.value) == (line, column, value)
    assert f"line {line}, column {column}" in str(e)


def test_header_problems(tmp_path):
    with pytest.raises(HoldingsCsvError, match="line 1, column qty: is missing"):
        read_holdings_csv(write(tmp_path, "asset,quantity\nBTC,1\n"))
    with pytest.raises(HoldingsCsvError, match="column colour: is not a known column"):
        read_holdings_csv(write(tmp_path, "asset,qty,colour\nBTC,1,red\n"))
    with pytest.raises(HoldingsCsvError, match="is empty"):
        read_holdings_csv(write(tmp_path, ""))
    with pytest.raises(HoldingsCsvError, match="lists no holdings"):
        read_holdings_csv(write(tmp_path, "asset,qty\n"))
    with pytest.raises(HoldingsCsvError, match="cannot be read"):
        read_holdings_csv(tmp_path / "missing.csv")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from perphedge.core.holdings import HoldingInput  # noqa: E402


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(
    st.sampled_from(["BTC", "ETH", "SOL"]),
    st.floats(min_value=1e-6, max_value=1e6, allow_nan=False),
    st.floats(min_value=0, max_value=1, allow_nan=False),
    st.floats(min_value=1, max_value=125, allow_nan=False),
), min_size=1, max_size=5))
def test_written_holdings_read_back_unchanged(tmp_path_factory, rows):
    p = tmp_path_factory.mktemp("csv") / "h.csv"
    lines = ["asset,qty,hedge_symbol,exchange,hedge_ratio,leverage"]
    lines += [f"{a},{q!r},{a}/USDT:USDT,bybit,{r!r},{lev!r}" for a, q, r, lev in rows]
    p.write_text("\n".join(lines) + "\n")
    got = read_holdings_csv(p)
    assert got == [HoldingInput(a, q, f"{a}/USDT:USDT", "bybit", "Custom", r, lev)
                   for a, q, r, lev in rows]


# ---- one format for plan and new --------------------------------------------------------

from perphedge.core.holdings import MarketFigures  # noqa: E402
from perphedge.template.holdings_csv import read_holdings_file  # noqa: E402


def test_semicolon_file_with_decimal_commas_and_a_bom(tmp_path):
    # What Excel saves as "CSV UTF-8" where the comma is the decimal mark.
    p = tmp_path / "eu.csv"
    p.write_bytes("\ufeffasset;qty;hedge_symbol;hedge_ratio;leverage;price\n"
                  "BTC;0,75;BTC/USDT:USDT;50 %;1,5;69.895,06\nETH;12;ETH;70%;1;\n".encode("utf-8"))
    book = read_holdings_file(p)
    assert book.separator == ";"
    btc, eth = (r.holding for r in book.rows)
    assert (btc.asset, btc.qty, btc.hedge_ratio, btc.leverage) == ("BTC", 0.75, 0.5, 1.5)
    assert book.rows[0].figures == MarketFigures(price=69_895.06)
    assert (eth.qty, eth.hedge_ratio, book.rows[1].figures) == (12.0, 0.7, MarketFigures())
    assert book.figure_columns == ("price",)


def test_a_plan_csv_is_a_holdings_csv(tmp_path):
    # The old `plan --csv` columns are all in the one format: new reads them too.
    p = write(tmp_path, "asset,qty,price,hedge_ratio,leverage,contract_size,amount_step,min_amount,inverse\n"
                        "BTC,10,50000,0.5,1,,0.001,0.001,false\nBTC-inv,2,50000,1,2,100,1,1,true\n")
    book = read_holdings_file(p)
    btc, inv = book.rows
    assert (btc.holding.asset, btc.holding.qty, btc.holding.hedge_ratio, btc.holding.hedge_symbol) == (
        "BTC", 10.0, 0.5, "BTC")
    assert btc.figures == MarketFigures(price=50_000.0, amount_step=0.001, min_amount=0.001, inverse=False)
    assert inv.figures == MarketFigures(price=50_000.0, contract_size=100.0, amount_step=1.0, min_amount=1.0,
                                        inverse=True)
    assert book.figure_columns == ("price", "contract_size", "amount_step", "min_amount", "inverse")


def test_a_workbook_that_is_not_ours_says_save_as_csv(tmp_path):
    p = tmp_path / "holdings.xlsx"
    p.write_bytes(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb2\x8f\xff")
    with pytest.raises(HoldingsCsvError) as e:
        read_holdings_csv(p)
    assert "is an Excel workbook, not a CSV file" in str(e.value) and "CSV UTF-8" in str(e.value)
    assert str(p) in str(e.value) and "line 0" not in str(e.value)


def test_not_utf8_text_says_save_as_csv(tmp_path):
    p = tmp_path / "holdings.csv"
    p.write_bytes(b"asset,qty\nBTC,\xff\xfe\n")
    with pytest.raises(HoldingsCsvError) as e:
        read_holdings_csv(p)
    assert "is not UTF-8 text" in str(e.value) and "save it from Excel as CSV UTF-8" in str(e.value)


def test_a_column_twice_and_bad_figures_are_named(tmp_path):
    with pytest.raises(HoldingsCsvError, match="line 1, column qty: appears twice"):
        read_holdings_csv(write(tmp_path, "asset,qty,qty\nBTC,1,2\n"))
    with pytest.raises(HoldingsCsvError) as e:
        read_holdings_csv(write(tmp_path, "asset;qty;contract_size\nBTC;1;0\n"))
    assert (e.value.line, e.value.column, e.value.value) == (2, "contract_size", 0.0)
    with pytest.raises(HoldingsCsvError) as e:
        read_holdings_csv(write(tmp_path, "asset,qty,hedge_ratio\nBTC,1,1,5\n"))
    assert e.value.line == 2  # a decimal comma in a comma file is an extra field, not 1.5


def test_a_ratio_of_50_gets_a_hint_and_2x_leverage_is_read(tmp_path):
    from perphedge.template.holdings_csv import HoldingsCsvError, read_holdings_csv

    ok = tmp_path / "ok.csv"
    ok.write_text("asset,qty,hedge_ratio,leverage\nBTC,1,50%,2x\n")
    (h,) = read_holdings_csv(ok)
    assert h.leverage == 2.0 and h.hedge_ratio == 0.5
    bad = tmp_path / "bad.csv"
    bad.write_text("asset,qty,hedge_ratio\nBTC,1,50\n")
    with pytest.raises(HoldingsCsvError, match="write 0.5 or 50 %"):
        read_holdings_csv(bad)
