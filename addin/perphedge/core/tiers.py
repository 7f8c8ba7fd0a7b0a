"""Leverage tiers from (floor, maintenance-margin rate) brackets, with exact maintenance
amounts.

Some sources give only the brackets — the notional floor of each tier and its rate, as
decimal strings (Binance's ``leverageBracket`` as ccxt keeps it in
``options.leverageBrackets``) — without the maintenance amount ("cum") nor the tier's
maximum leverage. Binance's documented rule gives the amount:

    amount_1 = 0,   amount_n = floor_n × (mmr_n − mmr_{n−1}) + amount_{n−1}

the amount that keeps the maintenance margin ``notional × mmr − amount`` continuous at
every floor. It is computed here with :class:`decimal.Decimal` from the decimal texts, so
it comes out as Binance publishes it (150 for ETHUSDT's 100,000 floor, where binary
floats give 149.99999999999997). The maximum leverage is not derived from anything: it
stays absent (``None``).

Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, DecimalException, Inexact, InvalidOperation, localcontext
from typing import Any

from perphedge.core.errors import InvalidInput
from perphedge.core.marketdata import LeverageTier

#: The units a tier's floors can be in (``LeverageTier.notional_unit``).
NOTIONAL_UNITS = ("quote", "base", "contracts")

Bracket = tuple[Decimal, Decimal]


def _decimal(name: str, value: Any) -> Decimal:
    """A finite decimal from a decimal text, an int or a Decimal.

    A float is read as its shortest decimal text (0.0065 as ``0.0065``), not as its binary
    expansion; bools are refused.
    """
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise InvalidInput(name, value, "must be a decimal number")
    try:
        d = Decimal(repr(value) if isinstance(value, float) else value)
    except (InvalidOperation, ValueError):
        raise InvalidInput(name, value, "must be a decimal number") from None
    if not d.is_finite():
        raise InvalidInput(name, value, "must be a finite number")
    return d


def parse_brackets(brackets: Any) -> tuple[Bracket, ...]:
    """The brackets as exact (floor, mmr) Decimals, checked.

    Lowest first; the first floor 0; floors strictly increasing; rates in [0, 1) and
    never decreasing (a larger position never needs a smaller rate).
    """
    if isinstance(brackets, (str, bytes)) or not isinstance(brackets, Sequence) or not brackets:
        raise InvalidInput("brackets", brackets, "must be a non-empty list of (floor, mmr) pairs")
    out: list[Bracket] = []
    for i, pair in enumerate(brackets):
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise InvalidInput(f"brackets[{i}]", pair, "must be a (floor, mmr) pair")
        floor = _decimal(f"brackets[{i}] floor", pair[0])
        rate = _decimal(f"brackets[{i}] mmr", pair[1])
        if not Decimal(0) <= rate < Decimal(1):
            raise InvalidInput(f"brackets[{i}] mmr", pair[1], "must be at least 0 and below 1")
        if i == 0:
            if floor != 0:
                raise InvalidInput("brackets[0] floor", pair[0], "must be 0")
        else:
            prev_floor, prev_rate = out[-1]
            if floor <= prev_floor:
                raise InvalidInput(f"brackets[{i}] floor", pair[0],
                                   f"must exceed the previous floor {prev_floor}")
            if rate < prev_rate:
                raise InvalidInput(f"brackets[{i}] mmr", pair[1],
                                   f"must not be below the previous tier's {prev_rate}")
        out.append((floor, rate))
    return tuple(out)


def maint_amounts_exact(brackets: Any) -> tuple[Decimal, ...]:
    """Maintenance amounts of (floor, mmr) brackets, lowest first, as exact Decimals.

    amount_1 = 0, amount_n = floor_n × (mmr_n − mmr_{n−1}) + amount_{n−1} (Binance's rule):
    for BTCUSDT's [0, 0.004], [50000, 0.005], [250000, 0.01] this is 0, 50, 1300.
    """
    parsed = parse_brackets(brackets)
    amounts = [Decimal(0)]
    with localcontext() as ctx:
        # Exact or nothing: a rounded product would no longer be the published amount.
        ctx.prec = 200
        ctx.traps[Inexact] = True
        try:
            for (_, prev_rate), (floor, rate) in zip(parsed, parsed[1:]):
                amounts.append(floor * (rate - prev_rate) + amounts[-1])
        except DecimalException:
            raise InvalidInput("brackets", brackets,
                               "have too many digits for an exact maintenance amount") from None
    return tuple(amounts)


def tiers_from_brackets(brackets: Any, notional_unit: str = "quote") -> tuple[LeverageTier, ...]:
    """(floor, mmr) brackets as :class:`LeverageTier` records, numbered 1..n, lowest first.

    Each tier runs from its floor to the next one's; the last has no cap
    (``max_notional`` infinite): a list of brackets does not say where the exchange's last
    tier ends, so a position above the last floor is given the last tier — whoever serves
    these tiers says that the list stops at that floor. ``maint_amount`` is the exact
    amount (:func:`maint_amounts_exact`) as a float; ``max_leverage`` is None (not given).
    ``notional_unit`` is what the floors are in: ``quote``, ``base`` (the coin, Binance
    COIN-M) or ``contracts``.
    """
    if notional_unit not in NOTIONAL_UNITS:
        raise InvalidInput("notional_unit", notional_unit, f"must be one of {', '.join(NOTIONAL_UNITS)}")
    parsed = parse_brackets(brackets)
    amounts = maint_amounts_exact(parsed)
    caps = [float(floor) for floor, _ in parsed[1:]] + [float("inf")]
    return tuple(
        LeverageTier(tier=i, min_notional=float(floor), max_notional=cap, mmr=float(rate),
                     maint_amount=float(amount), max_leverage=None, notional_unit=notional_unit)
        for i, ((floor, rate), amount, cap) in enumerate(zip(parsed, amounts, caps), start=1))
