"""``perphedge share IN OUT``."""

from __future__ import annotations

from pathlib import Path

import click

from perphedge.core.errors import PerphedgeError


@click.command("share")
@click.argument("src", metavar="IN", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("dst", metavar="OUT", type=click.Path(dir_okay=False, path_type=Path))
def share(src: Path, dst: Path) -> None:
    """Write OUT: a copy of IN that is safe to send (values instead of add-in formulas,
    no settings sheets, links or macros, market as-of time stamped; everything else,
    pictures and charts included, carried over unchanged)."""
    from perphedge.files import check as ck
    from perphedge.files.share import share_file

    try:
        res = share_file(src, dst)
    except PerphedgeError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"wrote {dst}: {res.formulas_replaced} formulas (add-in functions, external "
               f"links) replaced by their values, "
               f"{len(res.sheets_removed)} settings sheets and {res.links_removed} external "
               f"links removed")
    click.echo(res.stamp)
    if res.not_carried:
        click.echo("not carried over into the copy (send them separately if they matter): "
                   + ", ".join(res.not_carried))
    left = [f for f in ck.check_file(dst) if f.kind not in (*ck.MARKET_DATA_KINDS, "leftover-temp")]
    for f in left:
        click.echo(f"still needs attention: {f.kind} {f.where}: {f.detail}")
    if left:
        raise click.ClickException("the copy still needs attention (see above)")
