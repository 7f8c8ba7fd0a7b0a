"""Small workbooks laid out as the shared contract says (Market table named "Market", its
header row exactly as specified), for the refresh/check/share tests. Market figures in
them are synthetic inputs unless a test says otherwise."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.comments import Comment
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.table import Table, TableStyleInfo

HEADERS = ["Symbol", "Exchange", "Spot", "Mark", "Index", "Funding rate", "Interval (h)",
           "Next funding (UTC)", "Contract size", "Amount step", "Min amount", "Inverse",
           "Taker fee", "MMR", "Maint. amount", "As of (UTC)", "Status"]
HEADER_ROW = 4
ROWS = [("BTC/USDT:USDT", "binanceusdm"), ("ETH/USDT:USDT", "bybit"),
        ("SOL/USDT:USDT", "binanceusdm")]
#: synthetic previous values sitting in the table before a refresh
OLD_MARK = [100.0, 200.0, 300.0]
OLD_AS_OF = datetime(2026, 1, 2, 3, 4)


def build_market_book(path: Path, *, headers=None, rows=ROWS, extra=True) -> Path:
    headers = headers or HEADERS
    wb = Workbook()
    port = wb.active
    port.title = "Portfolio"
    port["A1"] = "Asset"
    port["B1"] = "Mark via lookup"
    for i, (sym, _ex) in enumerate(rows, start=2):
        port.cell(i, 1, sym)
        mark = chr(ord("A") + headers.index("Mark"))
        sym_c = chr(ord("A") + headers.index("Symbol"))
        port.cell(i, 2, f"=INDEX(Market!{mark}:{mark},MATCH(A{i},Market!{sym_c}:{sym_c},0))")
    port["D1"] = 30
    wb.defined_names["HorizonDays"] = DefinedName("HorizonDays", attr_text="Portfolio!$D$1")
    dv = DataValidation(type="list", formula1='"0.25,0.5,1"')
    port.add_data_validation(dv)
    dv.add("C2:C4")
    m = wb.create_sheet("Market")
    m["A1"] = "Market data"
    m["A2"] = "written by Refresh prices"
    for c, h in enumerate(headers, start=1):
        m.cell(HEADER_ROW, c, h)
    for r, (sym, ex) in enumerate(rows, start=HEADER_ROW + 1):
        row = dict.fromkeys(headers)
        row.update({"Symbol": sym, "Exchange": ex, "Mark": OLD_MARK[r - HEADER_ROW - 1],
                    "As of (UTC)": OLD_AS_OF, "Status": "fresh"})
        for c, h in enumerate(headers, start=1):
            cell = m.cell(r, c, row[h])
            if h in ("As of (UTC)", "Next funding (UTC)"):
                cell.number_format = "yyyy-mm-dd hh:mm"
    last = chr(ord("A") + len(headers) - 1)
    t = Table(displayName="Market", ref=f"A{HEADER_ROW}:{last}{HEADER_ROW + len(rows)}")
    t.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    m.add_table(t)
    if extra:
        notes = wb.create_sheet("Notes")
        notes["A1"] = "my own sheet"
        notes["A1"].comment = Comment("kept as is", "me")
        notes["B2"] = "=SUM(Portfolio!B2:B4)"
        chart = BarChart()
        chart.title = "Marks"
        chart.add_data(Reference(port, min_col=2, min_row=1, max_row=len(rows) + 1),
                       titles_from_data=True)
        notes.add_chart(chart, "D2")
    wb.save(path)
    return path


def rewrite_parts(path: Path, fn) -> Path:
    """Edit a workbook's zip members (name -> bytes) in place, for crafting test files."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    fn(parts)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for k, v in parts.items():
            z.writestr(k, v)
    return path


