"""Structure of built workbooks, read back with openpyxl: sheets, tables, names,
validations, charts, formulas (only Excel built-ins), determinism and the committed file."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.formula import ArrayFormula

from perphedge.catalogue import function_names
from perphedge.core.errors import InvalidInput
from perphedge.core.marketdata import DataStatus, MarketRow
from perphedge.template import layout as L
from perphedge.template.build import build_workbook, deterministic_bytes, make_workbook
from perphedge.template.demo import build_template
from perphedge.template.formulas import EXCEL_BUILTINS, functions_called

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "workbooks" / "perpetual_hedge.xlsx"


def formulas(wb):
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    yield ws.title, c.coordinate, c.value


def test_sheets_in_order(demo_path):
    wb = openpyxl.load_workbook(demo_path)
    # History: the demo's recorded settlements carry their marks; Positions: empty until read
    assert wb.sheetnames == ["Portfolio", "Market", "Tiers", "Scenarios", "Funding", "Beta",
                             "Guide", "History", "Positions"]


def test_tables_and_market_header_is_the_contract(demo_path):
    wb = openpyxl.load_workbook(demo_path)
    tables = {t.name: (ws.title, t) for ws in wb.worksheets for t in ws.tables.values()}
    assert set(tables) == {"Holdings", "Market", "Tiers", "Scenarios", "FundingSummary",
                           "FundingHistory", "BetaPrices", "Positions"}
    sheet, market = tables["Market"]
    assert sheet == "Market"
    ws = wb["Market"]
    first = openpyxl.utils.cell.range_boundaries(market.ref)
    header = [ws.cell(row=first[1], column=c).value for c in range(first[0], first[2] + 1)]
    assert header == ["Symbol", "Exchange", "Spot", "Mark", "Index", "Funding rate",
                      "Interval (h)", "Next funding (UTC)", "Contract size", "Amount step",
                      "Min amount", "Min cost", "Inverse", "Taker fee", "MMR", "Maint. amount",
                      "As of (UTC)", "Status"]
    holdings = tables["Holdings"][1]
    assert holdings.totalsRowCount == 1
    sheet, tiers = tables["Tiers"]
    assert sheet == "Tiers"
    first = openpyxl.utils.cell.range_boundaries(tiers.ref)
    header = [wb["Tiers"].cell(row=first[1], column=c).value for c in range(first[0], first[2] + 1)]
    assert header == ["Symbol", "Exchange", "Tier", "Min notional", "Max notional", "Unit",
                      "MMR", "Maint. amount", "Max leverage", "As of (UTC)"]


def test_named_settings_exist_with_defaults(demo_path):
    wb = openpyxl.load_workbook(demo_path)
    names = wb.defined_names
    expected = {"HorizonDays": 30, "DefaultExchange": "binanceusdm", "UtcOffsetHours": 0,
                "MaxDataAgeHours": 24, "MaxAdvisedLeverage": 2, "LiqWarnDistance": 0.25,
                "FundingWarnAPR": 0.10, "RebalanceBand": 0.05, "DefaultMMR": 0.005}
    for name, value in expected.items():
        (sheet, ref), = list(names[name].destinations)
        assert sheet == "Portfolio"
        assert wb[sheet][ref.replace("$", "")].value == value, name
    (sheet, ref), = list(names["NowUTC"].destinations)
    assert wb[sheet][ref.replace("$", "")].value == "=NOW()-UtcOffsetHours/24"
    for name in ("PresetNames", "PresetMin", "PresetMax", "PresetDefault", "MktSymbol",
                 "MktExchange", "MktMark", "MktStatus", "BetaHedgeRatio", "BetaCorrelation",
                 "BetaRSquared"):
        assert name in names
    (sheet, ref), = list(names["PresetNames"].destinations)
    cells = [c.value for row in wb[sheet][ref.replace("$", "")] for c in row]
    assert cells == ["Tactical Defense", "Capital Preservation", "Custom"]
    # The guide's bands: Tactical Defense 40-70 % (50 %), Capital Preservation 80-100 % (100 %).
    (sheet, ref), = list(names["PresetDefault"].destinations)
    assert [c.value for row in wb[sheet][ref.replace("$", "")] for c in row] == [0.5, 1.0, None]


def test_market_names_cover_the_table_columns(demo_path):
    wb = openpyxl.load_workbook(demo_path)
    ws = wb["Market"]
    for name, header in L.MARKET_NAMES.items():
        (sheet, ref), = list(wb.defined_names[name].destinations)
        col = ref.split(":")[0].strip("$").split("$")[0]
        assert sheet == "Market"
        assert ws[f"{col}{L.MARKET_HEADER_ROW}"].value == header


def test_tier_names_cover_the_table_columns(demo_path):
    wb = openpyxl.load_workbook(demo_path)
    ws = wb["Tiers"]
    for name, header in L.TIER_NAMES.items():
        (sheet, ref), = list(wb.defined_names[name].destinations)
        col = ref.split(":")[0].strip("$").split("$")[0]
        assert sheet == "Tiers"
        assert ws[f"{col}{L.TIER_HEADER_ROW}"].value == header


def test_strategy_dropdown_and_input_validations(demo_path):
    wb = openpyxl.load_workbook(demo_path)
    ws = wb["Portfolio"]
    dvs = ws.data_validations.dataValidation
    strategy = [d for d in dvs if d.type == "list" and "Tactical Defense" in (d.formula1 or "")]
    assert len(strategy) == 1
    assert strategy[0].formula1 == '"Tactical Defense,Capital Preservation,Custom"'
    col = L.pcol("strategy")
    first, last = L.PORTFOLIO_FIRST_ROW, L.PORTFOLIO_FIRST_ROW + L.portfolio_rows(3) - 1
    assert f"{col}{first}:{col}{last}" in str(strategy[0].sqref)
    ratio = [d for d in dvs if L.pcol("ratio_in") + str(first) in str(d.sqref)]
    assert ratio and ratio[0].type == "decimal" and (ratio[0].formula1, ratio[0].formula2) == ("0", "1")


def test_charts_present(demo_path):
    wb = openpyxl.load_workbook(demo_path)
    # openpyxl keeps charts of loaded files only in the package; read the parts.
    import zipfile
    with zipfile.ZipFile(demo_path) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        xml = {n: z.read(n).decode() for n in charts}
    def on(sheet):
        return [x for x in xml.values() if f"'{sheet}'!$" in x]

    assert all("<scatterChart>" in x for x in xml.values())
    [line] = on("Scenarios")
    assert line.count("<ser>") == 2 and "'Scenarios'!$G$" in line and "'Scenarios'!$H$" in line
    [scatter] = on("Funding")
    assert scatter.count("<ser>") == 2  # BTC and ETH perps
    # History: per hedge market, equity (hedged, unhedged) and cumulative funding
    blocks = sum(1 for c in wb["History"]["A"] if isinstance(c.value, str) and c.value.endswith(" on binanceusdm"))
    history = on("History")
    assert blocks >= 1 and len(history) == 2 * blocks
    assert sorted(x.count("<ser>") for x in history) == [1] * blocks + [2] * blocks
    assert len(xml) == 2 + 2 * blocks
    assert wb["Scenarios"] is not None


def test_every_computed_portfolio_cell_is_a_formula(demo_path):
    wb = openpyxl.load_workbook(demo_path)
    ws = wb["Portfolio"]
    first = L.PORTFOLIO_FIRST_ROW
    for r in range(first, first + L.portfolio_rows(3)):
        for i, col in enumerate(L.PORTFOLIO_COLUMNS):
            value = ws.cell(row=r, column=i + 1).value
            if col.kind == "input":
                assert not (isinstance(value, str) and value.startswith("=")) or value.startswith("=Beta!")
            else:
                assert isinstance(value, str) and value.startswith("="), (col.key, r)


def test_every_computed_cell_elsewhere_is_a_formula(demo_path):
    wb = openpyxl.load_workbook(demo_path)
    sc = wb["Scenarios"]
    for r in range(L.SCENARIO_HEADER_ROW + 1, L.SCENARIO_HEADER_ROW + 22):
        assert isinstance(sc[f"A{r}"].value, (int, float))
        for col in "BCDEFGHI":
            assert str(sc[f"{col}{r}"].value).startswith("="), f"{col}{r}"
    fu = wb["Funding"]
    for r in (L.FUNDING_SUMMARY_HEADER_ROW + 1, L.FUNDING_SUMMARY_HEADER_ROW + 2):
        for col in "CDEFGHIJKL":
            assert str(fu[f"{col}{r}"].value).startswith("="), f"{col}{r}"
    be = wb["Beta"]
    for ref in ("B7", "B8", "B9", "B10"):
        assert be[ref].value.text.startswith("=")  # an array formula over the price columns


def test_shocks_are_minus_50_to_plus_50_in_5_percent_steps(demo_path):
    sc = openpyxl.load_workbook(demo_path)["Scenarios"]
    first = L.SCENARIO_HEADER_ROW + 1
    shocks = [sc[f"A{r}"].value for r in range(first, first + 21)]
    assert shocks == [(-50 + 5 * k) / 100 for k in range(21)]


@pytest.mark.parametrize("which", ["demo", "template"])
def test_formulas_call_only_excel_builtins(which, demo_path, template_path):
    path = demo_path if which == "demo" else template_path
    wb = openpyxl.load_workbook(path)
    called = set()
    for sheet, ref, f in formulas(wb):
        names = functions_called(f)
        called |= names
        assert names <= EXCEL_BUILTINS, (sheet, ref, names - EXCEL_BUILTINS)
        # Without the add-in a colleague would see #NAME?: the template uses none of them.
        assert not names & function_names(), (sheet, ref)
        assert len(f) < 8192, (sheet, ref, len(f))  # Excel's formula length limit
        depth = best = 0
        for ch in f:
            depth += ch == "("
            depth -= ch == ")"
            best = max(best, depth)
        assert best < 64, (sheet, ref)  # Excel's nesting limit
    for ws in wb.worksheets:
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                for f in rule.formula:
                    assert functions_called(f) <= EXCEL_BUILTINS
    assert called  # the check above saw formulas


def test_functions_called_reads_calls_not_strings():
    assert functions_called('=IF(A1="SUM(",ROUND(A1,2),"")') == {"IF", "ROUND"}
    assert functions_called("=_xlfn.RSQ(A1:A3,B1:B3)") == {"RSQ"}


def test_demo_inputs_and_market_labelled_as_recorded(demo_path):
    wb = openpyxl.load_workbook(demo_path)
    ws = wb["Portfolio"]
    r = L.PORTFOLIO_FIRST_ROW
    row3 = {c.key: ws[f"{L.pcol(c.key)}{r + 2}"].value for c in L.PORTFOLIO_COLUMNS}
    assert (row3["asset"], row3["hedge_symbol"], row3["price_symbol"], row3["beta"]) == (
        "ETH", "BTC/USDT:USDT", "ETH/USDT:USDT", "=Beta!$B$7")
    assert ws[f"A{r + 3}"].value is None  # spare rows are blank inputs
    assert "not live" in ws["A2"].value and "illustrative" in ws["A2"].value
    m = wb["Market"]
    status_col = L.market_col("Status")
    statuses = [m[f"{status_col}{L.MARKET_FIRST_ROW + i}"].value for i in range(2)]
    assert statuses == ["recorded snapshot: perp price and funding recorded 2026-10-03 08:00 UTC"] * 2
    # Spot is absent in the snapshot for these perps: an empty cell, never 0.
    assert m[f"{L.market_col('Spot')}{L.MARKET_FIRST_ROW}"].value is None
    assert m[f"{L.market_col('Inverse')}{L.MARKET_FIRST_ROW}"].value is False


def test_build_is_deterministic(tmp_path):
    a = build_template(tmp_path / "a.xlsx").read_bytes()
    b = build_template(tmp_path / "b.xlsx").read_bytes()
    assert a == b


def _fingerprint(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    out = {"sheets": wb.sheetnames,
           "names": sorted((n, d.attr_text) for n, d in wb.defined_names.items())}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None or c.has_style:
                    # an array formula is an object: compared by its range and text
                    value = (c.value.ref, c.value.text) if isinstance(c.value, ArrayFormula) else c.value
                    cells[c.coordinate] = (value, c.number_format, c.font.b, c.font.color.rgb
                                           if c.font.color else None, c.fill.fgColor.rgb)
        out[ws.title] = {
            "cells": cells,
            "tables": sorted((t.name, t.ref) for t in ws.tables.values()),
            "widths": sorted((k, v.width, v.hidden) for k, v in ws.column_dimensions.items()),
            "freeze": ws.freeze_panes, "print": ws.print_area,
            "validations": sorted((d.type, str(d.sqref), d.formula1 or "") for d in ws.data_validations.dataValidation),
        }
    return out


def test_committed_template_equals_a_fresh_build(tmp_path):
    assert COMMITTED.exists(), "run `perphedge template` and commit workbooks/perpetual_hedge.xlsx"
    fresh = build_template(tmp_path / "fresh.xlsx")
    assert _fingerprint(COMMITTED) == _fingerprint(fresh)


def _row(symbol="X/USDT:USDT", exchange="binanceusdm"):
    return MarketRow(symbol, exchange, 1.0, 1.0, None, 0.0001, 8.0, None, 1.0, 0.001, 0.001,
                     False, 0.0005, None, None, DataStatus("snapshot", 0, True, "synthetic"))


def test_duplicate_market_rows_refused_and_nothing_written(tmp_path):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"previous")
    with pytest.raises(InvalidInput, match="once"):
        build_workbook([], [_row(), _row()], {}, target)
    assert target.read_bytes() == b"previous"


def test_workbook_recalculates_on_open():
    wb = make_workbook([], [_row()], {})
    assert wb.calculation.fullCalcOnLoad
    data = deterministic_bytes(wb)
    assert data[:2] == b"PK"


def test_page_setup_landscape_fit_to_width(demo_path):
    wb = openpyxl.load_workbook(demo_path)
    for name in ("Market", "Tiers", "Scenarios", "Funding", "Beta", "Guide"):
        ws = wb[name]
        assert ws.page_setup.orientation == "landscape" or name == "Beta", name
        assert ws.page_setup.fitToWidth == 1, name
        assert ws.sheet_properties.pageSetUpPr.fitToPage, name
        assert ws.print_area, name
    for name in ("Market", "Tiers", "Funding", "Beta"):
        assert wb[name].print_title_rows, name  # a table over several pages repeats its header


def test_portfolio_prints_its_key_columns_on_page_one(demo_path):
    """Key columns first, a manual break after Warnings (a scale, since fitting ignores
    manual breaks), the supporting columns an outline group after them, the header row
    repeated and column A not (its top rows hold the title, which would print clipped)."""
    ws = openpyxl.load_workbook(demo_path)["Portfolio"]
    assert [c.key for c in L.PORTFOLIO_COLUMNS[:len(L.KEY_COLUMNS)]] == list(L.KEY_COLUMNS)
    assert ws.page_setup.orientation == "landscape" and not ws.sheet_properties.pageSetUpPr.fitToPage
    breaks = [b.id for b in ws.col_breaks.brk]
    assert breaks[0] == L.PORTFOLIO_KEYS.index("warnings") + 1
    assert ws.print_title_rows == f"${L.PORTFOLIO_HEADER_ROW}:${L.PORTFOLIO_HEADER_ROW}"
    assert not ws.print_title_cols
    for key in L.SUPPORT_COLUMNS:
        assert ws.column_dimensions[L.pcol(key)].outlineLevel == 1, key
    for key in L.KEY_COLUMNS:
        assert not ws.column_dimensions[L.pcol(key)].outlineLevel, key


def test_building_a_workbook_loads_no_exchange_or_excel_library():
    import json
    import subprocess
    import sys

    code = ("import sys, json\n"
            "import perphedge.template.build, perphedge.template.portfolio\n"
            "print(json.dumps([m for m in ('ccxt', 'xlwings', 'pandas') if m in sys.modules]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True)
    assert json.loads(out.stdout) == []
