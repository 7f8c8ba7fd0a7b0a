"""``perphedge snapshot show | build | record`` through the CLI entry point (no network:
``record`` reads a stand-in market service)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import perphedge.commands.snapshot as snapshot_command
from perphedge.cli import main
from perphedge.core.errors import DataUnavailable, NetworkError
from perphedge.core.marketdata import ContractSpec, DataStatus, FundingRate, Observed, Ticker
from perphedge.market.snapshot.data import EMBEDDED_PATH, load_snapshot
from perphedge.market.snapshot.symbols import NotInSnapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------------------- show

def test_show_lists_markets_figures_dates_sources_and_absences(capsys):
    code, out, _ = run(capsys, "snapshot", "show")
    assert code == 0
    assert "NOT live" in out
    assert "binanceusdm BTC/USDT:USDT (swap)" in out and "okx SUSHI/USDT:USDT (swap)" in out
    assert "as of 2026-10-03 08:00 UTC" in out and "as of 2025-07-29 11:39 UTC" in out
    assert "271 points, 2026-07-05 08:00 UTC to 2026-10-03 08:00 UTC" in out
    assert "absent: last price, index price, spot price" in out
    assert "  leverage_tiers   10 tiers" in out
    assert "not dated (undated: options.leverageBrackets carries no recording date)" in out
    assert "BTspaceC/crypto-swing-backtest" in out and "ccxt/ccxt" in out and "[MIT]" in out
    assert "leverage_tiers: Leverage tiers are recorded only as ccxt's Binance response" in out


def test_show_filters_by_exchange_and_symbol(capsys):
    code, out, _ = run(capsys, "snapshot", "show", "--exchange", "okx", "--symbol", "btc")
    assert code == 0
    markets = [line for line in out.splitlines() if line.startswith(("okx ", "binance", "bybit "))]
    assert markets == ["okx BTC/USD:BTC (swap)", "okx BTC/USDT (spot)", "okx BTC/USDT:USDT (swap)"]


def test_show_reports_a_bad_file_without_a_traceback(capsys, tmp_path):
    code, out, err = run(capsys, "snapshot", "show", "--file", str(tmp_path / "none.json"))
    assert code == 1 and "none.json" in err and "Traceback" not in err + out


def test_show_reports_no_match_as_bad_input_with_what_the_snapshot_holds(capsys):
    code, _, err = run(capsys, "snapshot", "show", "--exchange", "kraken")
    assert code == 2
    assert "no market in the snapshot matches --exchange kraken; exchanges in it: " in err
    assert "binanceusdm" in err and "okx" in err and "snapshot show lists every market" in err
    code, _, err = run(capsys, "snapshot", "show", "--exchange", "okx", "--symbol", "NOSUCHCOIN")
    assert code == 2 and "matches --exchange okx --symbol NOSUCHCOIN;" in err
    # The words the user typed, never a Python repr of them.
    assert "'" not in err and "None" not in err


# ----------------------------------------------------------------------------- build

def test_build_from_the_fixtures_gives_the_embedded_file(capsys, tmp_path):
    out_file = tmp_path / "snap.json"
    code, out, _ = run(capsys, "snapshot", "build", "--fixtures", str(FIXTURES), "--out", str(out_file))
    assert code == 0 and "wrote" in out
    assert out_file.read_bytes() == EMBEDDED_PATH.read_bytes()
    code, out, _ = run(capsys, "snapshot", "build", "--fixtures", str(FIXTURES), "--out", str(out_file))
    assert code == 0 and "unchanged" in out


def test_build_check_passes_on_the_embedded_file_and_fails_on_a_changed_one(capsys, tmp_path):
    code, out, _ = run(capsys, "snapshot", "build", "--fixtures", str(FIXTURES), "--check")
    assert code == 0 and "up to date" in out
    changed = tmp_path / "changed.json"
    changed.write_text(EMBEDDED_PATH.read_text().replace("84520.75468841", "84520.0"))
    before = changed.read_bytes()
    code, _, err = run(capsys, "snapshot", "build", "--fixtures", str(FIXTURES), "--out",
                       str(changed), "--check")
    assert code == 1 and "differs" in err
    assert changed.read_bytes() == before


def test_build_from_an_incomplete_folder_names_the_missing_files(capsys, tmp_path):
    target = tmp_path / "snap.json"
    code, _, err = run(capsys, "snapshot", "build", "--fixtures", str(tmp_path), "--out", str(target))
    assert code == 1 and "ccxt/markets/binance.json" in err
    assert not target.exists()


# ----------------------------------------------------------------------------- record

class StubService:
    """Stand-in for MarketService; answers are synthetic inputs to the recorder (the Bybit
    BTC figures recorded in the fixtures, reused as plain numbers)."""

    def __init__(self, source: str = "bybit", fail: bool = False) -> None:
        self.source, self.fail = source, fail

    def _obs(self, value):
        if self.fail:
            raise NetworkError("timed out", self.source)
        return Observed(value, DataStatus(self.source, 1730730080834))

    def resolve(self, symbol, exchange=None):
        if symbol.upper() != "BTC":
            raise NotInSnapshot(symbol, exchange)
        return "BTC/USDT:USDT"

    def contract_spec(self, symbol, exchange=None):
        return self._obs(ContractSpec(symbol, exchange, 1.0, 0.001, 0.001, False, "USDT", 0.0001, 0.0006))

    def ticker(self, symbol, exchange=None):
        return self._obs(Ticker(symbol, exchange, 68577.5, 68591.46, 68599.9, 1730730080834))

    def funding(self, symbol, exchange=None):
        return self._obs(FundingRate(symbol, exchange, 0.0001, 8.0, "exchange", 1730736000000,
                                     1730730080834, 68591.46, 68599.9))

    def funding_history(self, symbol, days=30, exchange=None):
        return self._obs(())

    def daily_closes(self, symbol, days=90, exchange=None):
        return self._obs(())

    def leverage_tiers(self, symbol, exchange=None):
        raise DataUnavailable("leverage tiers need an API key", exchange)

    def spot_price(self, symbol, exchange=None):
        return self._obs(68577.5)


def test_record_writes_a_snapshot_marked_live_source_and_dated(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot_command, "make_service", lambda: StubService())
    target = tmp_path / "rec.json"
    code, out, _ = run(capsys, "snapshot", "record", "--exchange", "bybit", "--symbols", "BTC,SOLX",
                       "--days", "3", "--out", str(target))
    assert code == 0, out
    assert "absent bybit BTC/USDT:USDT leverage_tiers: leverage tiers need an API key" in out
    assert "not recorded SOLX" in out
    doc = json.loads(target.read_text())
    snap = load_snapshot(target)
    ticker = snap.figure("bybit", "BTC/USDT:USDT", "ticker")
    assert ticker.source == "live bybit API" and ticker.as_of_ms == 1730730080834
    assert snap.figure("bybit", "BTC/USDT", "ticker").values["last_price"] == 68577.5
    assert snap.figure("bybit", "BTC/USDT:USDT", "funding").values["rate_per_interval"] == 0.0001
    assert doc["live"] is False and "NOT live" in doc["description"]
    code, out, _ = run(capsys, "snapshot", "show", "--file", str(target))
    assert code == 0 and "live bybit API" in out


@pytest.mark.parametrize("service", [StubService(source="snapshot"), StubService(fail=True)])
def test_record_writes_nothing_when_nothing_live_was_recorded(capsys, tmp_path, monkeypatch, service):
    monkeypatch.setattr(snapshot_command, "make_service", lambda: service)
    target = tmp_path / "rec.json"
    code, _, err = run(capsys, "snapshot", "record", "--exchange", "bybit", "--out", str(target))
    assert code == 1 and "nothing recorded" in err and "left unchanged" in err
    assert not target.exists()


def test_record_refuses_zero_days(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(snapshot_command, "make_service", lambda: StubService())
    code, _, err = run(capsys, "snapshot", "record", "--days", "0", "--out", str(tmp_path / "x.json"))
    assert code == 1 and "days must be at least 1, got 0" in err


def test_snapshot_group_is_registered(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "snapshot" in out
    code, out, _ = run(capsys, "snapshot", "--help")
    assert code == 0 and all(name in out for name in ("show", "build", "record"))


# ----------------------------------------------------------------------------- record, live path

def test_record_through_the_market_service_against_the_local_exchange(capsys, tmp_path, monkeypatch):
    """The real MarketService and ccxt, talking HTTP to a local server on 127.0.0.1 that
    answers with ccxt's recorded Bybit responses (fetchFundingRates body of 2024-11-04)."""
    pytest.importorskip("perphedge.market.live.service")
    fakeexchange = pytest.importorskip("tests.market.fakeexchange")
    recorded = pytest.importorskip("tests.market.recorded")
    from perphedge.market.config import MarketConfig
    from perphedge.market.live.service import MarketService

    expected = recorded.response_entry("bybit", "fetchFundingRates")["parsedResponse"]["BTC/USDT:USDT"]
    target = tmp_path / "live.json"
    with fakeexchange.FakeExchange(recorded.bybit_routes(), lifetime_s=60) as fx:
        config = MarketConfig(cache_dir=tmp_path / "cache", api_base={"bybit": fx.base_url})
        monkeypatch.setattr(snapshot_command, "make_service",
                            lambda: MarketService(config, clock=lambda: 1_773_968_400.0))
        code, out, err = run(capsys, "snapshot", "record", "--exchange", "bybit", "--symbols", "BTC",
                             "--symbols", "NOPE", "--days", "3", "--out", str(target))
    assert code == 0, err
    snap = load_snapshot(target)
    ticker = snap.figure("bybit", "BTC/USDT:USDT", "ticker")
    funding = snap.figure("bybit", "BTC/USDT:USDT", "funding")
    assert ticker.source == funding.source == "live bybit API"
    assert ticker.values["mark_price"] == expected["markPrice"]
    assert ticker.values["index_price"] == expected["indexPrice"]
    assert funding.values["rate_per_interval"] == expected["fundingRate"]
    assert "leverage_tiers" in snap.market("bybit", "BTC/USDT:USDT").absent
    assert "not recorded NOPE" in out
