"""``perphedge check FILE [--json] [--max-age-hours N]``."""

from __future__ import annotations

import json
from pathlib import Path

import click


class NeedsAttention(click.ClickException):
    exit_code = 1


@click.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--max-age-hours", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Market data older than this needs a refresh (default: the workbook's "
                   "MaxDataAgeHours, else 24).")
def check(file: Path, as_json: bool, max_age_hours: float | None) -> None:
    """Report what in workbook FILE needs attention; exit 1 if anything does."""
    from perphedge.files import check as ck

    findings = ck.check_file(file, max_age_hours=max_age_hours)
    if as_json:
        click.echo(json.dumps({"file": str(file), "clean": not findings,
                               "findings": ck.as_json(findings)}, indent=2))
    elif not findings:
        click.echo(f"{file}: nothing needs attention")
    else:
        for f in findings:
            click.echo(f"{f.kind:<14} {f.where}: {f.detail}")
    if findings:
        raise NeedsAttention(f"{len(findings)} finding(s) in {file.name}")
