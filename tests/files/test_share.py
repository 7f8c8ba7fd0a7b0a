"""A shared copy has values instead of add-in formulas, no settings or links, a visible
as-of stamp, and passes check; it is built from the allow-list, so what it keeps is said
part by part below."""

from __future__ import annotations

import re
import zipfile
from datetime import datetime

import openpyxl
import pytest

from perphedge.cli import main
from perphedge.files import check as ck
from perphedge.files.refresh import refresh_file
from perphedge.files.share import ShareError, share_file
from tests.support.books import add_external_link, build_market_book, rewrite_parts, set_cached_value
from tests.support.fake import NOW_MS, FakeSource

MARKS = {"BTC/USDT:USDT": 70000.5, "ETH/USDT:USDT": 2500.25, "SOL/USDT:USDT": 150.75}  # synthetic


def hazardous(tmp_path):
    book = build_market_book(tmp_path / "in.xlsx")
    refresh_file(book, source=FakeSource(MARKS), now_ms=NOW_MS, backup=False)
    wb = openpyxl.load_workbook(book)
    wb["Portfolio"]["C2"] = "=HEDGE_SIZE(B2,0.5)"
    wb["Portfolio"]["D2"] = "=[1]Prices!A1"
    ws = wb.create_sheet("myaddin.conf")
    ws["A1"], ws["B1"] = "Interpreter_Win", r"C:\evil\python.exe"
    wb.save(book)

    def craft(parts):
        # saved values, as Excel stores them beside the formulas (synthetic numbers)
        set_cached_value(parts, "xl/worksheets/sheet1.xml", "HEDGE_SIZE(B2,0.5)", "12.5")
        set_cached_value(parts, "xl/worksheets/sheet1.xml", "[1]Prices!A1", "7")
        add_external_link(parts)
    return rewrite_parts(book, craft)


def test_share_makes_a_clean_copy(tmp_path):
    src = hazardous(tmp_path)
    assert {f.kind for f in ck.check_file(src, now_ms=NOW_MS)} == {
        "addin-formula", "config-sheet", "external-link"}
    before = src.read_bytes()
    out = tmp_path / "out.xlsx"
    res = share_file(src, out, now=datetime(2026, 5, 28, 21, 0))
    assert src.read_bytes() == before                 # the original is untouched
    assert ck.check_file(out, now_ms=NOW_MS) == []
    assert res.formulas_replaced == 2 and res.sheets_removed == ("myaddin.conf",)
    assert res.links_removed == 1
    wb = openpyxl.load_workbook(out)
    c2 = wb["Portfolio"]["C2"]
    assert c2.value == 12.5
    assert "=HEDGE_SIZE(B2,0.5)" in c2.comment.text
    d2 = wb["Portfolio"]["D2"]
    assert d2.value == 7 and "=[1]Prices!A1" in d2.comment.text
    with zipfile.ZipFile(out) as z:
        assert not [n for n in z.namelist() if "externalLink" in n]
    assert wb["Portfolio"]["B2"].value.startswith("=INDEX(")   # native formulas stay
    assert "myaddin.conf" not in wb.sheetnames
    stamp = wb["Shared copy"]["A1"]
    assert wb.sheetnames[0] == "Shared copy" and stamp.value == (
        "Shared copy made 2026-05-28 21:00 UTC — market data as of 2026-05-28 20:26 UTC. "
        "Workbook formulas kept; add-in functions and links to other files are their last "
        "values. No live prices, no add-in needed.")
    assert stamp.font.b and stamp.font.color.rgb == "FFC00000"
    # the Market sheet's values are the original's
    original = openpyxl.load_workbook(src)["Market"]
    assert [[c.value for c in r] for r in wb["Market"].iter_rows()] == \
        [[c.value for c in r] for r in original.iter_rows()]


def test_share_refuses_macro_output_and_same_file(tmp_path):
    src = build_market_book(tmp_path / "in.xlsx")
    with pytest.raises(ShareError, match=".xlsx"):
        share_file(src, tmp_path / "out.xlsm")
    with pytest.raises(ShareError, match="different"):
        share_file(src, src)


