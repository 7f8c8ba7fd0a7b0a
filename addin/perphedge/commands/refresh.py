"""``perphedge refresh FILE [--offline]``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from perphedge.commands.output import BadInput, refuse_if_open
from perphedge.core.errors import PerphedgeError

if TYPE_CHECKING:
    from perphedge.template.recache import CachedValuesPass


@click.command("refresh")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--offline", is_flag=True,
              help="Use the embedded recorded snapshot instead of the exchanges.")
@click.option("--no-backup", is_flag=True,
              help="Do not keep your last version of the file as FILE.bak.")
def refresh(file: Path, offline: bool, no_backup: bool) -> None:
    """Refresh the Market table of workbook FILE in place (everything else kept)."""
    from perphedge.files.refresh import refresh_file
    from perphedge.template.recache import CachedValuesPass

    refuse_if_open(file)
    _refuse_if_not_ours(file)
    cache = CachedValuesPass()   # the formulas' saved values follow the new Market values
    try:
        result = refresh_file(file, offline=offline, backup=not no_backup,
                              progress=lambda m: click.echo(m, err=True), finish=cache)
    except PerphedgeError as e:
        raise click.ClickException(f"{e} — {file} is unchanged") from e
    click.echo(f"{file}: {result.summary()}")
    for name in result.leftovers_removed:
        click.echo(f"removed {name}, left by an earlier write that did not finish")
    for m in result.messages:
        click.echo(f"  stale: {m}")
    if not offline:
        _refresh_positions(file, cache)
    say_cached(cache)
    if not no_backup:
        # FILE.bak is not retaken from a file that is still the last refresh's own output
        click.echo(f"your last version before refreshing is kept as {file.name}.bak")


def say_cached(cache: CachedValuesPass) -> None:
    """The line on the formulas' saved values, on stderr (beside the progress lines: the
    standard output of ``positions --json`` stays JSON)."""
    if cache.report is not None:
        click.echo(cache.report.summary(), err=True)


def _refresh_positions(file: Path, cache: CachedValuesPass | None = None) -> None:
    """Fill the Positions sheet too, from the exchanges of the Market table that have a
    read-only key; say so when none has one, and mark the sheet when the read fails (its
    lines stay, the status line says why) — the Market refresh stands either way."""
    from perphedge.commands.positions import make_account
    from perphedge.files.positions import has_positions_sheet, write_positions
    from perphedge.files.table import PackageMarketTable
    from perphedge.ooxml import Package
    from perphedge.refresh.positions import read_for_workbook

    if not has_positions_sheet(file):
        return
    table = PackageMarketTable(Package.read(file))
    column = [h.lower() for h in table.headers()].index("exchange")
    listed = list(dict.fromkeys(str(e).strip().lower() for e in table.column(column) if e))
    got = read_for_workbook(make_account(), listed)
    if got is None:   # offline (--offline / PERPHEDGE_OFFLINE) or no exchange: none is asked
        return
    failed = got.rows is None and got.status is not None
    click.echo(got.message, err=failed)
    if got.status is None:
        return
    try:
        write_positions(file, got.rows, got.status, got.read, finish=cache)
    except PerphedgeError as e:
        if failed:
            return   # said above; the file stays as the Market refresh wrote it
        click.echo(f"positions: not written: {e}", err=True)


def _refuse_if_not_ours(file: Path) -> None:
    """A workbook without a Market table is not one perphedge made: say so, and how to make
    one (a file that cannot be read is left to the refresh, which names the problem)."""
    from perphedge.ooxml import Package, PackageError

    try:
        names = {t.name.casefold() for t in Package.read(file).tables()}
    except (PackageError, OSError):
        return
    if "market" not in names:
        raise BadInput(f"{file} is not a perphedge workbook: it has no Market table, the table a refresh "
                       "fills. Make one with: perphedge new PATH --portfolio holdings.csv — "
                       f"{file} is unchanged")