def set_cached_value(parts: dict, sheet_part: str, formula: str, value: str) -> None:
    """Give a formula cell the saved value Excel would have stored with it."""
    s = parts[sheet_part]
    # openpyxl writes the empty value as <v /> (ElementTree) or <v/> (lxml installed)
    old = next((f"<f>{formula}</f>{v}".encode() for v in ("<v />", "<v/>", "<v></v>")
                if f"<f>{formula}</f>{v}".encode() in s), None)
    assert old is not None, "formula cell not found"
    parts[sheet_part] = s.replace(old, f"<f>{formula}</f><v>{value}</v>".encode())


def add_external_link(parts: dict, target: str = "file:///C:/other/prices.xlsx") -> None:
    """A link to another workbook, as Excel writes it (externalReferences + part + rels)."""
    ns_r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts["xl/externalLinks/externalLink1.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><externalLink xmlns="http://schemas.'
        f'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="{ns_r}"><externalBook '
        'r:id="rId1"><sheetNames><sheetName val="Prices"/></sheetNames></externalBook>'
        '</externalLink>').encode()
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
        f'Type="{ns_r}/externalLinkPath" Target="{target}" TargetMode="External"/>'
        '</Relationships>').encode()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        "</Relationships>", f'<Relationship Id="rIdX1" Type="{ns_r}/externalLink" '
        'Target="externalLinks/externalLink1.xml"/></Relationships>').encode()
    wbx = parts["xl/workbook.xml"].decode()
    wbx = wbx.replace("</sheets>", '</sheets><externalReferences><externalReference '
                      f'xmlns:r="{ns_r}" r:id="rIdX1"/></externalReferences>', 1)
    parts["xl/workbook.xml"] = wbx.encode()
    ct = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = ct.replace(
        "</Types>", '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType='
        '"application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
        "</Types>").encode()


def add_picture(parts: dict, sheet_part: str, png: bytes) -> None:
    """A picture anchored on a sheet, stored as Excel stores it (drawing part + media)."""
    parts["xl/media/image1.png"] = png
    parts["xl/drawings/drawing90.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><xdr:wsDr xmlns:xdr="http://schemas.'
        b'openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a="http://schemas.'
        b'openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships"><xdr:oneCellAnchor><xdr:from><xdr:col>1</xdr:col>'
        b'<xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:from>'
        b'<xdr:ext cx="3000000" cy="300000"/><xdr:pic><xdr:nvPicPr><xdr:cNvPr id="1" '
        b'name="Picture 1"/><xdr:cNvPicPr/></xdr:nvPicPr><xdr:blipFill><a:blip r:embed="rId1"/>'
        b'<a:stretch><a:fillRect/></a:stretch></xdr:blipFill><xdr:spPr><a:prstGeom prst="rect">'
        b'<a:avLst/></a:prstGeom></xdr:spPr></xdr:pic><xdr:clientData/></xdr:oneCellAnchor>'
        b'</xdr:wsDr>')
    parts["xl/drawings/_rels/drawing90.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
        b'schemas.openxmlformats.org/officeDocument/2006/relationships/image" '
        b'Target="../media/image1.png"/></Relationships>')
    s = parts[sheet_part].decode()
    if "xmlns:r=" not in s.split(">", 2)[1]:
        s = s.replace("<worksheet ", '<worksheet xmlns:r="http://schemas.openxmlformats.org/'
                      'officeDocument/2006/relationships" ', 1)
    parts[sheet_part] = s.replace("</worksheet>", '<drawing r:id="rIdPic"/></worksheet>').encode()
    d, f = sheet_part.rsplit("/", 1)
    rel = f"{d}/_rels/{f}.rels"
    assert rel not in parts, "sheet already has relationships; pick another"
    parts[rel] = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
        b'openxmlformats.org/package/2006/relationships"><Relationship Id="rIdPic" Type="http://'
        b'schemas.openxmlformats.org/officeDocument/2006/relationships/drawing" '
        b'Target="../drawings/drawing90.xml"/></Relationships>')
    ct = parts["[Content_Types].xml"].decode()
    parts["[Content_Types].xml"] = ct.replace(
        "</Types>", '<Default Extension="png" ContentType="image/png"/><Override PartName='
        '"/xl/drawings/drawing90.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.drawing+xml"/></Types>').encode()
