"""The ``perphedge`` command.

Sub-commands live in ``perphedge.commands.<module>`` and are imported only when invoked,
so ``perphedge --help`` and quick commands never pay for ccxt, pandas or openpyxl.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from perphedge import __version__

#: name -> (module under perphedge.commands, attribute, one-line help)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "check": ("check", "check", "Report what in a workbook needs attention before use or sharing."),
    "share": ("share", "share", "Write a copy of a workbook that is safe to send."),
    "refresh": ("refresh", "refresh", "Refresh a workbook's Market table in the file."),
    "addin": ("addin", "addin", "Build, install, check or remove the Excel add-in."),
    "plan": ("plan", "plan", "Print a hedge plan for holdings (command line or CSV)."),
    "demo": ("demo", "demo", "Build the demo workbook from recorded data and print its plan."),
    "snapshot": ("snapshot", "snapshot", "Show, rebuild or record the offline market snapshot."),
    "functions": ("functions", "functions", "List the Excel functions and their arguments."),
    "backtest": ("backtest", "backtest_command", "Backtest a hedge policy over recorded funding settlements."),
    "new": ("workbook", "new", "Build a hedge workbook for your holdings (CSV), live or offline."),
    "template": ("workbook", "template", "Rebuild the template workbook (workbooks/perpetual_hedge.xlsx)."),
    "positions": ("positions", "positions", "Read open positions and funding paid; reconcile them with a plan."),
    "keys": ("keys", "keys", "Store, check or remove an exchange's read-only API key (OS keyring)."),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(f"perphedge.commands.{module}"), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup)
@click.version_option(__version__, prog_name="perphedge")
@click.option("--offline", is_flag=True,
              help="Read every market figure from the embedded recorded snapshot, never the "
                   "network (same as PERPHEDGE_OFFLINE=1).")
def cli(offline: bool) -> None:
    """Size, stress-test, cost and monitor perpetual-futures hedges of spot crypto."""
    if offline:
        # The market layer reads its settings from the environment, in this process and
        # in any it starts.
        os.environ["PERPHEDGE_OFFLINE"] = "1"


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code instead of raising SystemExit."""
    try:
        cli.main(args=argv, prog_name="perphedge", standalone_mode=False)
    except click.exceptions.Exit as e:
        return e.exit_code
    except click.ClickException as e:
        e.show()
        return e.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
