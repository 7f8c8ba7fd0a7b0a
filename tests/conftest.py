"""Fixtures shared by the workbook tests: the demo and template workbooks built once."""

from __future__ import annotations

import os
from pathlib import Path

import openpyxl
import pytest

from perphedge.template.demo import build_demo, build_template
from perphedge.template.libreoffice import find_soffice, recalculate


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory: pytest.TempPathFactory):
    path = tmp_path_factory.mktemp("demo") / "perpetual_hedge_demo.xlsx"
    return build_demo(path)


@pytest.fixture(scope="session")
def demo_path(demo_build) -> Path:
    return demo_build.path


@pytest.fixture(scope="session")
def template_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("template") / "perpetual_hedge.xlsx")


# ----------------------------------------------------------------------------- LibreOffice


def require_libreoffice() -> None:
    """Skip without LibreOffice locally; fail in CI (PERPHEDGE_REQUIRE_LIBREOFFICE=1)."""
    if find_soffice() is None:
        if os.environ.get("PERPHEDGE_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail("LibreOffice (soffice) is required here but not installed")
        pytest.skip("LibreOffice (soffice) not installed")


@pytest.fixture(scope="session")
def recalc(tmp_path_factory: pytest.TempPathFactory):
    """Recalculate a workbook in LibreOffice once; returns the cached values (data_only)."""
    cache: dict[Path, openpyxl.Workbook] = {}

    def run(path: Path) -> openpyxl.Workbook:
        require_libreoffice()
        if path not in cache:
            out = tmp_path_factory.mktemp("recalc") / path.name
            recalculate(path, out)
            cache[path] = openpyxl.load_workbook(out, data_only=True)
        return cache[path]

    return run


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory):
    """Two seeded synthetic portfolios (the first with the edge cases) and one of tiered
    shorts, one workbook each: (path, holdings, market rows, funding history, tiers)."""
    from perphedge.template.build import build_workbook
    from tests.support import generate as g

    books = []
    for seed in (7, 2026):
        holdings, rows = g.generate(seed, 60)
        tables = g.tier_tables(seed, holdings, rows)
        if seed == 7:
            eh, er = g.special_cases()
            holdings, rows = holdings + eh, rows + er
            tables += g.special_tiers()
        path = tmp_path_factory.mktemp("generated") / f"generated_{seed}.xlsx"
        history = g.funding_history(seed)
        build_workbook(holdings, rows, history, path, data_note="Synthetic inputs.",
                       now_ms=g.NOW_MS, tier_tables=tables)
        tiers = {(t.symbol, t.exchange): t.tiers for t in tables}
        books.append((path, holdings, rows, history, tiers))
    # A third book whose every holding shorts a market with narrow tiers (the tier walk).
    holdings, rows, tables = g.generate_tiered(31, 80)
    path = tmp_path_factory.mktemp("generated") / "generated_tiered.xlsx"
    build_workbook(holdings, rows, {}, path, data_note="Synthetic inputs.", now_ms=g.NOW_MS,
                   tier_tables=tables)
    books.append((path, holdings, rows, {}, {(t.symbol, t.exchange): t.tiers for t in tables}))
    return books


@pytest.fixture(autouse=True)
def _no_real_keyring():
    """Market settings read the OS keyring: tests get keyring's failing backend instead of
    the machine's (a test needing keys installs its own in-memory one)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:  # keyring is optional: without it no keyring is read at all
        yield
        return
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)
