"""``perphedge new`` and ``perphedge template`` through the CLI entry point (offline)."""

from __future__ import annotations

import openpyxl
import pytest

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


@pytest.mark.libreoffice
def test_new_offline_fills_the_tiers_sheet_from_the_recorded_brackets(tmp_path, capsys, recalc):
    """Offline, the BTC and ETH USDⓈ-M perps get the recorded Binance brackets as Tiers rows
    (undated, no maximum leverage, the last tier uncapped); the Bybit BTC perp has none, so
    only its row and its build note say the liquidation price uses no tiers."""
    csv = tmp_path / "h.csv"
    csv.write_text("asset,qty,hedge_symbol,exchange,hedge_ratio,leverage\n"
                   "BTC,1.5,BTC,binanceusdm,50%,2\nETH,10,ETH,binanceusdm,50%,2\n"
                   "BTC,1,BTC,bybit,50%,2\n")
    out = tmp_path / "tiered.xlsx"
    assert main(["new", str(out), "--portfolio", str(csv), "--offline"]) == 0
    notes = [line for line in capsys.readouterr().out.splitlines() if "no leverage tiers" in line]
    assert len(notes) == 1 and "no leverage tiers for BTC/USDT:USDT on bybit" in notes[0]

    ws = openpyxl.load_workbook(out)["Tiers"]
    rows = [[c.value for c in row] for row in
            ws.iter_rows(min_row=L.TIER_FIRST_ROW, max_col=len(L.TIER_HEADERS))]
    rows = [r for r in rows if r[0] is not None]
    assert [(r[0], r[1]) for r in rows] == [("BTC/USDT:USDT", "binanceusdm")] * 10 + [
        ("ETH/USDT:USDT", "binanceusdm")] * 10
    # Tier 3 of BTCUSDT: 250,000 × (1 % − 0.5 %) + 50 = 1,300 (Binance's FAQ example).
    assert rows[2] == ["BTC/USDT:USDT", "binanceusdm", 3, 250_000, 3_000_000, "quote", 0.01,
                       1_300, None, None]
    # The last recorded bracket, 300,000,000 at 50 %, has no cap: empty Max notional.
    assert rows[9][3:8] == [300_000_000, None, "quote", 0.5, 103_046_300]

    pf = recalc(out)["Portfolio"]
    r = L.PORTFOLIO_FIRST_ROW
    warnings = [pf[f"{L.pcol('warnings')}{r + i}"].value or "" for i in range(3)]
    for w in warnings[:2]:
        assert "no leverage tiers" not in w and "no MMR in the Market table" not in w
    assert "no MMR in the Market table" in warnings[2]  # Bybit: no tiers, no MMR recorded
    assert [pf[f"{L.pcol('tier_count')}{r + i}"].value for i in range(3)] == [10, 10, 0]
    # BTC: 1.5 × 84,520.75468841 (2026-10-03 08:00 UTC mark) × 50 % = 63,390.57 → 0.75
    # contracts, tier 2 ([50,000, 250,000): 0.5 %, amount 50); 2× margin 31,695.28; LP =
    # (31,695.28 + 50 + 63,390.57) / (0.75 × 1.005) = 126,216.72, still in tier 2 at that
    # price (94,662.54).
    mark = 84520.75468841
    lp = (0.75 * mark / 2 + 50 + 0.75 * mark) / (0.75 * 1.005)
    assert pf[f"{L.pcol('liq_price')}{r}"].value == pytest.approx(lp, rel=1e-12)
    assert pf[f"{L.pcol('liq_price')}{r}"].value == pytest.approx(126_216.72, abs=0.005)
    assert pf[f"{L.pcol('tier')}{r}"].value == 2


def test_new_bad_row_exit_2_names_line_column_value_and_writes_nothing(tmp_path, capsys):
    csv = tmp_path / "h.csv"
    csv.write_text("asset,qty,hedge_ratio\nBTC,1,0.5\nETH,lots,0.5\n")
    out = tmp_path / "mine.xlsx"
    assert main(["new", str(out), "--portfolio", str(csv), "--offline"]) == 2
    err = capsys.readouterr().err
    assert "line 3, column qty" in err and "'lots'" in err and "nothing written" in err
    assert not out.exists()


def test_new_offline_keeps_a_symbol_the_snapshot_lacks_and_says_so(tmp_path, capsys):
    """Offline, a market the recorded snapshot does not hold may well exist: the holding
    keeps its row (a refresh fills it) and the build says which symbol it did not find."""
    csv = tmp_path / "h.csv"
    csv.write_text("asset,qty,hedge_symbol\nBTC,1,NOPE\n")
    out = tmp_path / "mine.xlsx"
    assert main(["new", str(out), "--portfolio", str(csv), "--offline"]) == 0
    said = capsys.readouterr().out
    assert "NOPE on binanceusdm is not in the recorded snapshot" in said and "refresh to fill" in said
    ws = openpyxl.load_workbook(out)["Portfolio"]
    assert ws[f"{L.pcol('hedge_symbol')}{L.PORTFOLIO_FIRST_ROW}"].value == "NOPE/USDT:USDT"


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

    assert "not live" in _data_note([row("snapshot")], False)
    mixed = _data_note([row("snapshot"), row("binanceusdm")], False)
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
    assert any(v.startswith("recorded snapshot: perp price and funding recorded 2026-10-03") for v in values)


def test_new_reads_a_plan_csv_and_says_which_market_columns_it_did_not_use(tmp_path, capsys):
    # A `plan --csv` file with market figures: new builds from the market (here the recorded
    # snapshot) and says, in one line, which of the file's columns it left unused.
    csv = tmp_path / "plan.csv"
    csv.write_text("asset,qty,price,hedge_ratio,contract_size,amount_step,min_cost\n"
                   "BTC,1.5,50000,0.5,1,0.001,\nETH,10,3000,100%,,,\n")
    out = tmp_path / "from_plan.xlsx"
    assert main(["new", str(out), "--portfolio", str(csv), "--offline"]) == 0
    printed = capsys.readouterr().out
    unused = [line for line in printed.splitlines() if "columns not used" in line]
    # min_cost is in the header but empty on every row: nothing to leave unused there.
    assert len(unused) == 1 and unused[0].endswith(": price, contract_size, amount_step")
    ws = openpyxl.load_workbook(out)["Portfolio"]
    r = L.PORTFOLIO_FIRST_ROW
    assert [ws[f"{L.pcol('hedge_symbol')}{r + i}"].value for i in range(2)] == ["BTC/USDT:USDT", "ETH/USDT:USDT"]
    assert [ws[f"{L.pcol('ratio_in')}{r + i}"].value for i in range(2)] == [0.5, 1.0]
