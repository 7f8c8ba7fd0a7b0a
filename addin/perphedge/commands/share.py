"""``perphedge share IN OUT``."""

from __future__ import annotations

from pathlib import Path

import click

from perphedge.commands.output import Failure, claim_output
from perphedge.core.errors import PerphedgeError


@click.command("share")
@click.argument("src", metavar="IN", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("dst", metavar="OUT", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite OUT if it exists.")
def share(src: Path, dst: Path, force: bool) -> None:
    """Write OUT: a copy of IN that is safe to send, built from an allow-list (sheets,
    values, styles, tables, pictures, charts of this workbook, notes); formulas outside it
    become their values, everything else is left out and listed. OUT is written only
    once the copy passes the same check."""
    from perphedge.files.share import share_file

    claim_output(dst, force)
    try:
        res = share_file(src, dst)
    except PerphedgeError as e:
        raise Failure(str(e)) from e
    click.echo(f"wrote {dst}: {res.formulas_replaced} formulas replaced by their values "
               f"(add-in functions, other workbooks, functions outside the allow-list), "
               f"{len(res.sheets_removed)} sheets and {res.links_removed} external links "
               "removed")
    click.echo(res.stamp)
    for r in res.left_out:
        if r.kind != "no-value":
            click.echo(f"left out: {r.kind} {r.where}: {r.detail}")
    for where in res.no_value:
        click.echo(f"no saved value (the cell is empty in the copy, its formula is in the "
                   f"note): {where}")
