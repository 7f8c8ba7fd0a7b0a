"""Replays shared by the market tests: each exchange's recorded answers (``recorded``),
plus the few bodies whose figures were never recorded, built in the exchange's documented
format and labelled SYNTHETIC (only parsing and selection are asserted on them)."""

from __future__ import annotations

from . import recorded
from .replay import Replay


def binance() -> Replay:
    return Replay(recorded.binance_routes())


def lot_size(symbol: str) -> dict[str, str]:
    """Binance's raw LOT_SIZE filter of a recorded market."""
    info = recorded.markets("binance")[symbol]["info"]
    return next(f for f in info["filters"] if f["filterType"] == "LOT_SIZE")


#: Bybit's documented /v5/market/risk-limit format. The figures are SYNTHETIC inputs (no
#: recorded answer exists): the tests check parsing, ordering and the maintenance amount.
BYBIT_RISK_LIMIT_SYNTHETIC = recorded.bybit_envelope("linear", [
    {"id": 2, "symbol": "BTCUSDT", "riskLimitValue": "3000000", "maintenanceMargin": "0.0055",
     "initialMargin": "0.0105", "isLowestRisk": 0, "maxLeverage": "95.23", "mmDeduction": "1000"},
    {"id": 1, "symbol": "BTCUSDT", "riskLimitValue": "2000000", "maintenanceMargin": "0.005",
     "initialMargin": "0.01", "isLowestRisk": 1, "maxLeverage": "100.00", "mmDeduction": ""},
    {"id": 1, "symbol": "ETHUSDT", "riskLimitValue": "1000000", "maintenanceMargin": "0.005",
     "initialMargin": "0.01", "isLowestRisk": 1, "maxLeverage": "100.00", "mmDeduction": ""},
], nextPageCursor="")


def bybit() -> Replay:
    return Replay(recorded.bybit_routes(BYBIT_RISK_LIMIT_SYNTHETIC))


#: OKX's documented /public/funding-rate format, with the example values quoted in ccxt's
#: okx source (a format example, not a market recording): parsing only.
OKX_FUNDING_EXAMPLE = {"code": "0", "msg": "", "data": [
    {"fundingRate": "0.00027815", "fundingTime": "1634256000000", "instId": "BTC-USD-SWAP",
     "instType": "SWAP", "nextFundingRate": "0.00017", "nextFundingTime": "1634284800000"}]}

#: OKX's documented /public/position-tiers format; SYNTHETIC figures: parsing only.
OKX_TIERS_SYNTHETIC = {"code": "0", "msg": "", "data": [
    {"instFamily": "BTC-USDT", "instId": "", "tier": "1", "minSz": "0", "maxSz": "500",
     "mmr": "0.004", "imr": "0.01", "maxLever": "100", "baseMaxLoan": "", "quoteMaxLoan": "",
     "optMgnFactor": "0", "uly": "BTC-USDT"},
    {"instFamily": "BTC-USDT", "instId": "", "tier": "2", "minSz": "500", "maxSz": "1000",
     "mmr": "0.005", "imr": "0.0133", "maxLever": "75", "baseMaxLoan": "", "quoteMaxLoan": "",
     "optMgnFactor": "0", "uly": "BTC-USDT"}]}


def okx() -> Replay:
    return Replay(recorded.okx_routes({
        "/api/v5/public/funding-rate": lambda q: (200, OKX_FUNDING_EXAMPLE),
        "/api/v5/public/position-tiers": lambda q: (200, OKX_TIERS_SYNTHETIC),
    }))
