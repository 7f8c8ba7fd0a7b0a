"""The package's own exceptions, modelled on ccxt's tree: bad input apart from market
faults, and among market faults the retryable (network) ones apart from the final ones."""

from __future__ import annotations

from typing import Any


class PerphedgeError(Exception):
    """Base of every error this package raises on purpose."""


class InvalidInput(PerphedgeError, ValueError):
    """An argument is missing, of the wrong type or outside its domain.

    The message always names the argument and the offending value, e.g.
    ``hedge_ratio must be between 0 and 1, got 1.5``.
    """

    def __init__(self, argument: str, value: Any, requirement: str) -> None:
        self.argument = argument
        self.value = value
        self.requirement = requirement
        super().__init__(f"{argument} {requirement}, got {_show(value)}")


class BelowMinimum(InvalidInput):
    """A contract count rounds below the market's minimum order amount."""


class HoldingNotPriced(PerphedgeError, ValueError):
    """A holding cannot be sized: a figure its hedge needs is neither given nor in the
    market data. ``holding`` names it (the asset), ``missing`` says what is missing."""

    def __init__(self, holding: str, missing: str) -> None:
        self.holding = holding
        self.missing = missing
        super().__init__(f"{holding}: {missing}")


class UnreadableFile(PerphedgeError, ValueError):
    """A file's text is not laid out as its format says; the message names the file and
    the line."""


class MarketError(PerphedgeError):
    """Market data could not be had. ``exchange`` names where it was asked for."""

    def __init__(self, message: str, exchange: str | None = None) -> None:
        self.exchange = exchange
        super().__init__(message)


class NetworkError(MarketError):
    """Retryable: timeouts, connection failures, HTTP 429/418 and 5xx."""

    def __init__(self, message: str, exchange: str | None = None,
                 retry_after_s: float | None = None) -> None:
        self.retry_after_s = retry_after_s
        super().__init__(message, exchange)


class RateLimited(NetworkError):
    """HTTP 429 or 418: the exchange asks us to slow down."""


class ExchangeError(MarketError):
    """Final: retrying the same request will not help."""


class GeoBlocked(ExchangeError):
    """HTTP 451/403: the exchange refuses this location. The message names another one."""


class UnknownSymbol(ExchangeError, InvalidInput):
    """A symbol the exchange does not list; the message suggests close matches."""

    def __init__(self, symbol: str, exchange: str, suggestions: tuple[str, ...] = ()) -> None:
        self.symbol = symbol
        self.suggestions = suggestions
        hint = f" — did you mean {', '.join(suggestions)}?" if suggestions else ""
        # Both parents' __init__ would format their own message; set their fields instead.
        Exception.__init__(self, f"unknown symbol {symbol} on {exchange}{hint}")
        self.exchange = exchange
        self.argument, self.value, self.requirement = "symbol", symbol, "is not listed"


class DataUnavailable(MarketError):
    """The exchange (or the snapshot) does not provide this datum, e.g. leverage tiers
    without an API key. Never papered over with a made-up figure."""


class ImplausibleFigure(DataUnavailable):
    """The venue answered a figure outside core.plausibility's bounds: it is not used (the
    previous value stays where there is one) and is reported as ``suspect``."""


def _show(value: Any) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, float):
        return repr(value)  # keeps nan/inf visible as such
    return str(value)