def test_share_command(tmp_path, capsys):
    src = hazardous(tmp_path)
    assert main(["share", str(src), str(tmp_path / "out.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "wrote" in out and "2 formulas replaced by their values" in out
    assert "left out: config-sheet myaddin.conf" in out
    assert "left out: external-link xl/externalLinks/externalLink1.xml" in out
    assert "no saved value" not in out


def test_no_configured_secret_in_any_part_of_written_files(tmp_path, monkeypatch):
    """Keys configured for the exchanges never reach a workbook, a shared copy or the
    add-in: every zip member of each written file is searched for them."""

    key, secret = "FAKEKEY-3f9a1c7e55d2", "FAKESECRET-b81d0c4e9a66"
    monkeypatch.setenv("PERPHEDGE_BINANCEUSDM_API_KEY", key)
    monkeypatch.setenv("PERPHEDGE_BINANCEUSDM_API_SECRET", secret)
    monkeypatch.setattr("platformdirs.user_data_path", lambda *a, **k: tmp_path / "state")
    book = build_market_book(tmp_path / "in.xlsx")
    assert main(["refresh", str(book), "--offline"]) == 0
    assert main(["share", str(book), str(tmp_path / "out.xlsx")]) == 0
    assert main(["addin", "install", "--target", str(tmp_path / "XLSTART"),
                 "--config-dir", str(tmp_path / "cfg")]) == 0
    written = [book, tmp_path / "out.xlsx", tmp_path / "XLSTART" / "perphedge.xlam"]
    for path in written:
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                data = z.read(name)
                for s in (key, secret):
                    assert s.encode() not in data, (path.name, name)
                    assert s.encode("utf-16-le") not in data, (path.name, name)
    for path in (tmp_path / "cfg").iterdir():
        assert key not in path.read_text() and secret not in path.read_text()


def test_a_picture_is_carried_and_nothing_is_left_out_of_a_plain_book(tmp_path):
    from tests.support.books import add_picture

    src = build_market_book(tmp_path / "in.xlsx", extra=False)
    refresh_file(src, source=FakeSource(MARKS), now_ms=NOW_MS, backup=False)
    rewrite_parts(src, lambda parts: add_picture(parts, "xl/worksheets/sheet1.xml", b"\x89PNG"))
    res = share_file(src, tmp_path / "out.xlsx")
    assert res.left_out == ()
    with zipfile.ZipFile(tmp_path / "out.xlsx") as z:
        assert z.read("xl/media/image1.png") == b"\x89PNG"
    clean = build_market_book(tmp_path / "plain.xlsx")
    assert share_file(clean, tmp_path / "plain_out.xlsx").left_out == ()


def test_share_the_demo_workbook(demo_path, tmp_path):
    out = tmp_path / "demo_shared.xlsx"
    res = share_file(demo_path, out)
    assert res.left_out == () and res.formulas_replaced == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Shared copy"    # the Market sheet's top rows are all in use
    assert wb.active.title == "Shared copy"
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == ["Shared copy"]
    assert "market data as of 2026-10-03 08:00 UTC" in wb["Shared copy"]["A1"].value
    before, after = zip_members(demo_path), zip_members(out)
    assert set(before) <= set(after)
    for name in before:   # parts the copy has no reason to change stay byte for byte
        if name.startswith(("xl/theme/", "xl/tables/", "xl/charts/", "xl/media/")):
            assert after[name] == before[name], name
    assert_same_values(demo_path, out)
    assert [f.kind for f in ck.check_file(out, max_age_hours=1e9)] == []


def assert_same_values(src, out, *, skip=()):
    """Every cell of every sheet of ``src`` (but ``skip``) has the same value and formula
    in ``out``."""
    a, b = openpyxl.load_workbook(src), openpyxl.load_workbook(out)
    for ws in a.worksheets:
        if ws.title in skip:
            continue
        got = {c.coordinate: _shown(c.value) for r in b[ws.title].iter_rows() for c in r
               if c.value is not None}
        want = {c.coordinate: _shown(c.value) for r in ws.iter_rows() for c in r
                if c.value is not None}
        assert got == want, ws.title


def _shown(value):
    from openpyxl.worksheet.formula import ArrayFormula

    return ("array", value.ref, value.text) if isinstance(value, ArrayFormula) else value


def test_share_of_a_macro_workbook_has_no_macros(tmp_path):
    import shutil
    from pathlib import Path

    import xlwings

    src = tmp_path / "book.xlsm"
    shutil.copyfile(Path(xlwings.__file__).parent / "quickstart.xlsm", src)
    assert "macros" in {f.kind for f in ck.check_file(src)}
    out = tmp_path / "book.xlsx"
    res = share_file(src, out)
    assert res.sheets_removed == ("_xlwings.conf",)
    with zipfile.ZipFile(out) as z:
        assert not [n for n in z.namelist() if "vbaProject" in n]
        assert b"macroEnabled" not in z.read("[Content_Types].xml")
        assert b"vbaProject" not in z.read("[Content_Types].xml")
        assert b"spreadsheetml.sheet.main+xml" in z.read("[Content_Types].xml")
        copy = {n: z.read(n) for n in z.namelist()}
    original = zip_members(src)
    assert copy["xl/theme/theme1.xml"] == original["xl/theme/theme1.xml"]
    assert_same_values(src, out, skip=res.sheets_removed)
    assert "macros" not in {f.kind for f in ck.check_file(out)}



# ----------------------------------------------------------------------------- package level

ADDIN_CELLS = {   # cell -> (stored XML, what the copy must hold); cached values synthetic
    "E2": ('<c r="E2" s="0"><f t="shared" ref="E2:E3" si="5">HEDGE_SIZE(B2,0.5)</f><v>1.5</v></c>',
           1.5),
    "E3": ('<c r="E3" s="0"><f t="shared" si="5"/><v>2.5</v></c>', 2.5),
    "F2": ('<c r="F2" t="str"><f>MARKET_STATUS(A2)</f><v>=HYPERLINK("http://x","y")</v></c>',
           '=HYPERLINK("http://x","y")'),
    "G2": ('<c r="G2" t="b"><f>HEDGE_SIZE(1,1)&gt;0</f><v>1</v></c>', True),
    "H2": ('<c r="H2" t="e"><f>FUNDING_APR(-1)</f><v>#VALUE!</v></c>', "#VALUE!"),
    "I2": ('<c r="I2" cm="1"><f t="array" ref="I2:I3">HEDGE_SCENARIOS(B2)</f><v>10</v></c>', 10),
    "J2": ('<c r="J2"><f>_xludf.HEDGE_PNL(B2)</f></c>', None),
}
NATIVE = '<c r="K2" t="str"><f>"HEDGE_SIZE(1)"&amp;A2</f><v>HEDGE_SIZE(1)BTC</v></c>'


def rich_book(tmp_path):
    """A refreshed workbook with every kind of thing share must change, and things it must
    not: a chart, a picture, comments, a data validation, names, a table."""
    from openpyxl.workbook.defined_name import DefinedName

    from tests.support.books import add_picture

    book = build_market_book(tmp_path / "in.xlsx")
    refresh_file(book, source=FakeSource(MARKS), now_ms=NOW_MS, backup=False)
    wb = openpyxl.load_workbook(book)
    wb["Portfolio"]["D2"] = "=[1]Prices!A1"
    wb["Portfolio"]["D3"] = "=Table9[1]"          # a structured reference, not a link
    cfg = wb.create_sheet("myaddin.conf", 1)
    cfg["A1"], cfg["B1"] = "Interpreter_Win", r"C:\evil\python.exe"
    cfg.defined_names["Local"] = DefinedName("Local", attr_text="'myaddin.conf'!$A$1")
    wb.create_sheet("xlwings.conf")["A1"] = "PYTHONPATH"
    wb["Notes"].print_area = "A1:B2"
    wb.defined_names["Interp"] = DefinedName("Interp", attr_text="'myaddin.conf'!$B$1")
    wb.defined_names["LinkedPrice"] = DefinedName("LinkedPrice", attr_text="[1]Prices!$A$1")
    wb.active = 3   # Notes
    wb.save(book)

    def craft(parts):
        s = parts["xl/worksheets/sheet1.xml"].decode()
        for r in (2, 3):
            end = s.index("</row>", s.index(f'<row r="{r}"'))
            cells = "".join(x for ref, (x, _) in ADDIN_CELLS.items() if ref.endswith(str(r)))
            if r == 2:
                cells += NATIVE
            if r == 3:
                cells += '<c r="I3"><v>20</v></c>'
            s = s[:end] + cells + s[end:]
        parts["xl/worksheets/sheet1.xml"] = s.encode()
        set_cached_value(parts, "xl/worksheets/sheet1.xml", "[1]Prices!A1", "7")
        add_external_link(parts)
        add_picture(parts, "xl/worksheets/sheet1.xml", b"\x89PNG fake picture bytes")
    return rewrite_parts(book, craft)


def zip_members(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def test_share_keeps_the_allow_list_and_lists_everything_else(tmp_path):
    src = rich_book(tmp_path)
    before = zip_members(src)
    assert "xl/worksheets/sheet2.xml" in before     # myaddin.conf
    out = tmp_path / "out.xlsx"
    res = share_file(src, out, now=datetime(2026, 5, 28, 21, 0))
    after = zip_members(out)

    assert res.sheets_removed == ("myaddin.conf", "xlwings.conf") and res.links_removed == 1
    # the add-in cells, the link, and =Table9[1] (no such table: outside the workbook)
    assert res.formulas_replaced == len(ADDIN_CELLS) + 2
    assert res.no_value == ("Portfolio!J2", "Portfolio!D3")
    left = {(r.kind, r.where) for r in res.left_out}
    assert {("config-sheet", "myaddin.conf"), ("config-sheet", "xlwings.conf"),
            ("name", "name Interp"), ("external-link", "name LinkedPrice"),
            ("name", "name myaddin.conf!Local"),
            ("external-link", "xl/externalLinks/externalLink1.xml")} <= left
    gone = {n for n in before if n not in after}
    assert gone == {"xl/worksheets/sheet2.xml", "xl/worksheets/sheet5.xml",
                    "xl/externalLinks/externalLink1.xml",
                    "xl/externalLinks/_rels/externalLink1.xml.rels",
                    # the notes, written again with the author anonymised
                    "xl/comments/comment1.xml", "xl/drawings/commentsDrawing1.vml"}
    # byte for byte: what the copy has no reason to change
    for name in ("xl/media/image1.png", "xl/theme/theme1.xml", "xl/charts/chart1.xml"):
        assert after[name] == before[name], name
    for name in before:
        if name.startswith("xl/tables/"):
            assert after[name] == before[name], name

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Shared copy", "Portfolio", "Market", "Notes"]
    assert wb.active.title == "Shared copy"
    ws = wb["Portfolio"]
    for ref, (_, want) in ADDIN_CELLS.items():
        assert ws[ref].value == want, ref
        assert ws[ref].comment is not None, ref
    assert ws["F2"].data_type == "s"                      # text from a result stays text
    assert ws["E3"].comment.text.startswith("Was =HEDGE_SIZE(B3,0.5) — replaced")
    assert "=HEDGE_SCENARIOS(B2)" in ws["I2"].comment.text and ws["I3"].value == 20
    assert "No calculated value was saved" in ws["J2"].comment.text
    assert ws["J2"].comment.text.startswith("Was =HEDGE_PNL(B2) — ")
    assert ws["D2"].value == 7 and "another workbook" in ws["D2"].comment.text
    assert ws["K2"].value == '="HEDGE_SIZE(1)"&A2' and ws["K2"].comment is None
    assert ws["D3"].value is None and "Table9" in ws["D3"].comment.text
    assert ws["B2"].value.startswith("=INDEX(")
    note = wb["Notes"]["A1"].comment
    assert note.text == "kept as is" and note.author == "Author"
    names = set(wb.defined_names)
    assert "HorizonDays" in names and not names & {"Interp", "LinkedPrice"}
    assert wb["Notes"].print_area == "'Notes'!$A$1:$B$2"  # localSheetId renumbered
    sheet1 = after["xl/worksheets/sheet1.xml"]
    assert b"HEDGE_" not in sheet1.replace(b'"HEDGE_SIZE(1)"&amp;A2', b"").replace(
        b"HEDGE_SIZE(1)BTC", b"")
    assert b'cm="1"' not in sheet1
    assert b"calcChain" not in after["[Content_Types].xml"]
    assert [(f.kind, f.where) for f in ck.check_file(out, now_ms=NOW_MS)] == [
        ("error-cell", "Portfolio!H2")]                  # the saved #VALUE! is still one


def test_shared_copy_opens_in_libreoffice_with_values_and_notes(tmp_path):
    from perphedge.template.libreoffice import recalculate
    from tests.conftest import require_libreoffice

    require_libreoffice()
    src = rich_book(tmp_path)
    out = tmp_path / "out.xlsx"
    share_file(src, out, now=datetime(2026, 5, 28, 21, 0))
    back = recalculate(out, tmp_path / "lo.xlsx")       # raises if LibreOffice cannot open it
    values = openpyxl.load_workbook(back, data_only=True)
    ws = values["Portfolio"]
    assert (ws["E2"].value, ws["E3"].value, ws["I2"].value, ws["D2"].value) == (1.5, 2.5, 10, 7)
    assert ws["G2"].value is True and ws["F2"].value == '=HYPERLINK("http://x","y")'
    assert ws["B2"].value == MARKS["BTC/USDT:USDT"]      # native formulas recalculate
    assert "=HEDGE_SIZE(B2,0.5)" in openpyxl.load_workbook(back)["Portfolio"]["E2"].comment.text
    assert values.sheetnames == ["Shared copy", "Portfolio", "Market", "Notes"]


def test_notes_join_existing_notes_on_the_same_sheet(tmp_path):
    book = build_market_book(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["Notes"]["C5"] = "=HEDGE_SIZE(1,0.5)"
    wb["Notes"]["C5"].comment = openpyxl.comments.Comment("my own note", "me")
    wb["Notes"]["C6"] = "=FUNDING_APR(0.0001)"
    wb.save(book)
    out = tmp_path / "out.xlsx"
    assert share_file(book, out).formulas_replaced == 2
    ws = openpyxl.load_workbook(out)["Notes"]
    assert ws["A1"].comment.text == "kept as is"
    assert ws["C5"].comment.text.startswith("my own note") and \
        "=HEDGE_SIZE(1,0.5)" in ws["C5"].comment.text
    assert "=FUNDING_APR(0.0001)" in ws["C6"].comment.text
    with zipfile.ZipFile(out) as z:
        vml = [n for n in z.namelist() if n.endswith(".vml")]
        assert len(vml) == 1          # one drawing for the sheet's notes, now three shapes
        assert z.read(vml[0]).count(b'ObjectType="Note"') == 3
    assert [f.kind for f in ck.check_file(out, max_age_hours=1e9)] == []


def test_an_excel4_macro_sheet_is_reported_and_not_shared(tmp_path):
    """Excel 4 (XLM) macro sheets run code too (an Auto_Open name starts them)."""
    book = build_market_book(tmp_path / "in.xlsx", extra=False)

    def craft(parts):
        parts["xl/macrosheets/sheet1.xml"] = (
            b'<?xml version="1.0" encoding="UTF-8"?><xm:macrosheet xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.'
            b'com/office/excel/2006/main"><sheetData><row r="1"><c r="A1"><f>EXEC("calc")</f>'
            b'</c></row></sheetData></xm:macrosheet>')
        rels = parts["xl/_rels/workbook.xml.rels"].decode()
        parts["xl/_rels/workbook.xml.rels"] = rels.replace(
            "</Relationships>", '<Relationship Id="rIdM1" Type="http://schemas.microsoft.com/'
            'office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/>'
            "</Relationships>").encode()
        wbx = parts["xl/workbook.xml"].decode()
        wbx = wbx.replace("</sheets>", '<sheet xmlns:r="http://schemas.openxmlformats.org/'
                          'officeDocument/2006/relationships" name="Macro1" sheetId="9" state="hidden" '
                          'r:id="rIdM1"/></sheets>')
        wbx = wbx.replace("</definedNames>", '<definedName name="_xlnm.Auto_Open" hidden="1">'
                          "Macro1!$A$1</definedName></definedNames>")
        parts["xl/workbook.xml"] = wbx.encode()
        ct = parts["[Content_Types].xml"].decode()
        parts["[Content_Types].xml"] = ct.replace(
            "</Types>", '<Override PartName="/xl/macrosheets/sheet1.xml" ContentType='
            '"application/vnd.ms-excel.macrosheet+xml"/></Types>').encode()
    rewrite_parts(book, craft)
    assert "macros" in {f.kind for f in ck.check_file(book)}
    out = tmp_path / "out.xlsx"
    res = share_file(book, out)
    assert res.sheets_removed == ("Macro1",)
    copy = zip_members(out)
    assert "xl/macrosheets/sheet1.xml" not in copy
    assert b"Auto_Open" not in copy["xl/workbook.xml"] and b"Macro1" not in copy["xl/workbook.xml"]
    assert b"macrosheet" not in copy["[Content_Types].xml"]
    assert "macros" not in {f.kind for f in ck.check_file(out)}
    assert openpyxl.load_workbook(out).sheetnames == ["Shared copy", "Portfolio", "Market"]

def test_a_defined_name_calling_the_addin_is_reported_and_resolved(tmp_path):
    from openpyxl.workbook.defined_name import DefinedName

    book = build_market_book(tmp_path / "in.xlsx", extra=False)
    wb = openpyxl.load_workbook(book)
    wb.defined_names["HedgeHalf"] = DefinedName("HedgeHalf", attr_text="HEDGE_SIZE(1,0.5)")
    wb["Portfolio"]["E2"] = "=HedgeHalf*2"
    wb["Portfolio"]["E3"] = '="HedgeHalf"'        # the name inside text is not a use
    wb.save(book)
    rewrite_parts(book, lambda parts: set_cached_value(
        parts, "xl/worksheets/sheet1.xml", "HedgeHalf*2", "3"))
    found = {(f.kind, f.where) for f in ck.check_file(book, now_ms=NOW_MS, max_age_hours=1e9)}
    assert found == {("addin-formula", "name HedgeHalf"), ("addin-formula", "Portfolio!E2")}
    out = tmp_path / "out.xlsx"
    assert share_file(book, out).formulas_replaced == 1
    copy = openpyxl.load_workbook(out)
    assert copy["Portfolio"]["E2"].value == 3 and "=HedgeHalf*2" in \
        copy["Portfolio"]["E2"].comment.text
    assert copy["Portfolio"]["E3"].value == '="HedgeHalf"'
    assert "HedgeHalf" not in copy.defined_names
    assert ck.check_file(out, now_ms=NOW_MS, max_age_hours=1e9) == []


def test_a_table_column_calculated_by_the_addin_becomes_plain_values(tmp_path):
    book = build_market_book(tmp_path / "in.xlsx", extra=False)

    def craft(parts):
        t = parts["xl/tables/table1.xml"].decode()
        status = re.search(r'<tableColumn id="(\d+)" name="Status"\s*/>', t).group(0)
        mark = re.search(r'<tableColumn id="(\d+)" name="Mark"\s*/>', t).group(0)
        t = t.replace(status, status[:-2].rstrip() + "><calculatedColumnFormula>"
                      "MARKET_STATUS(A5)</calculatedColumnFormula></tableColumn>")
        t = t.replace(mark, mark[:-2].rstrip() + "><calculatedColumnFormula>"
                      "Market[[#This Row],[Spot]]*1</calculatedColumnFormula></tableColumn>")
        parts["xl/tables/table1.xml"] = t.encode()
    rewrite_parts(book, craft)
    out = tmp_path / "out.xlsx"
    share_file(book, out)
    table = zip_members(out)["xl/tables/table1.xml"].decode()
    assert "MARKET_STATUS" not in table
    assert "<calculatedColumnFormula>Market[[#This Row],[Spot]]*1</calculatedColumnFormula>" \
        in table                                         # a native calculated column stays
    assert openpyxl.load_workbook(out)["Market"].tables["Market"].ref == "A4:Q7"


def test_a_workbook_with_a_chart_sheet_is_shared_with_it(tmp_path):
    from openpyxl.chart import LineChart, Reference

    book = build_market_book(tmp_path / "in.xlsx", extra=False)
    wb = openpyxl.load_workbook(book)
    chart = LineChart()
    chart.add_data(Reference(wb["Market"], min_col=4, min_row=4, max_row=7), titles_from_data=True)
    wb.create_chartsheet("Marks chart").add_chart(chart)
    wb["Portfolio"]["E2"] = "=HEDGE_SIZE(B2,0.5)"
    wb.save(book)
    out = tmp_path / "out.xlsx"
    assert share_file(book, out).formulas_replaced == 1
    before, after = zip_members(book), zip_members(out)
    sheets = [n for n in before if n.startswith("xl/chartsheets/") and n.endswith(".xml")]
    charts = [n for n in before if n.startswith("xl/charts/")]
    assert sheets and all(n in after for n in sheets)
    assert charts and all(after[n] == before[n] for n in charts)   # the chart byte for byte
    assert "Marks chart" in openpyxl.load_workbook(out).sheetnames
