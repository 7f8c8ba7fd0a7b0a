"""A shared copy has values instead of add-in formulas, no settings or links, a visible
as-of stamp, and passes check."""

from __future__ import annotations

import zipfile
from datetime import datetime

import openpyxl
import pytest

from perphedge.cli import main
from perphedge.workbook import check as ck
from perphedge.workbook.refresh import refresh_file
from perphedge.workbook.share import ShareError, share_file

from ._books import add_external_link, build_market_book, rewrite_parts, set_cached_value
from ._fake import NOW_MS, FakeSource

MARKS = {"BTC/USDT:USDT": 1.0, "ETH/USDT:USDT": 2.0, "SOL/USDT:USDT": 3.0}


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
    assert wb["Market"]["A3"].value == ("Shared copy made 2026-05-28 21:00 UTC — market data "
                                        "as of 2026-05-28 20:26 UTC. Values only: no live "
                                        "prices, no add-in needed.")


def test_share_refuses_macro_output_and_same_file(tmp_path):
    src = build_market_book(tmp_path / "in.xlsx")
    with pytest.raises(ShareError, match=".xlsx"):
        share_file(src, tmp_path / "out.xlsm")
    with pytest.raises(ShareError, match="different"):
        share_file(src, src)


def test_share_command(tmp_path, capsys):
    src = hazardous(tmp_path)
    assert main(["share", str(src), str(tmp_path / "out.xlsx")]) == 0
    assert "2 formulas (add-in functions, external links) replaced" in capsys.readouterr().out


def test_no_configured_secret_in_any_part_of_written_files(tmp_path, monkeypatch):
    """Keys configured for the exchanges never reach a workbook, a shared copy or the
    add-in: every zip member of each written file is searched for them."""

    key, secret = "FAKEKEY-3f9a1c7e55d2", "FAKESECRET-b81d0c4e9a66"
    monkeypatch.setenv("PERPHEDGE_BINANCEUSDM_API_KEY", key)
    monkeypatch.setenv("PERPHEDGE_BINANCEUSDM_API_SECRET", secret)
    monkeypatch.setenv("PERPHEDGE_STATE_DIR", str(tmp_path / "state"))
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


def test_share_says_what_it_could_not_carry_over(tmp_path):
    from ._books import add_picture

    src = build_market_book(tmp_path / "in.xlsx", extra=False)
    refresh_file(src, source=FakeSource(MARKS), now_ms=NOW_MS, backup=False)
    rewrite_parts(src, lambda parts: add_picture(parts, "xl/worksheets/sheet1.xml", b"\x89PNG"))
    res = share_file(src, tmp_path / "out.xlsx")
    assert "xl/media/image1.png" in res.not_carried
    clean = build_market_book(tmp_path / "plain.xlsx")
    assert share_file(clean, tmp_path / "plain_out.xlsx").not_carried == ()


def test_share_the_demo_workbook(demo_path, tmp_path):
    out = tmp_path / "demo_shared.xlsx"
    res = share_file(demo_path, out)
    assert res.not_carried == () and res.formulas_replaced == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Shared copy"    # the Market sheet's top rows are all in use
    assert wb.active.title == "Shared copy"
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == ["Shared copy"]
    assert "market data as of 2026-03-20 00:00 UTC" in wb["Shared copy"]["A1"].value
    assert [f.kind for f in ck.check_file(out, max_age_hours=1e9)] == []


def test_share_of_a_macro_workbook_has_no_macros(tmp_path):
    import shutil
    from pathlib import Path

    import xlwings

    src = tmp_path / "book.xlsm"
    shutil.copyfile(Path(xlwings.__file__).parent / "quickstart.xlsm", src)
    assert "macros" in {f.kind for f in ck.check_file(src)}
    out = tmp_path / "book.xlsx"
    share_file(src, out)
    with zipfile.ZipFile(out) as z:
        assert not [n for n in z.namelist() if "vbaProject" in n]
        assert b"macroEnabled" not in z.read("[Content_Types].xml")
    assert "macros" not in {f.kind for f in ck.check_file(out)}
