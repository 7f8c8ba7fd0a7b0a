"""The account, read only, through the real ccxt code: the recorded fetchPositions /
fetchPosition / fetchFundingHistory answers (ccxt's static test data, tests/fixtures/ccxt)
replayed by URL path give the Positions records, compared field by field with what ccxt
recorded as their parsed result (the fields the fixtures' README calls stable). Then the
signed-request faults against a local exchange on 127.0.0.1, each a message naming the
venue and what to do, with marker keys searched for in every text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from perphedge.core.errors import DataUnavailable, MarketError, RateLimited
from perphedge.core.positions import (
    CROSS,
    MODE_NOT_REPORTED,
    KeyPermissions,
    PlannedHedge,
    key_warning,
    perphedge_liquidation,
    reconcile,
)
from perphedge.market.config import MarketConfig
from perphedge.market.live.clients import ClientPool
from perphedge.market.live.positions import (
    Account,
    ClockOutOfWindow,
    KeyNotPermitted,
    KeyRejected,
    NoKey,
)
from tests.market import recorded
from tests.market.fakeexchange import FakeExchange
from tests.market.guarded import GuardedExchange
from tests.market.helpers import Clock, Sleeps
from tests.market.replay import Replay

KEY = "PERPHEDGE_TEST_MARKER_KEY_3c9e07a1f2"
SECRET = "PERPHEDGE_TEST_MARKER_SECRET_d41b88e0"
PASSPHRASE = "PERPHEDGE_TEST_MARKER_PASS_77aa"
MARKERS = ("PERPHEDGE_TEST_MARKER", KEY, SECRET, PASSPHRASE)


#: The recorded file's Binance leverage brackets, loaded as ccxt's static tests load them
#: (fetch_positions reads them before it parses a position).
BRACKETS = recorded.responses("binance")["options"]["leverageBrackets"]


def _clean(text: str) -> bool:
    return not any(m in text for m in MARKERS)


def _entry(exchange: str, method: str, description: str) -> dict[str, Any]:
    return recorded.response_entry(exchange, method, description)


def _body(exchange: str, method: str, description: str) -> Any:
    return _entry(exchange, method, description)["httpResponse"]


def _parsed(exchange: str, method: str, description: str) -> Any:
    return _entry(exchange, method, description)["parsedResponse"]


#: Binance's spot /api/v3/account in its documented format. SYNTHETIC balances (ccxt
#: recorded no fetchBalance answer): only the reading of the hedged coins is checked.
BINANCE_SPOT_ACCOUNT_SYNTHETIC = {
    "makerCommission": 10, "takerCommission": 10, "canTrade": True, "canWithdraw": True,
    "canDeposit": True, "updateTime": 1707523200000, "accountType": "SPOT",
    "balances": [{"asset": "BTC", "free": "0.50000000", "locked": "0.10000000"},
                 {"asset": "ETH", "free": "2.00000000", "locked": "0.00000000"},
                 {"asset": "USDT", "free": "100.00000000", "locked": "0.00000000"}],
    "permissions": ["SPOT"]}

#: Binance's documented example answer of GET /sapi/v1/account/apiRestrictions
#: (developers.binance.com/docs/wallet/account/api-key-permission): no IP restriction,
#: portfolio-margin trading and internal transfers on, withdrawals off.
BINANCE_API_RESTRICTIONS_EXAMPLE = {
    "ipRestrict": False, "createTime": 1623840271000, "enableReading": True,
    "enableWithdrawals": False, "enableInternalTransfer": True, "enableMargin": False,
    "enableFutures": False, "permitsUniversalTransfer": True, "enableVanillaOptions": False,
    "enableFixApiTrade": False, "enableFixReadOnly": True, "enableSpotAndMarginTrading": False,
    "enablePortfolioMarginTrading": True}


def binance_account_routes() -> dict[str, Any]:
    routes = recorded.binance_routes()
    routes.update({
        "/dapi/v1/exchangeInfo": lambda q: (200, {"symbols": recorded._infos("binance", "inverse")}),
        "/fapi/v3/positionRisk": lambda q: (200, _body("binance", "fetchPositions",
                                                       "Fetch linear positions without symbols")),
        "/dapi/v1/positionRisk": lambda q: (200, _body("binance", "fetchPositions", "inverse positions")),
        # ccxt recorded this answer from the portfolio-margin income endpoint; USDⓈ-M's
        # /fapi/v1/income answers in the same documented format (same fields)
        "/fapi/v1/income": lambda q: (200, _body("binance", "fetchFundingHistory",
                                                 "fetch portfolio margin funding history")),
        "/api/v3/account": lambda q: (200, BINANCE_SPOT_ACCOUNT_SYNTHETIC),
        "/sapi/v1/account/apiRestrictions": lambda q: (200, BINANCE_API_RESTRICTIONS_EXAMPLE),
    })
    return routes


def _bybit_executions(query: Mapping[str, str]) -> tuple[int, Any]:
    """The recorded execution list, answered as Bybit does: only the settlements inside the
    asked startTime..endTime window."""
    body = _body("bybit", "fetchFundingHistory", "linear funding history")
    start, end = int(query.get("startTime", 0)), int(query.get("endTime", 10**14))
    rows = [r for r in body["result"]["list"] if start <= int(r["execTime"]) <= end]
    return 200, {**body, "result": {**body["result"], "list": rows, "nextPageCursor": ""}}


def _bybit_positions(query: Mapping[str, str]) -> tuple[int, Any]:
    """The recorded USDT-settled linear answer for that query; the account holds nothing
    else (an empty list in Bybit's envelope for the USDC-settled and inverse categories)."""
    if query.get("category") == "linear" and query.get("settleCoin") == "USDT":
        return 200, _body("bybit", "fetchPositions", "Fetch linear position")
    return 200, recorded.bybit_envelope(query.get("category", ""), [], nextPageCursor="")


def bybit_account_routes() -> dict[str, Any]:
    routes = recorded.bybit_routes()
    routes.update({
        "/v5/position/list": _bybit_positions,
        "/v5/execution/list": _bybit_executions,
    })
    return routes


def okx_account_routes() -> dict[str, Any]:
    routes = recorded.okx_routes()
    routes["/api/v5/account/positions"] = lambda q: (200, _body("okx", "fetchPosition", "fetch position"))
    return routes


def _account(replay: Replay, tmp_path: Path, exchange: str, now_s: float, **settings: Any) -> Account:
    config = MarketConfig(cache_dir=tmp_path, api_keys={exchange: (KEY, SECRET)},
                          api_passwords={"okx": PASSPHRASE}, **settings)
    clock = Clock(now_s)
    pool = replay.pool(config, clock)
    if exchange.startswith("binance"):
        pool.client(exchange).options["leverageBrackets"] = BRACKETS
    return Account(config, pool, clock=clock, sleep=lambda s: None)


def _ts(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def _assert_stable_fields(position, parsed: Mapping[str, Any]) -> None:
    sign = -1 if parsed["side"] == "short" else 1
    assert position.symbol == parsed["symbol"]
    assert position.contracts == sign * parsed["contracts"]
    assert position.contract_size == parsed["contractSize"]
    assert position.entry_price == parsed["entryPrice"]
    assert position.mark_price == parsed["markPrice"]
    assert position.notional_settle == (abs(parsed["notional"]) if parsed["notional"] is not None else None)
    assert position.leverage == parsed["leverage"]
    assert position.unrealized_pnl == parsed["unrealizedPnl"]
    assert position.timestamp_ms == parsed["timestamp"]
    assert position.liquidation_price == parsed["liquidationPrice"]


# -- recorded answers through ccxt -----------------------------------------------------------

def test_binance_linear_position_replayed(tmp_path):
    replay = Replay(binance_account_routes())
    got = _account(replay, tmp_path, "binanceusdm", _ts(2024, 7, 28, 12)).positions("binanceusdm")
    parsed, = _parsed("binance", "fetchPositions", "Fetch linear positions without symbols")
    pos, = got
    _assert_stable_fields(pos, parsed)
    assert (pos.contracts, pos.margin_mode, pos.hedge_mode, pos.inverse) == (0.009, CROSS, False, False)
    assert pos.isolated_margin is None  # a cross position holds no margin of its own
    assert replay.count("/fapi/v3/positionRisk") == 1
    assert all("signature" in q for _, p, q in replay.log if p == "/fapi/v3/positionRisk")


def test_binance_inverse_position_replayed_and_zero_size_entries_dropped(tmp_path):
    replay = Replay(binance_account_routes())
    got = _account(replay, tmp_path, "binancecoinm", _ts(2024, 7, 28, 12)).positions("binancecoinm")
    # the answer lists BTCUSD_PERP (-3) and BCHUSD_241227 (0): only the open one comes back
    pos, = got
    _assert_stable_fields(pos, _parsed("binance", "fetchPositions", "inverse positions")[0])
    assert (pos.contracts, pos.contract_size, pos.inverse, pos.margin_mode) == (-3.0, 100.0, True, CROSS)


def test_bybit_position_replayed_margin_mode_not_reported(tmp_path):
    replay = Replay(bybit_account_routes())
    pos, = _account(replay, tmp_path, "bybit", _ts(2023, 11, 14, 16)).positions("bybit")
    parsed, = _parsed("bybit", "fetchPositions", "Fetch linear position")
    _assert_stable_fields(pos, parsed)
    # ccxt gives Bybit's marginMode as None (Bybit retired tradeMode): labelled, not assumed
    assert parsed["marginMode"] is None and pos.margin_mode == MODE_NOT_REPORTED
    assert pos.contracts == 1.2
    # every category asked, so an inverse or USDC-settled hedge is not missed
    asked = [(q.get("category"), q.get("settleCoin")) for _, p, q in replay.log if p == "/v5/position/list"]
    assert asked == [("linear", "USDT"), ("linear", "USDC"), ("inverse", None)]


def test_okx_position_replayed_hedge_mode_recognised(tmp_path):
    replay = Replay(okx_account_routes())
    pos, = _account(replay, tmp_path, "okx", _ts(2024, 4, 6, 9)).positions("okx")
    parsed = _parsed("okx", "fetchPosition", "fetch position")
    assert (pos.symbol, pos.contracts, pos.entry_price) == (parsed["symbol"], parsed["contracts"],
                                                            parsed["entryPrice"])
    assert (pos.mark_price, pos.timestamp_ms) == (parsed["markPrice"],
                                                  parsed["timestamp"])
    # OKX's posSide "long" is long/short (hedge) mode: ccxt's hedged flag
    assert parsed["hedged"] is True and pos.hedge_mode
    assert pos.margin_mode == CROSS
    # the passphrase went as OKX's header; the answer path is the positions endpoint
    assert replay.count("/api/v5/account/positions") == 1


def test_bybit_funding_paid_signed_from_the_account_side(tmp_path):
    replay = Replay(bybit_account_routes())
    # 2024-03-20 09:00 UTC: one hour after the last recorded settlement; 7 days cover them
    paid = _account(replay, tmp_path, "bybit", _ts(2024, 3, 20, 9)).funding_paid("bybit", "LTC", 7)
    raw = _body("bybit", "fetchFundingHistory", "linear funding history")["result"]["list"]
    assert len(paid.payments) == len(raw) and not paid.truncated
    by_time = {p.timestamp_ms: p.amount_settle for p in paid.payments}
    # Bybit's execFee is what the position paid: a long ("Buy") at rate +0.0001 paid
    # 0.0007797 (received −0.0007797); at −0.000881 it received 0.00708126
    assert by_time[1710892800000] == -0.0007797
    assert by_time[1710921600000] == 0.00708126
    assert paid.total_settle == pytest.approx(-sum(float(r["execFee"]) for r in raw), abs=1e-12)
    # windows of 4 days: 7 days take 2 requests, each inside Bybit's 7-day limit
    windows = [(int(q["startTime"]), int(q["endTime"])) for _, p, q in replay.log if p == "/v5/execution/list"]
    assert len(windows) == 2 and all(0 < e - s < 7 * 86_400_000 for s, e in windows)


def test_binance_funding_paid_income_sign_kept(tmp_path):
    replay = Replay(binance_account_routes())
    paid = _account(replay, tmp_path, "binanceusdm", _ts(2024, 2, 10)).funding_paid("binanceusdm", "BTC", 3)
    payment, = paid.payments
    # Binance's income is signed for the account: -0.04618913 USDT was paid
    assert (payment.timestamp_ms, payment.amount_settle, payment.currency) == (1707465600000, -0.04618913, "USDT")
    asked = [q for _, p, q in replay.log if p == "/fapi/v1/income"]
    assert asked and asked[0]["incomeType"] == "FUNDING_FEE" and asked[0]["symbol"] == "BTCUSDT"


def test_spot_balances_of_the_hedged_coins(tmp_path):
    replay = Replay(binance_account_routes())
    got = _account(replay, tmp_path, "binanceusdm", _ts(2024, 2, 10)).spot_balances("binanceusdm", ["btc", "SOL"])
    assert [(b.coin, b.free, b.used, b.total) for b in got] == [("BTC", 0.5, 0.1, 0.6), ("SOL", 0.0, 0.0, 0.0)]
    assert replay.count("/api/v3/account") == 1  # the spot wallet, not the futures one


def test_binance_key_permissions_warn_about_a_trading_key(tmp_path):
    replay = Replay(binance_account_routes())
    perms = _account(replay, tmp_path, "binanceusdm", _ts(2024, 2, 10)).key_permissions("binanceusdm")
    assert perms == KeyPermissions("binanceusdm", True, True, False, False)
    warning = key_warning(perms)
    assert warning is not None and "trade" in warning and "any IP" in warning and "read-only" in warning
    assert key_warning(KeyPermissions("binanceusdm", True, False, False, True)) is None


#: Bybit's GET /v5/user/query-api in its documented format
#: (bybit-exchange.github.io/docs/v5/user/apikey-info). SYNTHETIC values: a read-only key
#: bound to one address, and a read-and-write one that may withdraw, bound to none.
BYBIT_READ_ONLY_KEY = {"retCode": 0, "retMsg": "", "result": {
    "id": "1", "note": "perphedge", "apiKey": "[not shown]", "readOnly": 1, "secret": "",
    "permissions": {"ContractTrade": [], "Spot": [], "Wallet": [], "Options": [], "Derivatives": []},
    "ips": ["203.0.113.7"], "type": 1, "unified": 0, "uta": 1}, "retExtInfo": {}, "time": 1700000000000}
BYBIT_TRADING_KEY = {**BYBIT_READ_ONLY_KEY, "result": {
    **BYBIT_READ_ONLY_KEY["result"], "readOnly": 0, "ips": ["*"],
    "permissions": {"ContractTrade": ["Order", "Position"], "Wallet": ["AccountTransfer", "Withdraw"]}}}

#: OKX's GET /api/v5/account/config in its documented format; SYNTHETIC values (``perm``
#: and ``ip`` are the fields read).
OKX_CONFIG_TRADE_NO_IP = {"code": "0", "msg": "", "data": [
    {"uid": "1", "mainUid": "1", "acctLv": "2", "posMode": "long_short_mode", "autoLoan": False,
     "perm": "read_only,trade", "ip": "", "label": "perphedge"}]}


@pytest.mark.parametrize(("body", "expected"), [
    (BYBIT_READ_ONLY_KEY, KeyPermissions("bybit", True, False, False, True)),
    (BYBIT_TRADING_KEY, KeyPermissions("bybit", True, True, True, False)),
])
def test_bybit_key_permissions(body, expected, tmp_path):
    routes = bybit_account_routes()
    routes["/v5/user/query-api"] = lambda q: (200, body)
    got = _account(Replay(routes), tmp_path, "bybit", _ts(2024, 3, 20)).key_permissions("bybit")
    assert got == expected
    assert (key_warning(got) is None) == (body is BYBIT_READ_ONLY_KEY)


def test_okx_key_permissions(tmp_path):
    routes = okx_account_routes()
    routes["/api/v5/account/config"] = lambda q: (200, OKX_CONFIG_TRADE_NO_IP)
    got = _account(Replay(routes), tmp_path, "okx", _ts(2024, 4, 6)).key_permissions("okx")
    assert got == KeyPermissions("okx", True, True, False, False)
    assert "okx API key can trade and be used from any IP address" in (key_warning(got) or "")


# -- the exchange's liquidation price beside perphedge's ---------------------------------------

def test_recorded_cross_liquidation_explained_by_the_wallet_balance(tmp_path):
    """The recorded Binance COIN-M short (3 × 100 USD at 68 911, cross margin) liquidates at
    72 491.17 by Binance's own figure. Cross margin means the whole wallet balance of the
    settle coin backs the position, not a margin set aside for it; so perphedge does not
    compare it (reconcile labels it ``cross`` and computes nothing). With the same inputs
    perphedge's isolated formula gives:

    - with the position's own initial margin at 20× (300/68 911/20 = 0.00021767 BTC):
      LP = 300 × (1 − 0.004) / (300/68 911 − 0.00021767) = 72 248, 0.34 % closer than Binance's
      (inside the 0.5 % tolerance: the ``cross`` label, not a flag, is what tells);
    - with the account's wallet balance ccxt recorded as the position's collateral
      (0.00023156 BTC): 72 491.17, Binance's price to 1e-6 — the difference is the extra
      wallet balance a cross position draws on."""
    replay = Replay(binance_account_routes())
    pos, = _account(replay, tmp_path, "binancecoinm", _ts(2024, 7, 28, 12)).positions("binancecoinm")
    plan = PlannedHedge("binancecoinm", pos.symbol, 3.0, 0.5, 1.0, mmr=0.004)
    row, = reconcile([pos], [plan])
    assert (row.margin_label, row.perphedge_liquidation_price, row.liquidation_flag) == ("cross", None, None)
    assert row.exchange_liquidation_price == 72491.16879818
    wallet = _parsed("binance", "fetchPositions", "inverse positions")[0]["collateral"]
    as_isolated = replace(pos, margin_mode="isolated", isolated_margin=300 / pos.entry_price / 20)
    own = perphedge_liquidation(as_isolated, plan)
    assert own == pytest.approx(300 * 0.996 / (300 / 68911.00000037 - 300 / 68911.00000037 / 20), rel=1e-12)
    assert 0.002 < (pos.liquidation_price - own) / pos.liquidation_price < 0.004
    with_wallet = perphedge_liquidation(replace(as_isolated, isolated_margin=wallet), plan)
    assert with_wallet == pytest.approx(pos.liquidation_price, rel=1e-6)


# -- signed-request faults against the local exchange ------------------------------------------

class SignedFaults(FakeExchange):
    """Answers a signed path the way each venue refuses a key (their documented codes)."""

    @staticmethod
    def _faulty(fault):  # type: ignore[override]
        bodies = {
            "401-key": (401, b'{"code":-2014,"msg":"API-key format invalid."}'),
            "401-perm": (401, b'{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."}'),
            "403": (403, b'{"code":-2015,"msg":"Forbidden"}'),
            "-1021": (400, b'{"code":-1021,"msg":"Timestamp for this request is outside of the recvWindow."}'),
        }
        if fault.kind in bodies:
            status, body = bodies[fault.kind]
            return status, body, {}, 0.0
        return FakeExchange._faulty(fault)


def _local_account(fx: FakeExchange, tmp_path: Path, sleeps: Sleeps | None = None) -> Account:
    config = MarketConfig(cache_dir=tmp_path, api_base={"binanceusdm": fx.base_url},
                          api_keys={"binanceusdm": (KEY, SECRET)})
    clock = Clock(_ts(2024, 7, 28, 12))
    pool = ClientPool(config, clock=clock, sleep=sleeps or Sleeps())
    pool.client("binanceusdm").options["leverageBrackets"] = BRACKETS
    return Account(config, pool, clock=clock, sleep=sleeps or Sleeps())


@pytest.mark.parametrize(("kind", "error", "words"), [
    ("401-key", KeyRejected, ("rejected the API key", "perphedge keys set binanceusdm")),
    ("401-perm", KeyNotPermitted, ("-2015", "wrong key", "IP address", "permission", "keys set")),
    ("403", KeyNotPermitted, ("permission", "allow-list")),
    ("-1021", ClockOutOfWindow, ("clock", "receive window", "time synchronisation")),
])
def test_signed_faults_name_the_venue_and_what_to_do(kind, error, words, tmp_path):
    with SignedFaults(binance_account_routes(), lifetime_s=60) as fx:
        account = _local_account(fx, tmp_path)
        fx.fault("/fapi/v3/positionRisk", kind, times=5)
        with pytest.raises(error) as raised:
            account.positions("binanceusdm")
        assert fx.count("/fapi/v3/positionRisk") == 1  # final: not asked again
    text = str(raised.value)
    assert text.startswith("binanceusdm ") and all(w in text for w in words), text
    assert _clean(text) and raised.value.__cause__ is None


def test_429_is_retried_then_a_rate_limit_message(tmp_path):
    sleeps = Sleeps()
    with SignedFaults(binance_account_routes(), lifetime_s=60) as fx:
        account = _local_account(fx, tmp_path, sleeps)
        fx.fault("/fapi/v3/positionRisk", "429", times=5, retry_after="1")
        with pytest.raises(RateLimited, match="binanceusdm rate limit") as raised:
            account.positions("binanceusdm")
        assert fx.count("/fapi/v3/positionRisk") == 3  # one try, two retries
    assert sleeps.waits == [1.0, 1.0] and _clean(str(raised.value))


def test_the_local_exchange_answers_positions_when_nothing_fails(tmp_path):
    with SignedFaults(binance_account_routes(), lifetime_s=60) as fx:
        pos, = _local_account(fx, tmp_path).positions("binanceusdm")
    assert pos.contracts == 0.009


def test_a_venue_without_the_method_and_a_missing_key_are_refused_before_any_request(tmp_path):
    import ccxt

    assert ccxt.bitstamp().has["fetchPositions"] is not True  # a spot-only venue
    config = MarketConfig(cache_dir=tmp_path, api_keys={"bitstamp": (KEY, SECRET)})
    replay = Replay({})
    account = Account(config, replay.pool(config, Clock()), sleep=lambda s: None)
    with pytest.raises(DataUnavailable, match="bitstamp does not provide account reads"):
        account.positions("bitstamp")
    with pytest.raises(NoKey, match="no API key configured.*perphedge keys set bybit"):
        account.positions("bybit")
    assert replay.log == []


def test_okx_without_its_passphrase_is_told_what_is_missing(tmp_path):
    config = MarketConfig(cache_dir=tmp_path, api_keys={"okx": (KEY, SECRET)})
    replay = Replay(okx_account_routes())
    account = Account(config, replay.pool(config, Clock()), sleep=lambda s: None)
    with pytest.raises(NoKey, match="okx needs the key's password.*passphrase") as raised:
        account.positions("okx")
    assert _clean(str(raised.value))
    assert replay.count("/api/v5/account/positions") == 0


def test_an_echoing_gateway_puts_no_key_in_any_message(tmp_path):
    """The proxy answers every signed request 401 quoting its headers (the API key) and the
    key once more in its own words; every message and record made from it is searched."""
    texts: list[str] = []
    with GuardedExchange(binance_account_routes(), echo=True, leak=f"key on file {KEY}",
                         lifetime_s=60) as fx:
        account = _local_account(fx, tmp_path)
        for call in (lambda: account.positions("binanceusdm"),
                     lambda: account.funding_paid("binanceusdm", "BTC", 3),
                     lambda: account.spot_balances("binanceusdm", ["BTC"]),
                     lambda: account.key_permissions("binanceusdm")):
            with pytest.raises(MarketError) as raised:
                call()
            texts += [str(raised.value), repr(raised.value), repr(raised.value.args)]
        assert fx.signed and any(KEY in b for b in fx.bodies)  # the answers did quote the key
    assert texts and all(_clean(t) for t in texts), texts
