import zipfile

from hypothesis import given
from hypothesis import strategies as st

from perphedge.ooxml import Package, col_letter, range_bounds, split_ref
from tests.support.books import build_market_book


@given(st.integers(1, 16384), st.integers(1, 1_048_576))
def test_cell_references_round_trip(col, row):
    assert split_ref(f"{col_letter(col)}{row}") == (row, col)


def test_known_references():
    assert col_letter(1) == "A" and col_letter(26) == "Z" and col_letter(27) == "AA"
    assert col_letter(16384) == "XFD"
    assert range_bounds("$B$4:Q7") == (4, 2, 7, 17)


def test_package_reads_sheets_tables_names_and_saves_every_member(tmp_path):
    book = build_market_book(tmp_path / "a.xlsx")
    pkg = Package.read(book)
    assert [s.name for s in pkg.sheets()] == ["Portfolio", "Market", "Notes"]
    t = pkg.table("market")
    assert t.sheet.name == "Market" and t.ref == "A4:Q7" and t.columns[0] == "Symbol"
    assert pkg.defined_names()["HorizonDays"] == "Portfolio!$D$1"
    pkg.save(tmp_path / "b.xlsx")
    with zipfile.ZipFile(book) as a, zipfile.ZipFile(tmp_path / "b.xlsx") as b:
        assert a.namelist() == b.namelist()
        assert all(a.read(n) == b.read(n) for n in a.namelist())
    assert [p.name for p in tmp_path.iterdir() if p.suffix == ".tmp"] == []


def test_saving_over_a_workbook_keeps_its_permissions(tmp_path):
    import stat

    book = build_market_book(tmp_path / "a.xlsx")
    book.chmod(0o644)
    Package.read(book).save(book)
    assert stat.S_IMODE(book.stat().st_mode) == 0o644
