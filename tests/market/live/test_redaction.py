"""No credential in any message: marker keys configured, a local exchange (127.0.0.1) whose
error bodies echo the request's headers and credentials, and then every text the package
makes from those errors is searched — the market service's errors, the Market rows' status
texts, the snapshot file ``perphedge snapshot record`` writes, the Excel functions' cells.
And with a key set, public data stays public: market loading signs nothing."""

from __future__ import annotations

import json

import pytest

import perphedge.commands.snapshot as snapshot_command
from perphedge.cli import main
from perphedge.core.errors import MarketError
from perphedge.excel import udfs
from perphedge.market.config import MarketConfig
from perphedge.market.live import faults
from perphedge.market.live.service import MarketService, reset_service
from tests.market import recorded
from tests.market.guarded import GuardedExchange
from tests.market.helpers import Clock, Sleeps

KEY = "PERPHEDGE_TEST_MARKER_KEY_8f3a61c2d9"
SECRET = "PERPHEDGE_TEST_MARKER_SECRET_5b07e4aa"
MARKERS = ("PERPHEDGE_TEST_MARKER", KEY, SECRET)
BINANCE = ("binanceusdm", "binance")


def _clean(text: str) -> bool:
    return not any(m in text for m in MARKERS)


def _service(fx, tmp_path, **settings) -> MarketService:
    config = MarketConfig(cache_dir=tmp_path / "cache", api_base={ex: fx.base_url for ex in BINANCE},
                          api_keys={ex: (KEY, SECRET) for ex in BINANCE}, **settings)
    return MarketService(config, clock=Clock(), sleep=Sleeps())


@pytest.fixture
def echo():
    """Echoes every signed request's headers, and says the key once more in its own words."""
    with GuardedExchange(recorded.binance_routes(), echo=True, leak=f"key on file {KEY}",
                         lifetime_s=60) as server:
        yield server


# -- the redaction itself --------------------------------------------------------------------

class _CcxtLike(Exception):
    """Stands for a ccxt error: translate reads only its class names and text."""


class BadRequest(_CcxtLike):
    pass


def test_configured_and_registered_credentials_and_credential_fields_are_redacted(monkeypatch):
    monkeypatch.setenv("PERPHEDGE_OKX_API_PASSWORD", "pass-phrase-77")
    faults.register_credentials([KEY, None, ""])
    text = (f"okx GET /x?apiKey=abc123&signature=deadbeef {{'X-MBX-APIKEY': 'zzz999'}} "
            f"ok-access-passphrase: pass-phrase-77 key {KEY}")
    out = faults.redact(text)
    for leaked in ("abc123", "deadbeef", "zzz999", "pass-phrase-77", KEY):
        assert leaked not in out
    assert out.count("[redacted]") == 5
    assert faults.redact(out) == out  # redacting twice changes nothing


def test_short_secrets_go_as_whole_tokens_only(monkeypatch):
    monkeypatch.setenv("PERPHEDGE_BYBIT_API_SECRET", "test")
    out = faults.redact("latest test: the key test failed (test)")
    assert out == "latest [redacted]: the key [redacted] failed ([redacted])"


def test_translated_messages_carry_no_credential_even_where_cut_short():
    faults.register_credentials([KEY])
    # the secret straddles the 160-character cut: no first part of it may survive
    err = faults.translate(BadRequest("x" * 130 + KEY), "binanceusdm")
    assert _clean(str(err)) and isinstance(err, MarketError)


# -- end to end, through ccxt's HTTP stack -----------------------------------------------------

def test_service_errors_and_market_rows_carry_no_key(echo, tmp_path):
    svc = _service(echo, tmp_path)
    with pytest.raises(MarketError) as raised:
        svc.leverage_tiers("BTC", "binanceusdm")  # the one signed (private) figure
    assert echo.signed and any(KEY in b for b in echo.bodies)  # the answer did quote the key
    assert _clean(str(raised.value)) and raised.value.__cause__ is None
    rows = svc.market_rows([("BTC", "binanceusdm"), ("ETH", "binanceusdm")])
    assert rows and _clean(repr(rows))
    assert all(_clean(r.status.text(0)) for r in rows if r.status is not None)


