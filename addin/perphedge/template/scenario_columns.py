"""The Portfolio's hidden per-holding numbers the Scenarios sheet sums.

Each is a plain number on every row (0 on a blank, unpriced or invalid row), so the
Scenarios sheet's SUMPRODUCTs never meet a text cell. ``sc_liq_shock`` is the price
shock at which the row's isolated short is liquidated: its distance to liquidation;
-1 when it is liquidated at once (margin below maintenance: any shock crosses it);
1E+300 when there is no short or it is never liquidated.
"""

from __future__ import annotations

from collections.abc import Mapping

NEVER_SHOCK = "1E+300"


def scenario_formulas(c: dict[str, str]) -> dict[str, str]:
    """The formula (without '=') of each ``sc_*`` column, given the row's cell addresses."""
    priced = f"ISNUMBER({c['spot_value']})"
    hedged = f"ISNUMBER({c['hedged']})"
    return {
        "sc_spot": f"IF({priced},{c['spot_value']},0)",
        "sc_beta": f"IF({priced},N({c['beta_used']}),0)",
        "sc_hedged": f"IF({hedged},{c['hedged']},0)",
        "sc_margin": f"IF(ISNUMBER({c['margin']}),{c['margin']},0)",
        "sc_liq_shock": (f'IF(N({c["sc_hedged"]})<=0,{NEVER_SHOCK},IF(ISNUMBER({c["liq_distance"]}),'
                         f'{c["liq_distance"]},IF({c["liq_price"]}="at entry",-1,{NEVER_SHOCK})))'),
        "sc_funding": f"IF(ISNUMBER({c['funding']}),{c['funding']},0)",
        "sc_fee_rate": f"IF({hedged},N(INDEX(MktFee,MAX(1,N({c['hedge_row']})))),0)",
        "sc_inverse": f"IF({hedged},IF(INDEX(MktInverse,MAX(1,N({c['hedge_row']}))),1,0),0)",
    }


#: The number ``NEVER_SHOCK`` stands for.
NEVER = float(NEVER_SHOCK)


def scenario_values(values: Mapping[str, object], fee_rate: float | None, inverse: bool) -> dict[str, float]:
    """What the ``sc_*`` formulas give on a row whose other cells hold ``values``
    (``core.position.portfolio_row``'s, '' for a blank), ``fee_rate`` and ``inverse`` the
    hedge market's: the cached values the builder writes beside the formulas above."""
    def num(key: str) -> float | None:
        x = values.get(key, "")
        return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None

    spot, hedged = num("spot_value"), num("hedged")
    liq = num("liq_distance")
    if not hedged or hedged <= 0:
        shock = NEVER
    elif liq is not None:
        shock = liq
    else:
        shock = -1.0 if values.get("liq_price") == "at entry" else NEVER
    return {
        "sc_spot": spot if spot is not None else 0.0,
        "sc_beta": (num("beta_used") or 0.0) if spot is not None else 0.0,
        "sc_hedged": hedged if hedged is not None else 0.0,
        "sc_margin": num("margin") or 0.0,
        "sc_liq_shock": shock,
        "sc_funding": num("funding") or 0.0,
        "sc_fee_rate": (fee_rate or 0.0) if hedged is not None else 0.0,
        "sc_inverse": (1.0 if inverse else 0.0) if hedged is not None else 0.0,
    }
