"""The layout is the architecture (DESIGN §2): the import contract, the linters and the type
checker run with the tests, so a change that breaks a layer fails here, not in review."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import perphedge

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(perphedge.__file__).resolve().parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which(command[0], path=str(Path(sys.executable).parent)) or command[0]
    return subprocess.run([tool, *command[1:]], cwd=ROOT, capture_output=True, text=True, timeout=300)


def _contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def test_import_contract_is_kept():
    done = _run("lint-imports", "--no-cache")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_layers_contract_names_every_top_level_package():
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    named = {name.strip() for layer in layers for name in layer.split("|")}
    top = {f"perphedge.{p.stem if p.is_file() else p.name}" for p in PACKAGE.iterdir()
           if (p.is_file() and p.suffix == ".py" and p.name != "__init__.py")
           or (p.is_dir() and (p / "__init__.py").exists())}
    assert top == named, f"not in the layers contract: {sorted(top - named)}; gone: {sorted(named - top)}"


def test_a_reversed_import_breaks_the_contract(tmp_path):
    # the contract can fail: the same configuration over a copy with core importing market
    copy = tmp_path / "addin"
    shutil.copytree(PACKAGE, copy / "perphedge", ignore=shutil.ignore_patterns("__pycache__", "data"))
    with (copy / "perphedge" / "core" / "sizing.py").open("a", encoding="utf-8") as f:
        f.write("\nfrom perphedge.market import symbols  # noqa\n")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8"),
                                            encoding="utf-8")
    tool = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    done = subprocess.run([tool, "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(copy), "PATH": str(Path(sys.executable).parent)})
    assert done.returncode != 0
    assert "perphedge.core is not allowed to import perphedge.market" in done.stdout


def test_ruff_is_clean_over_package_tests_and_benchmarks():
    done = _run("ruff", "check", "--no-cache", "addin", "tests", "benchmarks")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_is_clean_over_core_market_and_catalogue():
    done = _run("mypy", "--no-incremental", "--cache-dir", "/dev/null")
    assert done.returncode == 0, done.stdout + done.stderr
