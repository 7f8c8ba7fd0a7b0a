"""``perphedge backtest`` on the recorded BTC settlements (--history DIR, --offline) and live
through ccxt against a local exchange serving the recorded export."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

from perphedge.cli import main

FULL = Path(__file__).resolve().parents[1] / "fixtures" / "history" / "BTspaceC__crypto-swing-backtest" / "full"


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def ms(day: str) -> int:
    return int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp()) * 1000


def recorded(lo: str, hi_exclusive: str) -> list[tuple[int, float, float]]:
    with (FULL / "BTCUSDT_funding.csv").open(newline="") as f:
        return [(int(r["fundingTime"]), float(r["fundingRate"]), float(r["markPrice"]))
                for r in csv.DictReader(f) if ms(lo) <= int(r["fundingTime"]) < ms(hi_exclusive)]


def test_json_on_the_recorded_btc_file(capsys):
    code, out, err = run(capsys, "backtest", "--asset", "BTC", "--history", str(FULL), "--qty", "2",
                         "--ratio", "50%", "--fee", "0", "--from", "2024-01-01", "--to", "2024-10-31", "--json")
    assert code == 0 and err == ""
    data = json.loads(out)
    window = recorded("2024-01-01", "2024-11-01")
    # 2 BTC hedged 50 %: a 1 BTC short; funding = sum of rate x mark x 1, computed here
    assert abs(data["funding_total"] - sum(r * m for _, r, m in window)) < 1e-6
    assert data["settlements"] == len(window) == 915
    assert data["start"] == "2024-01-01 00:00 UTC" and data["end"] == "2024-10-31 16:00 UTC"
    assert data["liquidated"] is False and data["liquidations"] == [] and data["rebalances"] == 0
    assert data["fees_total"] == 0.0 and data["price_figures_reason"] is None
    assert data["policy"]["hedge_ratio"] == 0.5 and data["policy"]["exchange"] == "binanceusdm"
    (year,) = data["by_year"]
    assert year["year"] == 2024 and abs(year["sum_of_rates"] - sum(r for _, r, _ in window)) < 1e-12
    assert abs(year["unhedged_return"] - (window[-1][2] / window[0][2] - 1)) < 1e-12
    for key in ("realised_funding_apr", "variance_reduction", "max_drawdown_hedged", "max_drawdown_unhedged",
                "worst_30d_return_hedged", "worst_30d_return_unhedged", "daily_vol_hedged", "daily_vol_unhedged"):
        assert isinstance(data[key], float), key


def test_a_window_outside_the_data_is_exit_2_naming_the_span(capsys):
    code, out, err = run(capsys, "backtest", "--asset", "BTC", "--history", str(FULL),
                         "--from", "2024-01-01", "--to", "2027-01-31")
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "2019-09-10 08:00 UTC to 2026-10-03 08:00 UTC" in err and "not covered" in err


def test_a_window_before_the_marks_is_funding_only_and_says_so(capsys):
    code, out, err = run(capsys, "backtest", "--asset", "BTC", "--history", str(FULL), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["settlements"] == 7741 and data["funding_total"] is None
    assert data["price_figures_reason"] and "2023-10-31 08:00 UTC" in data["notes"][0]
    # the day it advises is the first whose settlements all have marks: the walk runs from it
    assert "--from 2023-11-01 or later" in data["notes"][0]
    code, out, _ = run(capsys, "backtest", "--asset", "BTC", "--history", str(FULL), "--json", "--from", "2023-11-01")
    assert code == 0 and json.loads(out)["price_figures_reason"] is None
    sums = {y["year"]: round(y["sum_of_rates"], 3) for y in data["by_year"]}
    assert sums[2021] == 0.306 and sums[2024] == 0.120


def test_table_output(capsys):
    code, out, _ = run(capsys, "backtest", "--asset", "btc", "--history", str(FULL), "--leverage", "2",
                       "--from", "2024-01-01", "--to", "2026-10-03")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("BTC: 1 hedged 50.00% at 2x")
    assert any(line.startswith("funding received") for line in lines)
    assert any(line.startswith("liquidations: 2024-") for line in lines)
    header = next(line for line in lines if line.startswith("year"))
    assert header.split() == ["year", "settlements", "funding", "sum", "of", "rates", "hedged", "unhedged"]
    years = lines[lines.index(header) + 2:]
    assert [line.split()[:2] for line in years] == [["2024", "1098"], ["2025", "1095"], ["2026", "827"]]


def test_bad_input_is_one_line_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "backtest", "--asset", "DOGE", "--history", str(FULL))
    assert code == 2 and "no DOGEUSDT_funding.csv" in err and "BTCUSDT_funding.csv" in err
    code, _, err = run(capsys, "backtest", "--asset", "BTC", "--history", str(FULL), "--ratio", "150%")
    assert code == 2 and err.strip() == "Error: hedge_ratio must be between 0 and 1, got 1.5"
    code, _, err = run(capsys, "backtest", "--asset", "BTC", "--history", str(FULL), "--from", "2024-13-01")
    assert code == 2 and "--from must be a date YYYY-MM-DD" in err
    (tmp_path / "BTCUSDT_funding.csv").write_text("time,rate\n1,2\n", encoding="utf-8")
    code, _, err = run(capsys, "backtest", "--asset", "BTC", "--history", str(tmp_path))
    assert code == 2 and "expected the header fundingTime,fundingRate,markPrice" in err


def test_offline_reads_the_shipped_recordings_which_are_the_recorded_files(capsys, monkeypatch):
    monkeypatch.delenv("PERPHEDGE_OFFLINE", raising=False)   # the global flag below sets it
    import gzip
    import hashlib
    from importlib import resources

    # each shipped file decompresses to the source file the fixtures README's checksum names
    sha256 = {"BTC": "04bec19fca3f756a287c94cbfb3f85ef43769d37e3662c44356eb75c559e5cb4",
              "ETH": "069b97bd1767769e933cbe3546bceb814bb1ccbc056fe75b2204abbef7bbf81d",
              "BNB": "b4271d5c5f91f04e251f7e7f851e5d7fc7f35e62c78d6d6afe24434d794a1fd4"}
    for asset, digest in sha256.items():
        shipped = resources.files("perphedge") / "data" / "history" / f"{asset}USDT_funding.csv.gz"
        assert hashlib.sha256(gzip.decompress(shipped.read_bytes())).hexdigest() == digest, asset
    assert gzip.decompress((resources.files("perphedge") / "data" / "history" / "BTCUSDT_funding.csv.gz")
                           .read_bytes()) == (FULL / "BTCUSDT_funding.csv").read_bytes()
    args = ["--asset", "BTC", "--qty", "2", "--fee", "0", "--from", "2024-01-01", "--to", "2024-10-31", "--json"]
    code, out, err = run(capsys, "backtest", "--offline", *args)
    assert code == 0, err
    data = json.loads(out)
    assert data["source"] == "the recorded BTCUSDT_funding.csv"
    window = recorded("2024-01-01", "2024-11-01")
    assert abs(data["funding_total"] - sum(r * m for _, r, m in window)) < 1e-6
    code, out, _ = run(capsys, "--offline", "backtest", *args)     # the global flag too
    assert code == 0 and json.loads(out)["funding_total"] == data["funding_total"]


def test_offline_names_what_is_recorded(capsys):
    code, _, err = run(capsys, "backtest", "--offline", "--asset", "DOGE")
    assert code == 2 and "no recorded funding history for DOGE (recorded: BNB, BTC, ETH" in err


def test_live_reads_the_exchanges_funding_history_with_its_marks(capsys, tmp_path, monkeypatch):
    """Through ccxt against a local Binance whose /fapi/v1/fundingRate serves the recorded
    export (2025-12-20 to 2026-03-20, Binance's own fields, markPrice included)."""
    from perphedge.market import config as market_config
    from tests.market import recorded as rec
    from tests.market.fakeexchange import FakeExchange

    with FakeExchange(rec.binance_routes(), lifetime_s=60) as fx:
        config = market_config.MarketConfig(cache_dir=tmp_path / "cache",
                                            api_base={"binanceusdm": fx.base_url, "binance": fx.base_url})
        monkeypatch.setattr(market_config.MarketConfig, "from_env", classmethod(lambda cls, *a, **k: config))
        code, out, err = run(capsys, "backtest", "--asset", "BTC", "--qty", "2", "--fee", "0",
                             "--from", "2026-01-01", "--to", "2026-03-19", "--json")
        asked = [r for r in fx.log if r.path == "/fapi/v1/fundingRate"]
    assert code == 0, err
    data = json.loads(out)
    assert data["source"] == "binanceusdm's funding history of BTC" and asked
    window = recorded("2026-01-01", "2026-03-20")
    assert data["settlements"] == len(window) and data["price_figures_reason"] is None
    assert abs(data["funding_total"] - sum(r * m for _, r, m in window)) < 1e-6


def test_live_beyond_what_the_exchange_serves_is_a_clear_error(capsys, tmp_path, monkeypatch):
    from perphedge.market import config as market_config

    config = market_config.MarketConfig(cache_dir=tmp_path / "cache")   # not offline; asks nothing
    monkeypatch.setattr(market_config.MarketConfig, "from_env", classmethod(lambda cls, *a, **k: config))
    code, _, err = run(capsys, "backtest", "--asset", "BTC", "--from", "2019-01-01")
    assert code == 2 and "live histories go back 1000 days at most (--offline reads" in err


def test_help_names_the_three_sources(capsys):
    code, out, _ = run(capsys, "backtest", "--help")
    assert code == 0 and "--offline" in out and "--history DIR" in out


def test_the_package_data_stays_within_its_stated_budget():
    from importlib import resources

    data = resources.files("perphedge") / "data"
    files = [p for p in data.iterdir() if p.is_file()] + list((data / "history").iterdir())
    assert sum(len(p.read_bytes()) for p in files) <= 1_000_000     # README: a 1 MB budget
