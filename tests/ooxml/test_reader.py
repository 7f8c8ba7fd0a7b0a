"""A received file is looked at before it is trusted: what it is, its member names and its
sizes, with a message that says which; parts are parsed with entities and network off."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from perphedge import ooxml
from perphedge.ooxml import errors, zipread

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CT = b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'


def zip_of(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members:
            z.writestr(zipfile.ZipInfo(name), data)
    return buf.getvalue()


def ole(streams: list[str]) -> bytes:
    """An OLE compound file header followed by directory entries naming ``streams`` (the
    names are what tells an encrypted workbook from an .xls; the rest is not read)."""
    entries = b"".join(s.encode("utf-16-le").ljust(64, b"\0") + b"\0" * 64 for s in streams)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + entries


@pytest.mark.parametrize("raw, kind, words", [
    (ole(["Root Entry", "EncryptionInfo", "EncryptedPackage"]), errors.EncryptedWorkbook,
     "password-protected"),
    (ole(["Root Entry", "Workbook", "\x05SummaryInformation"]), errors.LegacyXls, ".xls"),
    (b"name,price\nBTC,1\n", errors.NotAZip, "not a zip"),
    (zip_of([("[Content_Types].xml", CT), ("../evil.xml", b"<a/>")]),
     errors.UnsafeMemberName, "../evil.xml"),
    (zip_of([("[Content_Types].xml", CT), ("C:/x.xml", b"<a/>")]), errors.UnsafeMemberName, "C:"),
    (zip_of([("[Content_Types].xml", CT), ("xl\\x.xml", b"<a/>")]), errors.UnsafeMemberName, "xl"),
    (zip_of([("[Content_Types].xml", CT), ("/abs.xml", b"<a/>")]), errors.UnsafeMemberName, "abs"),
    (zip_of([("[Content_Types].xml", CT), ("xl/a.xml", b"<a/>"), ("XL/A.xml", b"<b/>")]),
     errors.DuplicateMember, "two members"),
])
def test_what_the_file_is_is_said(tmp_path, raw, kind, words):
    path = tmp_path / "in.xlsx"
    path.write_bytes(raw)
    with pytest.raises(kind, match=re.escape(words)):
        ooxml.Package.read(path)


def test_strict_open_xml_is_named():
    rels = (b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://purl.oclc.org/ooxml/officeDocument/'
            b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    pkg = ooxml.Package.read("strict.xlsx", data=zip_of([("[Content_Types].xml", CT),
                                                         ("_rels/.rels", rels)]))
    with pytest.raises(errors.StrictOpenXml, match="Strict Open XML"):
        pkg.workbook_part()


def test_a_part_declaring_more_than_the_cap_is_refused_before_inflating(monkeypatch):
    big = b"<a>" + b"0" * 50_000 + b"</a>"
    pkg = ooxml.Package.read("big.xlsx", data=zip_of([("[Content_Types].xml", CT),
                                                      ("xl/big.xml", big)]))
    monkeypatch.setattr(zipread, "MAX_PART_BYTES", 10_000)
    with pytest.raises(errors.PartTooLarge, match="xl/big.xml"):
        zipread.read_member(pkg.data._zip, pkg.data._infos["xl/big.xml"], "big.xlsx",
                            zipread.MAX_PART_BYTES)


def test_entities_are_not_expanded_and_nothing_is_fetched():
    bomb = (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "xxxxxxxxxx">'
            b'<!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
            b'<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&f;&x;</a>')
    root = ooxml.xmlparse.parse(bomb, "a.xml")
    assert "xxxxxxxxxx" not in (root.text or "") and "root:" not in (root.text or "")


def test_cells_with_a_prefixed_main_namespace_are_seen():
    sheet = (f'<x:worksheet xmlns:x="{NS}"><x:sheetData><x:row r=\'2\'><x:c r=\'B2\'>'
             '<x:f>SUM(1,2)</x:f><x:v>3</x:v></x:c></x:row></x:sheetData></x:worksheet>').encode()
    pkg = ooxml.Package.read("p.xlsx", data=zip_of([("[Content_Types].xml", CT),
                                                    ("xl/worksheets/sheet1.xml", sheet)]))
    [cell] = list(pkg.cells("xl/worksheets/sheet1.xml"))
    assert (cell.ref, cell.value, cell.formula) == ("B2", 3.0, "SUM(1,2)")