def test_snapshot_record_writes_no_key(echo, tmp_path, monkeypatch, capsys):
    target = tmp_path / "snap.json"
    monkeypatch.setattr(snapshot_command, "make_service", lambda: _service(echo, tmp_path))
    code = main(["snapshot", "record", "--exchange", "binanceusdm", "--symbols", "BTC",
                 "--days", "3", "--out", str(target)])
    out, err = capsys.readouterr()
    assert echo.signed and _clean(out + err)
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    absent = {k for m in json.loads(text)["markets"] for k in m["absent"]}
    assert "leverage_tiers" in absent and _clean(text)


def test_excel_functions_return_no_key(tmp_path, monkeypatch):
    """The proxy answers the public price and funding requests too, quoting the key."""
    with GuardedExchange(recorded.binance_routes(), echo=True, leak=f"key on file {KEY}",
                         leak_paths=("/fapi/v1/premiumIndex", "/api/v3/ticker"), lifetime_s=60) as fx:
        reset_service(_service(fx, tmp_path))
        try:
            cells = [udfs.MARK_PRICE("BTC", "binanceusdm"), udfs.FUNDING_RATE("BTC", "binanceusdm"),
                     udfs.SPOT_PRICE("BTC", "binanceusdm"), udfs.MARKET_STATUS("BTC", "binanceusdm")]
        finally:
            reset_service(None)
        assert any(KEY in b for b in fx.bodies)
    assert all(_clean(repr(c)) for c in cells), cells
    assert any("[redacted]" in repr(c) or "refused" in repr(c) for c in cells)


def test_public_data_needs_no_signed_request_with_a_key_set(tmp_path):
    """An IP-restricted key: every signed request is refused (403); markets, prices and
    funding still come, because loading them signs nothing."""
    with GuardedExchange(recorded.binance_routes(), lifetime_s=60) as fx:
        svc = _service(fx, tmp_path)
        funding = svc.funding("BTC", "binanceusdm")
        ticker = svc.mark_index("BTC", "binanceusdm")
        spot = svc.spot_price("BTC", "binanceusdm")
        assert funding.value.rate_per_interval is not None and ticker.value.mark_price > 0
        assert spot.value > 0 and not funding.status.stale
        assert fx.signed == []
        assert svc.clients.client("binanceusdm").apiKey == KEY  # the key is set, just unused


def test_no_file_a_command_writes_nor_anything_it_prints_carries_a_key(tmp_path, monkeypatch, capsys):
    """``new`` (live), ``refresh``, ``check`` and ``share`` against a proxy that quotes the key
    in its answers to the public requests: every part of every file written and every line
    printed is searched."""
    import zipfile

    from perphedge.market import config as market_config

    with GuardedExchange(recorded.binance_routes(), echo=True, leak=f"key on file {KEY}",
                         leak_paths=("/fapi/v1/premiumIndex", "/api/v3/ticker"), lifetime_s=120) as fx:
        config = MarketConfig(cache_dir=tmp_path / "cache", api_base={ex: fx.base_url for ex in BINANCE},
                              api_keys={ex: (KEY, SECRET) for ex in BINANCE})
        monkeypatch.setattr(market_config.MarketConfig, "from_env", classmethod(lambda cls, *a, **k: config))
        book, copy = tmp_path / "hedge.xlsx", tmp_path / "to-send.xlsx"
        codes = [main(["new", str(book)]), main(["refresh", str(book)]),
                 main(["check", str(book)]), main(["share", str(book), str(copy)])]
        assert any(KEY in b for b in fx.bodies)  # the proxy did quote the key
    out, err = capsys.readouterr()
    assert _clean(out + err), (out + err)[:2000]
    assert codes[0] == 0, err
    written = [p for p in tmp_path.rglob("*") if p.is_file() and "cache" not in p.parts]
    assert book in written and copy in written
    for path in written:
        data = path.read_bytes()
        parts = [data]
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as z:
                parts = [z.read(n) for n in z.namelist()]
        for part in parts:
            assert not any(m.encode() in part for m in MARKERS), path
