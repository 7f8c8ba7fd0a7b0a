"""File safety of ``perphedge refresh`` and ``perphedge share``: links at the backup and
output paths are refused, a save by another program during the write wins, the user's own
last version survives repeated refreshes, read-only and open workbooks are left alone."""

from __future__ import annotations

import os
import stat

import openpyxl
import pytest

from perphedge import ooxml
from perphedge.cli import main
from perphedge.files import refresh as rf
from perphedge.files.share import ShareError, share_file
from tests.support.books import build_market_book
from tests.support.fake import NOW_MS, FakeSource

MARKS = {"BTC/USDT:USDT": 70000.5, "ETH/USDT:USDT": 2500.25, "SOL/USDT:USDT": 150.75}


def refresh(book):
    return rf.refresh_file(book, source=FakeSource(MARKS), now_ms=NOW_MS)


def test_a_symlinked_backup_is_refused_and_its_target_untouched(tmp_path):
    book = build_market_book(tmp_path / "hedge.xlsx")
    before = book.read_bytes()
    precious = tmp_path / "precious.txt"
    precious.write_bytes(b"mine")
    rf.backup_file(book).symlink_to(precious)
    with pytest.raises(rf.RefreshError, match=r"hedge\.xlsx\.bak is a symbolic link"):
        refresh(book)
    assert precious.read_bytes() == b"mine" and book.read_bytes() == before
    assert os.path.islink(rf.backup_file(book))


def test_a_backup_path_that_is_a_folder_is_refused(tmp_path):
    book = build_market_book(tmp_path / "hedge.xlsx")
    before = book.read_bytes()
    rf.backup_file(book).mkdir()
    with pytest.raises(rf.RefreshError, match="not a regular file"):
        refresh(book)
    assert book.read_bytes() == before


def test_a_symlinked_share_output_is_refused_and_its_target_untouched(tmp_path):
    src = build_market_book(tmp_path / "in.xlsx")
    precious = tmp_path / "precious.xlsx"
    precious.write_bytes(b"mine")
    out = tmp_path / "out.xlsx"
    out.symlink_to(precious)
    with pytest.raises(ShareError, match=r"out\.xlsx is a symbolic link"):
        share_file(src, out)
    assert precious.read_bytes() == b"mine" and os.path.islink(out)
    assert main(["share", str(src), str(out)]) != 0
    assert precious.read_bytes() == b"mine"


def test_a_save_by_another_program_during_the_write_wins(tmp_path, monkeypatch):
    book = build_market_book(tmp_path / "hedge.xlsx")
    theirs = book.read_bytes() + b"their save"
    write_into = ooxml.Package.to_bytes_into

    def saved_meanwhile(self, f):
        # the other program saves while our new file is being written: between the read
        # and the rename
        write_into(self, f)
        tmp = book.with_name(book.name + ".theirs")
        tmp.write_bytes(theirs)
        os.replace(tmp, book)

    monkeypatch.setattr(ooxml.Package, "to_bytes_into", saved_meanwhile)
    with pytest.raises(rf.RefreshError, match="changed while refreshing.*nothing written, run again"):
        refresh(book)
    assert book.read_bytes() == theirs
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_the_users_last_version_survives_two_refreshes(tmp_path):
    book = build_market_book(tmp_path / "hedge.xlsx")
    refresh(book)
    wb = openpyxl.load_workbook(book)      # the user edits and saves after a refresh
    wb["Portfolio"]["Z1"] = "my note"
    wb.save(book)
    users = book.read_bytes()
    refresh(book)
    assert rf.backup_file(book).read_bytes() == users
    refresh(book)                          # the file is now refresh output: .bak keeps the edit
    assert rf.backup_file(book).read_bytes() == users
    with open(rf.backup_file(book), "rb") as f:
        assert openpyxl.load_workbook(f)["Portfolio"]["Z1"].value == "my note"
    # a new edit is the user's new last version
    wb = openpyxl.load_workbook(book)
    wb["Portfolio"]["Z1"] = "second note"
    wb.save(book)
    second = book.read_bytes()
    refresh(book)
    assert rf.backup_file(book).read_bytes() == second


def test_a_read_only_workbook_is_refused_and_untouched(tmp_path):
    book = build_market_book(tmp_path / "hedge.xlsx")
    before = book.read_bytes()
    book.chmod(stat.S_IRUSR | stat.S_IRGRP)
    try:
        with pytest.raises(rf.RefreshError, match=r"hedge\.xlsx is read-only: nothing written"):
            refresh(book)
        assert main(["refresh", str(book), "--offline"]) == 1
    finally:
        book.chmod(0o644)
    assert book.read_bytes() == before and not rf.backup_file(book).exists()


@pytest.mark.parametrize("lock, program", [("~$hedge.xlsx", "Excel"),
                                           (".~lock.hedge.xlsx#", "LibreOffice")])
def test_a_workbook_open_in_another_program_is_refused(tmp_path, lock, program):
    book = build_market_book(tmp_path / "hedge.xlsx")
    before = book.read_bytes()
    (tmp_path / lock).write_text("owner")
    with pytest.raises(rf.RefreshError, match=f"open in {program}"):
        refresh(book)
    assert main(["refresh", str(book), "--offline"]) == 1
    assert book.read_bytes() == before and not rf.backup_file(book).exists()


def test_a_filled_down_formula_whose_master_is_refreshed_keeps_computing(tmp_path):
    from perphedge.template.libreoffice import recalculate
    from tests.conftest import require_libreoffice

    book = build_market_book(tmp_path / "hedge.xlsx")
    wb = openpyxl.load_workbook(book)
    ws = wb["Market"]
    for r in range(5, 10):              # D5:D9, filled down from D5; D5:D7 is the Mark column
        ws[f"Z{r}"] = r - 4
        ws[f"D{r}"] = f"=Z{r}*10"
    wb.save(book)
    pkg = ooxml.Package.read(book)
    part = pkg.table("Market").sheet.part
    xml = pkg.data[part].decode()
    xml = xml.replace("<f>Z5*10</f>", '<f t="shared" ref="D5:D9" si="0">Z5*10</f>')
    for r in range(6, 10):
        xml = xml.replace(f"<f>Z{r}*10</f>", '<f t="shared" si="0"/>')
    pkg.replace(part, xml.encode())
    pkg.save(book)

    refresh(book)
    ws = openpyxl.load_workbook(book)["Market"]
    assert ws["D5"].value == MARKS["BTC/USDT:USDT"]
    assert (ws["D8"].value, ws["D9"].value) == ("=Z8*10", "=Z9*10")
    require_libreoffice()
    back = openpyxl.load_workbook(recalculate(book, tmp_path / "lo.xlsx"), data_only=True)["Market"]
    assert (back["D8"].value, back["D9"].value) == (40, 50)
