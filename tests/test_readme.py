"""The README's quick start is what CI runs: two commands, verbatim in .ci/run."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", section, flags=re.S)]


def test_quick_start_has_exactly_two_one_line_commands():
    commands = quick_start_commands()
    assert len(commands) == 2
    assert all("\n" not in c for c in commands)
    install, test = commands
    assert 'pip install -e ".[test]"' in install and install.endswith("perphedge demo")
    assert "pytest" in test


def test_ci_runs_the_readme_commands_verbatim():
    ci_lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    for command in quick_start_commands():
        assert command in ci_lines


def test_ci_fails_when_no_test_ran():
    ci = (ROOT / ".ci" / "run").read_text()
    assert '"$status" -eq 5' in ci and "exit 1" in ci


def test_readme_lists_every_command():
    from perphedge.cli import COMMANDS

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in COMMANDS if f"`perphedge {name}" not in text]
    assert missing == []


def test_every_page_and_picture_the_readme_and_docs_link_exists():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (page.parent / target).exists(), f"{page.name} links {target}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for doc in ("functions.md", "workbook.md", "market-data.md", "benchmarks.md", "architecture.md"):
        assert f"](docs/{doc})" in readme, doc
