"""Relationship, content-type and part edits change only what they name."""

from __future__ import annotations

import pytest

from perphedge.ooxml import NS_REL, Package, pkgedit
from tests.support.books import build_market_book


@pytest.fixture
def pkg(tmp_path):
    return Package.read(build_market_book(tmp_path / "a.xlsx"))


def test_relative_targets_and_sources():
    assert pkgedit.relative_target("xl/worksheets/sheet1.xml", "xl/comments1.xml") == \
        "../comments1.xml"
    assert pkgedit.relative_target("xl/workbook.xml", "xl/worksheets/sheet9.xml") == \
        "worksheets/sheet9.xml"
    assert pkgedit.source_of("xl/worksheets/_rels/sheet1.xml.rels") == "xl/worksheets/sheet1.xml"
    assert pkgedit.source_of("_rels/.rels") is None


def test_add_and_remove_a_relationship_round_trips(pkg):
    before = pkg.data["xl/_rels/workbook.xml.rels"]
    rid = pkgedit.add_relationship(pkg, "xl/workbook.xml", NS_REL + "/worksheet",
                                   "xl/worksheets/sheet9.xml")
    rel = {r.id: r for r in pkg.relationships("xl/workbook.xml")}[rid]
    assert rel.target == "xl/worksheets/sheet9.xml" and not rel.external
    pkgedit.remove_relationships(pkg, "xl/workbook.xml", {rid})
    assert pkg.data["xl/_rels/workbook.xml.rels"] == before


def test_a_sheet_without_relationships_gets_a_relationships_part(pkg):
    assert "xl/worksheets/_rels/sheet1.xml.rels" not in pkg.data
    rid = pkgedit.add_relationship(pkg, "xl/worksheets/sheet1.xml", NS_REL + "/comments",
                                   "xl/comments1.xml")
    assert [(r.id, r.target) for r in pkg.relationships("xl/worksheets/sheet1.xml")] == \
        [(rid, "xl/comments1.xml")]


def test_content_type_overrides(pkg):
    assert pkgedit.content_type(pkg, "xl/workbook.xml").endswith("sheet.main+xml")
    assert pkgedit.content_type(pkg, "xl/_rels/workbook.xml.rels").endswith("relationships+xml")
    pkgedit.set_override(pkg, "xl/new.bin", "application/x-test")
    assert pkgedit.content_type(pkg, "xl/new.bin") == "application/x-test"
    pkgedit.remove_overrides(pkg, {"XL/NEW.BIN"})          # part names: case-insensitive
    assert pkgedit.content_type(pkg, "xl/new.bin") is None


def test_removing_a_sheet_takes_what_only_it_uses(pkg):
    # Notes (sheet3) has a chart drawing and a note; Market (sheet2) has the table
    gone = pkgedit.remove_parts(pkg, {"xl/worksheets/sheet3.xml"})
    assert {"xl/worksheets/sheet3.xml", "xl/charts/chart1.xml", "xl/drawings/drawing1.xml",
            "xl/comments/comment1.xml"} <= gone
    assert "xl/tables/table1.xml" in pkg.data and "xl/tables/table1.xml" not in gone
    assert not [n for n in pkg.data if n.startswith("xl/worksheets/_rels/sheet3")]
    assert "chart1" not in pkg.data["[Content_Types].xml"].decode()


def test_a_part_another_part_still_uses_stays(pkg):
    # both sheets point at the same drawing: removing one keeps it
    pkgedit.add_relationship(pkg, "xl/worksheets/sheet1.xml", NS_REL + "/drawing",
                             "xl/drawings/drawing1.xml")
    gone = pkgedit.remove_parts(pkg, {"xl/worksheets/sheet3.xml"})
    assert "xl/drawings/drawing1.xml" not in gone and "xl/drawings/drawing1.xml" in pkg.data
    assert "xl/charts/chart1.xml" in pkg.data


def test_unique_part_names(pkg):
    assert pkgedit.unique_part(pkg, "xl/worksheets/sheet{}.xml") == "xl/worksheets/sheet4.xml"
