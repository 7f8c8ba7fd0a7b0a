"""Overwriting the master of a shared (filled-down) formula leaves its other cells with
formulas of their own, translated from the master's."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from perphedge.ooxml.sharedformulas import Formula, orphaned_by, translate
from perphedge.ooxml.sheetxml import set_cells

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHEET = (f'<?xml version="1.0"?><x:worksheet xmlns:x="{NS}"><x:sheetData>'
         '<x:row r="5"><x:c r="D5" s="3"><x:f t="shared" ref="D5:D7" si="0">Z5*10+$A$1</x:f>'
         '<x:v>11</x:v></x:c></x:row>'
         '<x:row r="6"><x:c r="D6" s="3"><x:f t="shared" si="0"/><x:v>21</x:v></x:c>'
         '<x:c r="E6" t="str"><x:f t="shared" ref="E6:E7" si="1">"a"&amp;Z6</x:f><x:v>a2</x:v></x:c></x:row>'
         '<x:row r="7"><x:c r="D7" s="3"><x:f t="shared" si="0"/><x:v>31</x:v></x:c>'
         '<x:c r="E7" t="str"><x:f t="shared" si="1"/><x:v>a3</x:v></x:c></x:row>'
         '</x:sheetData></x:worksheet>').encode()


def formulas(xml):
    out = {}
    for c in ET.fromstring(xml).iter(f"{{{NS}}}c"):
        f = c.find(f"{{{NS}}}f")
        v = c.find(f"{{{NS}}}v")
        out[c.get("r")] = (None if f is None else (f.text, f.get("t")), None if v is None else v.text,
                           c.get("s"), c.get("t"))
    return out


def test_translate_shifts_relative_references_only():
    assert translate("Z5*10+$A$1", "D5", "D7") == "Z7*10+$A$1"


def test_dependents_of_an_overwritten_master_get_their_own_formula():
    assert orphaned_by(SHEET, {(5, 4)}) == {(6, 4): Formula("Z6*10+$A$1", "21"),
                                            (7, 4): Formula("Z7*10+$A$1", "31")}
    got = formulas(set_cells(SHEET, {(5, 4): 99.5}))
    assert got["D5"] == (None, "99.5", "3", None)
    assert got["D6"] == (("Z6*10+$A$1", None), "21", "3", None)
    assert got["D7"] == (("Z7*10+$A$1", None), "31", "3", None)
    # another shared formula whose master stays is left as it was
    assert got["E7"] == ((None, "shared"), "a3", None, "str")


def test_a_string_result_keeps_its_type_and_a_written_dependent_is_just_written():
    got = formulas(set_cells(SHEET, {(6, 5): "x", (7, 4): 1.0, (5, 4): 2.0}))
    assert got["E7"] == (('"a"&Z7', None), "a3", None, "str")
    assert got["D7"] == (None, "1.0", "3", None) and got["D6"][0] == ("Z6*10+$A$1", None)


def test_no_shared_master_hit_leaves_the_sheet_alone():
    assert orphaned_by(SHEET, {(6, 4)}) == {}
    assert orphaned_by(b"<worksheet/>", {(1, 1)}) == {}


def test_a_sheet_that_is_not_xml_is_a_value_error():
    import pytest

    with pytest.raises(ValueError, match="not well-formed"):
        orphaned_by(b"<worksheet><c t='shared'>", {(1, 1)})
