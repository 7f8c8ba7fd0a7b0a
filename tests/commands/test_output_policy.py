"""Commands behave alike: every command that writes a file refuses an existing output
without --force and an output open in Excel or LibreOffice (their lock files beside it);
exit 2 for bad input (with file, line and column, and a "did you mean"), 1 for other
failures; no Python repr in a message."""

from __future__ import annotations

import openpyxl
import pytest

from perphedge.cli import main
from perphedge.files.filesafety import open_in
from perphedge.template import layout as L

HOLDINGS = "asset,qty\nBTC,1\n"


def _csv(tmp_path, text=HOLDINGS):
    p = tmp_path / "h.csv"
    p.write_text(text)
    return p


def _book(tmp_path, name="src.xlsx"):
    p = tmp_path / name
    assert main(["--offline", "new", str(p), "--portfolio", str(_csv(tmp_path))]) == 0
    return p


def _writers(tmp_path):
    """(name, argv writing to ``out``) for every command that writes a workbook."""
    src = _book(tmp_path)
    csv = _csv(tmp_path)
    return [
        ("new", lambda out, *f: ["--offline", "new", str(out), "--portfolio", str(csv), *f]),
        ("demo", lambda out, *f: ["demo", "--out", str(out), *f]),
        ("share", lambda out, *f: ["share", str(src), str(out), *f]),
    ]


@pytest.mark.parametrize("which", ["new", "demo", "share"])
def test_an_existing_output_is_kept_without_force_and_replaced_with_it(tmp_path, capsys, which):
    argv = dict(_writers(tmp_path))[which]
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"mine")
    capsys.readouterr()
    assert main(argv(out)) == 2
    err = capsys.readouterr().err
    assert "exists; pass --force to overwrite it" in err and "nothing written" in err
    assert out.read_bytes() == b"mine"
    assert main(argv(out, "--force")) == 0
    assert out.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("which", ["new", "demo", "share"])
@pytest.mark.parametrize("lock", ["~$out.xlsx", ".~lock.out.xlsx#"])
def test_an_output_open_in_excel_or_libreoffice_is_refused_even_with_force(tmp_path, capsys, which, lock):
    argv = dict(_writers(tmp_path))[which]
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"mine")
    (tmp_path / lock).write_bytes(b"")
    capsys.readouterr()
    assert main(argv(out, "--force")) == 1
    err = capsys.readouterr().err
    assert "is open in another program" in err and lock in err
    assert out.read_bytes() == b"mine"


def test_excel_lock_of_a_long_name_drops_its_first_two_characters(tmp_path):
    book = tmp_path / "portfolio_2026.xlsx"
    (tmp_path / "~$rtfolio_2026.xlsx").write_bytes(b"")
    assert open_in(book) == (tmp_path / "~$rtfolio_2026.xlsx", "Excel")


def test_refresh_refuses_an_open_workbook_and_leaves_it(tmp_path, capsys):
    book = _book(tmp_path)
    before = book.read_bytes()
    (tmp_path / f".~lock.{book.name}#").write_bytes(b"")
    assert main(["--offline", "refresh", str(book)]) == 1
    assert "is open in another program" in capsys.readouterr().err
    assert book.read_bytes() == before


def test_refresh_of_a_workbook_that_is_not_ours_says_so_and_how_to_make_one(tmp_path, capsys):
    other = tmp_path / "other.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "my own sheet"
    wb.save(other)
    before = other.read_bytes()
    assert main(["--offline", "refresh", str(other)]) == 2
    err = capsys.readouterr().err
    assert "is not a perphedge workbook" in err and "perphedge new" in err
    assert other.read_bytes() == before


def test_an_unknown_exchange_is_exit_2_with_line_column_and_did_you_mean(tmp_path, capsys):
    csv = _csv(tmp_path, "asset,qty,exchange\nBTC,1,binanceusdx\n")
    out = tmp_path / "out.xlsx"
    assert main(["--offline", "new", str(out), "--portfolio", str(csv)]) == 2
    err = capsys.readouterr().err
    assert f"{csv} line 2, column exchange" in err
    assert "did you mean binanceusdm" in err
    assert not out.exists()
    assert main(["--offline", "plan", "--csv", str(csv)]) == 2
    assert "did you mean binanceusdm" in capsys.readouterr().err


def test_an_xlsx_given_as_holdings_says_how_to_export_csv(tmp_path, capsys):
    other = tmp_path / "holdings.xlsx"
    openpyxl.Workbook().save(other)
    assert main(["--offline", "new", str(tmp_path / "out.xlsx"), "--portfolio", str(other)]) == 2
    err = capsys.readouterr().err
    assert "CSV UTF-8" in err and "line 0" not in err


def test_the_holdings_table_of_a_perphedge_workbook_is_read_as_holdings(tmp_path, demo_build, capsys):
    """The demo's three holdings, read back from its Holdings table, make the same rows;
    the cross hedge's Beta cell stays the Beta sheet's."""
    out = tmp_path / "again.xlsx"
    assert main(["--offline", "new", str(out), "--portfolio", str(demo_build.path)]) == 0
    ws = openpyxl.load_workbook(out)["Portfolio"]
    r = L.PORTFOLIO_FIRST_ROW
    got = [(ws[f"{L.pcol('asset')}{r + i}"].value, ws[f"{L.pcol('qty')}{r + i}"].value) for i in range(3)]
    assert got == [(h.asset, h.qty) for h in demo_build.holdings]
    assert str(ws[f"{L.pcol('beta')}{r + 2}"].value).startswith("=")


def test_messages_show_no_python_repr(tmp_path, capsys):
    assert main(["--offline", "new", str(tmp_path / "x.txt")]) == 2
    err = capsys.readouterr().err
    assert "'" not in err and "PosixPath" not in err


def test_offline_build_keeps_a_coin_the_snapshot_lacks(tmp_path, capsys):
    """SOL is not in the recorded snapshot: its row is kept (a refresh fills it), marked,
    and left out of the totals; BTC is sized as usual."""
    csv = _csv(tmp_path, "asset,qty\nSOL,10\nBTC,1\n")
    out = tmp_path / "mine.xlsx"
    assert main(["--offline", "new", str(out), "--portfolio", str(csv)]) == 0
    notes = capsys.readouterr().out
    assert "SOL" in notes and "no recorded data — refresh to fill" in notes
    wb = openpyxl.load_workbook(out, data_only=True)  # the cached values, as a preview shows them
    ws, mk = wb["Portfolio"], wb["Market"]
    r = L.PORTFOLIO_FIRST_ROW
    assert ws[f"{L.pcol('hedge_symbol')}{r}"].value == "SOL/USDT:USDT"
    assert ws[f"{L.pcol('spot_value')}{r}"].value == "not priced"
    assert isinstance(ws[f"{L.pcol('spot_value')}{r + 1}"].value, float)
    statuses = {mk.cell(i, 1).value: mk.cell(i, len(L.MARKET_HEADERS)).value
                for i in range(L.MARKET_FIRST_ROW, L.MARKET_FIRST_ROW + 2)}
    assert statuses["SOL/USDT:USDT"] == "no recorded data — refresh to fill"
    assert ws[f"{L.pcol('left_out')}{r}"].value == 1
