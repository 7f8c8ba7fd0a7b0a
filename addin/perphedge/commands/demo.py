"""``perphedge demo``: the demo portfolio from the embedded recorded snapshot — a hedge
workbook written to disk and the same hedge plan printed."""

from __future__ import annotations

from pathlib import Path

import click

from perphedge.commands.output import BadInput, claim_output
from perphedge.commands.plan import echo_plan


@click.command("demo")
@click.option("--out", default="perpetual_hedge_demo.xlsx", show_default=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the demo workbook.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--force", is_flag=True, help="Overwrite the --out file if it exists.")
def demo(out: Path, as_json: bool, force: bool) -> None:
    """Build the demo hedge workbook from recorded market data and print its plan."""
    if out.suffix.lower() != ".xlsx":
        raise BadInput(f"--out must end in .xlsx, got {out}")
    claim_output(out, force)
    # Imported here: the workbook stack (openpyxl) is not needed by the other commands.
    from perphedge.core.plan import plan_hedge
    from perphedge.template.demo import build_demo, plan_holdings

    summary = build_demo(out)
    notes = summary.notes + (f"Workbook written to {summary.path}",)
    echo_plan(plan_hedge(plan_holdings(summary)), as_json, notes)
