"""The Portfolio's hidden per-holding numbers the Scenarios sheet sums.

Each is a plain number on every row (0 on a blank, unpriced or invalid row), so the
Scenarios sheet's SUMPRODUCTs never meet a text cell. ``sc_liq_shock`` is the price
shock at which the row's isolated short is liquidated: its distance to liquidation;
-1 when it is liquidated at once (margin below maintenance: any shock crosses it);
1E+300 when there is no short or it is never liquidated.
"""

from __future__ import annotations

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
