"""``perphedge new`` and ``perphedge template`` through the CLI entry point (offline)."""

from __future__ import annotations

import openpyxl

from perphedge.cli import main
from perphedge.template import layout as L


def test_new_offline_from_csv(tmp_path, capsys):
    csv = tmp_path / "h.csv"
    csv.write_text("asset,qty,hedge_symbol,exchange,hedge_ratio,leverage\n"
                   "BTC,1.5,BTC,binanceusdm,50%,2\nETH,10,,,,\n")
    out = tmp_path / "mine.xlsx"
    assert main(["new", str(out), "--portfolio", str(csv), "--offline"]) == 0
    assert "recorded snapshot, not live" in capsys.readouterr().out
    ws = openpyxl.load_workbook(out)["Portfolio"]
    r = L.PORTFOLIO_FIRST_ROW
    assert [ws[f"{L.pcol('hedge_symbol')}{r + i}"].value for i in range(2)] == [
        "BTC/USDT:USDT", "ETH/USDT:USDT"]
    assert ws[f"{L.pcol('ratio_in')}{r}"].value == 0.5
    assert ws[f"{L.pcol('strategy')}{r + 1}"].value == "Tactical Defense"


def test_new_bad_row_exit_2_names_line_column_value_and_writes_nothing(tmp_path, capsys):
    csv = tmp_path / "h.csv"
    csv.write_text("asset,qty,hedge_ratio\nBTC,1,0.5\nETH,lots,0.5\n")
    out = tmp_path / "mine.xlsx"
    assert main(["new", str(out), "--portfolio", str(csv), "--offline"]) == 2
    err = capsys.readouterr().err
    assert "line 3, column qty" in err and "'lots'" in err and "nothing written" in err
    assert not out.exists()


def test_new_unknown_symbol_exit_2(tmp_path, capsys):
    csv = tmp_path / "h.csv"
    csv.write_text("asset,qty,hedge_symbol\nBTC,1,NOPE\n")
    out = tmp_path / "mine.xlsx"
    assert main(["new", str(out), "--portfolio", str(csv), "--offline"]) == 2
    assert "line 2, column hedge_symbol" in capsys.readouterr().err
    assert not out.exists()


def test_new_refuses_to_overwrite_without_force(tmp_path):
    out = tmp_path / "mine.xlsx"
    out.write_bytes(b"keep me")
    assert main(["new", str(out), "--offline"]) == 2
    assert out.read_bytes() == b"keep me"
    assert main(["new", str(out), "--offline", "--force"]) == 0
    assert openpyxl.load_workbook(out).sheetnames[0] == "Portfolio"


def test_template_command_builds_the_template(tmp_path):
    out = tmp_path / "t.xlsx"
    assert main(["template", "--out", str(out)]) == 0
    wb = openpyxl.load_workbook(out)
    assert wb["Portfolio"][f"A{L.PORTFOLIO_FIRST_ROW}"].value is None
    assert wb["Market"][f"A{L.MARKET_FIRST_ROW}"].value == "BTC/USDT:USDT"


def test_recorded_rows_are_never_called_live():
    from perphedge.commands.workbook import _data_note
    from perphedge.core.marketdata import DataStatus, MarketRow

    def row(source):
        return MarketRow("X/USDT:USDT", "ex", None, 1.0, None, None, None, None, 1.0, 0.0, 0.0,
                         False, None, None, None, DataStatus(source, 0, source == "snapshot", "r"))

    assert "not live" in _data_note(object(), [row("snapshot")], False)
    mixed = _data_note(object(), [row("snapshot"), row("binanceusdm")], False)
    assert "fetched from the exchanges" in mixed and "1 of 2 Market rows are recorded" in mixed


def test_new_without_network_builds_from_the_recorded_snapshot_and_says_so(tmp_path, monkeypatch,
                                                                          capsys):
    # Every exchange request goes to a loopback port nothing listens on: no network at all.
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    for ex in ("BINANCEUSDM", "BINANCE"):
        monkeypatch.setenv(f"PERPHEDGE_{ex}_API_BASE", dead)
    monkeypatch.setenv("PERPHEDGE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PERPHEDGE_OFFLINE", raising=False)
    csv = tmp_path / "h.csv"
    csv.write_text("asset,qty,hedge_symbol\nBTC,1.5,BTC\n")
    out = tmp_path / "new.xlsx"
    assert main(["new", str(out), "--portfolio", str(csv)]) == 0
    captured = capsys.readouterr()
    assert "unreachable" in captured.err and "recorded snapshot" in captured.err
    assert "(recorded snapshot, not live)" in captured.out
    wb = openpyxl.load_workbook(out)
    market = wb["Market"]
    values = [c.value for row in market.iter_rows() for c in row if isinstance(c.value, str)]
    assert any("recorded snapshot of 2026-03-20" in v for v in values)
