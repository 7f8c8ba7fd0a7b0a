"""One crafted workbook per hazard; a refreshed plain workbook is clean."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from lxml import etree

from perphedge.cli import main
from perphedge.files import check as ck
from perphedge.files.refresh import refresh_file
from perphedge.ooxml import NS_MAIN
from tests.support.books import add_external_link, build_market_book, rewrite_parts
from tests.support.fake import NOW_MS, FakeSource

MARKS = {"BTC/USDT:USDT": 70000.5, "ETH/USDT:USDT": 2500.25, "SOL/USDT:USDT": 150.75}  # synthetic


@pytest.fixture
def clean(tmp_path):
    book = build_market_book(tmp_path / "clean.xlsx")
    refresh_file(book, source=FakeSource(MARKS), now_ms=NOW_MS, backup=False)
    return book


def kinds(path, **kw):
    return sorted({f.kind for f in ck.check_file(path, now_ms=NOW_MS + 3_600_000, **kw)})


def edit(path, fn):
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)
    return path


def test_refreshed_plain_workbook_is_clean(clean):
    assert kinds(clean) == []


def test_addin_formula(clean):
    edit(clean, lambda wb: wb["Portfolio"].__setitem__("C2", "=HEDGE_SIZE(B2, 0.5)"))
    found = ck.check_file(clean, now_ms=NOW_MS)
    assert [(f.kind, f.where) for f in found] == [("addin-formula", "Portfolio!C2")]
    assert "HEDGE_SIZE" in found[0].detail


def test_function_name_inside_text_is_not_a_call():
    names = frozenset({"HEDGE_SIZE"})
    assert ck.calls_addin('="HEDGE_SIZE(1)"&A1', names) == []
    assert ck.calls_addin("='perphedge.xlam'!HEDGE_SIZE(A1,B1)", names) == ["HEDGE_SIZE"]
    assert ck.calls_addin("=hedge_size(A1,B1)+SUM(A1)", names) == ["HEDGE_SIZE"]
    # how Excel stores a function of an add-in it links to (externalLink [1])
    assert ck.calls_addin("[1]!HEDGE_SIZE(B2,0.5)", names) == ["HEDGE_SIZE"]


@pytest.mark.parametrize("sheet", ["myaddin.conf", "xlwings.conf", "_myaddin.conf", "code.py"])
def test_config_sheet(clean, sheet):
    def add(wb):
        ws = wb.create_sheet(sheet)
        ws["A1"], ws["B1"] = "Interpreter_Win", r"\\evil\share\python.exe"
    edit(clean, add)
    assert kinds(clean) == ["config-sheet"]


@pytest.mark.parametrize("name", ["myaddin.conf", "xlwings.conf", "perphedge.py"])
def test_config_or_code_file_beside_the_workbook(clean, name):
    (clean.parent / name).write_text('"Interpreter_Win","C:\\evil\\python.exe"\n')
    assert kinds(clean) == ["config-file"]


def test_macros(tmp_path):
    import xlwings

    book = tmp_path / "book.xlsm"
    shutil.copyfile(Path(xlwings.__file__).parent / "quickstart.xlsm", book)
    assert "macros" in kinds(book)


def test_external_link(clean):
    rewrite_parts(clean, add_external_link)
    found = ck.check_file(clean, now_ms=NOW_MS)
    assert [f.kind for f in found] == ["external-link"]
    assert "prices.xlsx" in found[0].detail


def test_old_market_data(clean):
    assert kinds(clean) == []
    later = NOW_MS + 25 * 3_600_000
    found = ck.check_file(clean, now_ms=later)
    assert {f.kind for f in found} == {"stale-market"} and len(found) == 3
    assert "25.0 h old (limit 24 h)" in found[0].detail
    assert ck.check_file(clean, now_ms=later, max_age_hours=48) == []


def test_error_cells(clean):
    edit(clean, lambda wb: wb["Portfolio"].__setitem__("E2", "#N/A"))
    found = ck.check_file(clean, now_ms=NOW_MS)
    assert [(f.kind, f.where, f.detail) for f in found] == [("error-cell", "Portfolio!E2", "#N/A")]


def test_a_cell_showing_a_functions_error_text_is_an_error_cell(clean):
    # what a function of ours returns for bad input is text (core.conventions.ERROR_PREFIX),
    # saved as a shared string; a user's own note starting differently is not an error
    text = "#HEDGE! hedge_ratio must be between 0 and 1, got 1.5"
    edit(clean, lambda wb: (wb["Portfolio"].__setitem__("E2", text),
                            wb["Portfolio"].__setitem__("E3", "see #HEDGE! notes")))
    found = ck.check_file(clean, now_ms=NOW_MS)
    assert [(f.kind, f.where, f.detail) for f in found] == [("error-cell", "Portfolio!E2", text)]


def test_an_error_text_is_seen_however_the_cell_holds_it(clean):
    # inline text in one run, split over rich-text runs, and a formula's text result; texts
    # that only contain the prefix, or start like it, are not errors
    text = "#HEDGE! leverage must be at least 1, got 0"
    runs = "".join(f"<r><t>{piece}</t></r>"
                   for piece in ("#HE", "DGE! leverage", " must be at least 1, got 0"))
    cells = [f'<is><t>{text}</t></is>', f"<is>{runs}</is>", None, "<is><t>#HEDGE</t></is>",
             "<is><r><t>see </t></r><r><t>#HEDGE! notes</t></r></is>"]

    def add(parts):
        root = etree.fromstring(parts["xl/worksheets/sheet1.xml"])
        data = root.find(f"{{{NS_MAIN}}}sheetData")
        for i, inline in enumerate(cells):
            r = 91 + i
            c = (f'<c r="A{r}" t="inlineStr">{inline}</c>' if inline else
                 f'<c r="A{r}" t="str"><f>"{text}"</f><v>{text}</v></c>')
            data.append(etree.fromstring(f'<row xmlns="{NS_MAIN}" r="{r}">{c}</row>'))
        parts["xl/worksheets/sheet1.xml"] = etree.tostring(root, xml_declaration=True,
                                                           encoding="UTF-8", standalone=True)

    rewrite_parts(clean, add)
    found = ck.check_file(clean, now_ms=NOW_MS)
    assert [(f.kind, f.where, f.detail) for f in found] == [
        ("error-cell", "Portfolio!A91", text), ("error-cell", "Portfolio!A92", text),
        ("error-cell", "Portfolio!A93", text)]


def test_command_exit_codes_and_json(clean, capsys):
    assert main(["check", str(clean), "--max-age-hours", "1000000"]) == 0
    edit(clean, lambda wb: wb["Portfolio"].__setitem__("C2", "=FUNDING_APR(0.0001)"))
    capsys.readouterr()
    assert main(["check", str(clean), "--json", "--max-age-hours", "1000000"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["clean"] is False and out["findings"][0]["kind"] == "addin-formula"


def test_age_limit_comes_from_the_workbooks_max_data_age_hours(clean):
    from openpyxl.workbook.defined_name import DefinedName

    def setting(wb):
        wb["Portfolio"]["F1"] = 48
        wb.defined_names["MaxDataAgeHours"] = DefinedName("MaxDataAgeHours",
                                                          attr_text="Portfolio!$F$1")
    edit(clean, setting)
    assert ck.check_file(clean, now_ms=NOW_MS + 25 * 3_600_000) == []
    found = ck.check_file(clean, now_ms=NOW_MS + 49 * 3_600_000)
    assert {f.kind for f in found} == {"stale-market"}
    assert "(limit 48 h)" in found[0].detail


def test_cells_sharing_an_addin_formula_are_each_reported(clean):
    """Excel stores a filled-down formula once (t="shared") and the other cells refer to it."""
    def craft(parts):
        s = parts["xl/worksheets/sheet1.xml"].decode()
        row2_end = s.index("</row>", s.index('<row r="2"'))
        s = s[:row2_end] + ('<c r="E2"><f t="shared" ref="E2:E3" si="0">HEDGE_SIZE(B2,0.5)'
                            '</f><v>1</v></c>') + s[row2_end:]
        row3_end = s.index("</row>", s.index('<row r="3"'))
        s = s[:row3_end] + '<c r="E3"><f t="shared" si="0"/><v>2</v></c>' + s[row3_end:]
        parts["xl/worksheets/sheet1.xml"] = s.encode()
    rewrite_parts(clean, craft)
    found = ck.check_file(clean, now_ms=NOW_MS)
    assert [(f.kind, f.where) for f in found] == [("addin-formula", "Portfolio!E2"),
                                                  ("addin-formula", "Portfolio!E3")]
    # and share turns both into their saved values
    from perphedge.files.share import share_file

    out = clean.with_name("out.xlsx")
    share_file(clean, out)
    ws = openpyxl.load_workbook(out)["Portfolio"]
    assert (ws["E2"].value, ws["E3"].value) == (1, 2)
    assert "=HEDGE_SIZE(B3,0.5)" in ws["E3"].comment.text   # the filled-down formula
    assert ck.check_file(out, now_ms=NOW_MS) == []


def test_a_sheet_that_cannot_be_read_is_a_finding_not_a_crash(clean):
    def craft(parts):
        s = parts["xl/worksheets/sheet1.xml"].decode()
        parts["xl/worksheets/sheet1.xml"] = s.replace("<sheetData>", "<sheetData><row>", 1).encode()
    rewrite_parts(clean, craft)
    found = ck.check_file(clean, now_ms=NOW_MS)
    assert [f.kind for f in found] == ["unreadable"] and "not well-formed" in found[0].detail


def test_a_workbook_that_unpacks_too_large_is_refused_unread(clean, monkeypatch):
    from perphedge.files.share import ShareError, share_file
    from perphedge.ooxml import zipread

    monkeypatch.setattr(zipread, "MAX_UNPACKED_BYTES", 10_000)
    found = ck.check_file(clean, now_ms=NOW_MS)
    assert [f.kind for f in found] == ["unreadable"] and "more than the" in found[0].detail
    before = clean.read_bytes()
    with pytest.raises(ShareError, match="unpacks to"):
        share_file(clean, clean.with_name("out.xlsx"))
    with pytest.raises(Exception, match="unpacks to"):
        refresh_file(clean, source=FakeSource(MARKS), now_ms=NOW_MS)
    assert clean.read_bytes() == before and not clean.with_name("out.xlsx").exists()


@pytest.mark.parametrize("name", ["numpy.py", "json.py", "ccxt", "xlwings.py"])
def test_code_named_like_a_module_python_would_load_is_reported(clean, name):
    if name == "ccxt":                 # a package folder standing in for the exchange library
        (clean.parent / name).mkdir()
        (clean.parent / name / "__init__.py").write_text("import os\n")
    else:
        (clean.parent / name).write_text("import os\n")
    found = [f for f in ck.check_file(clean, now_ms=NOW_MS) if f.kind == "config-file"]
    assert [f.where for f in found] == [str(clean.parent / name)]


def test_scripts_of_the_users_own_are_not_reported(clean):
    (clean.parent / "my_hedge_notes_2026.py").write_text("print('mine')\n")
    (clean.parent / "data").mkdir()                    # a plain folder, not a package
    assert kinds(clean) == []


@pytest.mark.parametrize("status, reported", [
    ("suspect: binanceusdm sent funding 0.5 per interval beyond ±0.05 for BTC/USDT:USDT", True),
    ("stale: HTTP 451 from binanceusdm; previous values kept (age 2h 0m)", True),
    ("partial: funding interval assumed 8 h", True),
    ("fresh", False),
    ("recorded snapshot of 2026-03-20 00:00 UTC", False),   # its age is judged by the As-of
])
def test_a_market_row_whose_status_needs_attention_is_reported_with_its_words(clean, status, reported):
    def set_status(wb):
        ws = wb["Market"]
        col = [c.value for c in ws[4]].index("Status") + 1
        ws.cell(5, col, status)
    edit(clean, set_status)
    found = [f for f in ck.check_file(clean, now_ms=NOW_MS) if f.kind == "market-status"]
    assert [(f.where, f.detail) for f in found] == ([("Market row 5 (BTC/USDT:USDT)", status)] if reported else [])


def test_market_data_dated_in_the_future_is_reported_not_taken_as_fresh(clean):
    from datetime import datetime

    def ahead(wb):
        ws = wb["Market"]
        col = [c.value for c in ws[4]].index("As of (UTC)") + 1
        ws.cell(6, col, datetime(2036, 1, 1))
    edit(clean, ahead)
    found = ck.check_file(clean, now_ms=NOW_MS)
    assert [(f.kind, f.where) for f in found] == [("stale-market", "Market row 6 (ETH/USDT:USDT)")]
    assert "dated in the future" in found[0].detail


def test_an_error_text_late_in_a_large_sheet_or_written_as_a_character_reference_is_seen(clean):
    # texts are read once the sheet's bytes have shown a '#': the first one here comes after
    # 20,000 plain rows (far past the parser's first reads), spelt &#35;, then a literal one
    text = "#HEDGE! hedge_ratio must be between 0 and 1, got 2"

    def add(parts):
        root = etree.fromstring(parts["xl/worksheets/sheet1.xml"])
        assert b"#" not in parts["xl/worksheets/sheet1.xml"]
        data = root.find(f"{{{NS_MAIN}}}sheetData")
        for r in range(100, 20_100):
            data.append(etree.fromstring(f'<row xmlns="{NS_MAIN}" r="{r}"><c r="A{r}" t="inlineStr">'
                                         f'<is><t>plain {r}</t></is></c><c r="B{r}"><v>{r}</v></c></row>'))
        xml = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
        late = ('<row r="20100"><c r="A20100" t="inlineStr"><is><t>&#35;HEDGE! late</t></is></c></row>'
                f'<row r="20101"><c r="A20101" t="inlineStr"><is><t>{text}</t></is></c></row>'
                "</sheetData>").encode()
        parts["xl/worksheets/sheet1.xml"] = xml.replace(b"</sheetData>", late, 1)

    rewrite_parts(clean, add)
    found = ck.check_file(clean, now_ms=NOW_MS)
    assert [(f.kind, f.where, f.detail) for f in found] == [
        ("error-cell", "Portfolio!A20100", "#HEDGE! late"), ("error-cell", "Portfolio!A20101", text)]
