"""``perphedge addin build|install|status|uninstall|doctor``."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from perphedge.core.errors import PerphedgeError

_PLATFORM = click.Choice(["win", "mac", "other"])


def _plan(target, config_dir, platform):
    from perphedge.install import installer

    return installer.make_plan(target=target, config_dir=config_dir, platform=platform)


def _fail(e: Exception) -> None:
    if isinstance(e, OSError):
        # e.g. macOS refusing Terminal access to Office's folder, or a file Excel holds open
        what = f" {e.filename}" if e.filename else ""
        raise click.ClickException(
            f"could not write{what}: {e.strerror or e}. If Excel is running, quit it and run "
            "this again; on macOS, allow the Terminal to access data from other apps "
            "(System Settings -> Privacy & Security -> App Management / Files and Folders).")
    raise click.ClickException(str(e))


@click.group("addin")
def addin() -> None:
    """Build and install the perphedge Excel add-in (perphedge.xlam)."""


@addin.command("build")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Folder to write perphedge.xlam to.")
@click.option("--ribbon", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Ribbon XML (default: the one shipped in the package).")
@click.option("--interpreter", default=sys.executable, show_default="this Python",
              help="Python the add-in runs, pinned in its settings sheet.")
def build(out_dir: Path, ribbon: Path | None, interpreter: str) -> None:
    """Build perphedge.xlam from the installed xlwings' ribbon add-in template."""
    from perphedge.install import locations, xlam

    # Pinned, so that no settings file beside a received workbook can choose the Python.
    keys = locations.interpreter_keys(locations.current_platform())
    try:
        path = xlam.build_addin(out_dir, ribbon=ribbon,
                                settings=tuple((k, interpreter) for k in keys))
    except (PerphedgeError, OSError) as e:
        _fail(e)
    click.echo(f"built {path} (xlwings {xlam.installed_xlwings_version()}, "
               f"UDF module {xlam.UDF_MODULE}, interpreter {interpreter})")


def _common(f):
    f = click.option("--target", type=click.Path(file_okay=False, path_type=Path),
                     help="Install into this folder instead of Excel's start-up folder.")(f)
    f = click.option("--config-dir", type=click.Path(file_okay=False, path_type=Path),
                     help="Also write the interpreter and UDF module into a myaddin.conf "
                          "file in this folder (default: none; the add-in's own settings "
                          "sheet holds them, and the user-wide file is shared with every "
                          "add-in built from the same xlwings template).")(f)
    f = click.option("--platform", type=_PLATFORM, default=None, hidden=True)(f)
    return f


def _preflight(plan) -> None:
    """On the system the add-in is for, the doctor's problems stop the install before
    anything is written (and so does a running Excel on Windows, which holds the add-in)."""
    from perphedge.install import doctor, locations

    if plan.platform != locations.current_platform():
        return
    found = doctor.findings(doctor.gather(plan.interpreter, plan.target, plan.platform))
    blocking = [f for f in found if f.severity == "problem"
                or (f.check == "excel-running" and plan.platform == "win")]
    if blocking:
        raise click.ClickException("not installed:\n" + "\n".join(doctor.report(blocking)))


def _importer(plan):
    """On Windows itself: put the functions into the add-in with a hidden Excel."""
    from perphedge.install import locations

    if plan.platform != "win" or locations.current_platform() != "win":
        return None
    from perphedge.excel.declarations import import_into
    from perphedge.install import excelimport, xlam

    return lambda built: excelimport.import_functions(built, lambda wb: import_into(wb, xlam.UDF_MODULE))


def _declarations(plan) -> tuple[str | None, list[str]]:
    """The functions' .bas module for a Windows install, from xlwings' own generator."""
    if plan.platform != "win":
        return None, []
    from perphedge.excel.declarations import declarations_bas
    from perphedge.install import xlam

    try:
        return declarations_bas(xlam.UDF_MODULE, xlam.ADDIN_NAME), []
    except ImportError as e:
        return None, [f"functions module: not written ({e}); xlwings generates it on Windows only"]


@addin.command("install")
@_common
@click.option("--dry-run", is_flag=True, help="Only say what would be written.")
@click.option("--replace", is_flag=True,
              help="Uninstall an earlier perphedge install there first (upgrade).")
@click.option("--ribbon", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Ribbon XML (default: the one shipped in the package).")
def install_cmd(target, config_dir, platform, dry_run, replace, ribbon) -> None:
    """Build the add-in into Excel's start-up folder, with this Python as interpreter."""
    from perphedge.install import installer, locations

    try:
        plan = _plan(target, config_dir, platform)
        if not dry_run:
            _preflight(plan)
        declarations, notes = _declarations(plan)
        lines = installer.install(plan, ribbon=ribbon, dry_run=dry_run, replace=replace,
                                  declarations=declarations,
                                  import_functions=_importer(plan)) + notes
    except locations.NoExcelHere as e:
        if not dry_run or target is not None:
            _fail(e)
        lines = installer.describe_elsewhere()
    except (PerphedgeError, OSError) as e:
        _fail(e)
    click.echo("\n".join(lines))
    if not dry_run:
        click.echo("Next: start Excel; installer/README.md says what you should see.")


@addin.command("status")
@_common
def status_cmd(target, config_dir, platform) -> None:
    """Say what is installed where and whether it matches this Python and xlwings."""
    from perphedge.install import installer

    try:
        st = installer.status(_plan(target, config_dir, platform))
    except (PerphedgeError, OSError) as e:
        _fail(e)
    click.echo("\n".join(st.lines))
    if st.problems:
        raise click.ClickException(f"{len(st.problems)} problem(s) with the add-in; see above")


@addin.command("uninstall")
@_common
@click.option("--dry-run", is_flag=True, help="Only say what would be removed.")
def uninstall_cmd(target, config_dir, platform, dry_run) -> None:
    """Remove exactly what 'perphedge addin install' wrote."""
    from perphedge.install import installer

    try:
        lines = installer.uninstall(_plan(target, config_dir, platform), dry_run=dry_run)
    except (PerphedgeError, OSError) as e:
        _fail(e)
    click.echo("\n".join(lines))


@addin.command("doctor")
@_common
def doctor_cmd(target, config_dir, platform) -> None:
    """Check this system for what would stop the add-in working, and say what to do."""
    from perphedge.install import doctor, locations

    try:
        plan = _plan(target, config_dir, platform)
        folder, on = plan.target, plan.platform
    except locations.NoExcelHere:
        folder, on = Path("."), "other"
    found = doctor.findings(doctor.gather(sys.executable, folder, on))
    click.echo("\n".join(doctor.report(found)))
    if any(f.severity == "problem" for f in found):
        raise click.ClickException(f"{sum(f.severity == 'problem' for f in found)} problem(s); see above")
