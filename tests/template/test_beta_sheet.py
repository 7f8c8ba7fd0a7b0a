"""The Beta sheet, recalculated in LibreOffice: SLOPE/CORREL/RSQ of the log returns equal
``core.beta.min_variance_hedge`` on the demo's recorded ETH and BTC mark prices, and the
Portfolio's cross-hedge row uses it."""

from __future__ import annotations

import pytest

from perphedge.template import layout as L
from tests.support.reference import same

pytestmark = pytest.mark.libreoffice


def test_demo_beta_matches_core(recalc, demo_path, demo_build):
    wb = recalc(demo_path)
    ws = wb["Beta"]
    beta = demo_build.beta
    assert same(ws["B7"].value, beta.hedge_ratio)
    assert same(ws["B8"].value, beta.correlation)
    assert same(ws["B9"].value, beta.r_squared)
    assert ws["B10"].value == beta.n_returns == 269
    port = wb["Portfolio"]
    assert same(port[f"{L.pcol('beta')}{L.PORTFOLIO_FIRST_ROW + 2}"].value, beta.hedge_ratio)


def test_template_beta_is_blank_without_prices(recalc, template_path):
    ws = recalc(template_path)["Beta"]
    assert ws["B7"].value in (None, "") and ws["B10"].value == 0
