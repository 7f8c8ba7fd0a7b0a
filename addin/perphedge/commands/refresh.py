"""``perphedge refresh FILE [--offline]``."""

from __future__ import annotations

from pathlib import Path

import click

from perphedge.core.errors import PerphedgeError


@click.command("refresh")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--offline", is_flag=True,
              help="Use the embedded recorded snapshot instead of the exchanges.")
@click.option("--no-backup", is_flag=True,
              help="Do not keep your last version of the file as FILE.bak.")
def refresh(file: Path, offline: bool, no_backup: bool) -> None:
    """Refresh the Market table of workbook FILE in place (everything else kept)."""
    from perphedge.files.refresh import refresh_file

    try:
        result = refresh_file(file, offline=offline, backup=not no_backup,
                              progress=lambda m: click.echo(m, err=True))
    except PerphedgeError as e:
        raise click.ClickException(f"{e} — {file} is unchanged") from e
    click.echo(f"{file}: {result.summary()}")
    for name in result.leftovers_removed:
        click.echo(f"removed {name}, left by an earlier write that did not finish")
    for m in result.messages:
        click.echo(f"  stale: {m}")
    if not no_backup:
        # FILE.bak is not retaken from a file that is still the last refresh's own output
        click.echo(f"your last version before refreshing is kept as {file.name}.bak")
