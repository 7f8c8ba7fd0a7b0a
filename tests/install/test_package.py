"""The add-in builds from an installed wheel, with no checkout around it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_an_installed_wheel_carries_the_ribbon_and_builds_the_addin(tmp_path):
    src = tmp_path / "src"
    shutil.copytree(REPO / "addin" / "perphedge", src / "addin" / "perphedge",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--no-index", "-q", str(src), "-w",
                    str(tmp_path / "dist")], check=True, capture_output=True, timeout=240)
    [wheel] = (tmp_path / "dist").glob("perphedge-*.whl")
    with zipfile.ZipFile(wheel) as z:
        assert "perphedge/data/customUI.xml" in z.namelist()
        z.extractall(tmp_path / "site")
    # run from a folder that is neither the checkout nor the unpacked wheel
    neutral = tmp_path / "elsewhere"
    neutral.mkdir()
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(tmp_path / 'site')!r})
        import perphedge
        print(perphedge.__file__)
        from perphedge.cli import main
        sys.exit(main(["addin", "install", "--target", {str(tmp_path / 'XLSTART')!r},
                       "--platform", "win"]))
    """)
    r = subprocess.run([sys.executable, "-c", code], cwd=neutral, capture_output=True, text=True,
                       timeout=240, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.splitlines()[0].startswith(str(tmp_path / "site"))
    assert (tmp_path / "XLSTART" / "perphedge.xlam").is_file()
