"""Fixtures shared by the workbook tests: the demo and template workbooks built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from perphedge.workbook.demo import build_demo, build_template


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
