"""Each venue's isolated-margin rule, one module per venue family, and the registry that
picks the rule of a row's exchange (DESIGN §3 "Venue rules").

An exchange with no rule here is liquidated by the declared default (Binance's rule) and every
place that shows such a number says so (:func:`default_note`).
"""

from __future__ import annotations

from dataclasses import replace

from perphedge.core.margin_rules import binance, bybit, okx
from perphedge.core.margin_rules.rule import MarginRule

RULES: tuple[MarginRule, ...] = (binance.USDM, binance.COINM, bybit.LINEAR, bybit.INVERSE,
                                 okx.LINEAR, okx.INVERSE)

DEFAULT_LINEAR = replace(binance.USDM, name="default (Binance USDⓈ-M's rule)", exchanges=(), default=True)
DEFAULT_INVERSE = replace(binance.COINM, name="default (Binance COIN-M's rule)", exchanges=(), default=True)

def rule_for(exchange: str | None, inverse: bool) -> MarginRule:
    """The rule of ``exchange`` (a ccxt id) for a linear or inverse short; with no exchange
    named, Binance's (the default exchange's venue, USDⓈ-M or COIN-M); the declared default
    where the venue's own rule is not known."""
    if exchange is None or not exchange.strip():
        return binance.COINM if inverse else binance.USDM
    ex = exchange.strip().lower()
    for rule in RULES:
        if rule.inverse == inverse and ex in rule.exchanges:
            return rule
    return DEFAULT_INVERSE if inverse else DEFAULT_LINEAR


#: How a row liquidated by the default rule says so (the exchange's name follows).
DEFAULT_NOTE_LEAD = "liquidation price by Binance's rule"


def default_note(exchange: str) -> str:
    """What a row whose venue has no known rule says beside its liquidation price."""
    return f"{DEFAULT_NOTE_LEAD}: {exchange}'s own is not known"


def exchanges_where(inverse: bool, **fields: bool) -> tuple[str, ...]:
    """The exchange ids whose rule has the given field values (the workbook's formulas pick
    a venue's terms by exchange id, from this one statement)."""
    return tuple(sorted({ex for rule in RULES if rule.inverse == inverse
                         and all(getattr(rule, k) == v for k, v in fields.items())
                         for ex in rule.exchanges}))
