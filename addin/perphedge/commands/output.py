"""What every command that writes a file does with the path it is given, and its exit codes.

Exit codes, the same for every command: 0 done; 2 bad input (an argument, a file's line
and column) — nothing written; 1 any other failure (the market unreachable, a file that
cannot be written, findings of ``check``).

Before writing, a command refuses an output that exists unless ``--force`` is given, and an
output that is open in Excel or LibreOffice whatever the flags: the lock file they keep
beside an open workbook (Excel ``~$NAME``, for a long name ``~$`` and the name without its
first two characters; LibreOffice ``.~lock.NAME#``) means a save there would be lost or
refused.
"""

from __future__ import annotations

from pathlib import Path

import click


class BadInput(click.ClickException):
    """Bad input file or argument: exit code 2, nothing written."""

    exit_code = 2


class Failure(click.ClickException):
    """A failure that is not the input's fault: exit code 1."""

    exit_code = 1


def refuse_if_open(path: Path) -> None:
    from perphedge.files.filesafety import open_in

    found = open_in(path)
    if found:
        raise Failure(f"{path} is open in another program ({found[0].name} beside it): close it "
                      "there and run the command again — nothing written")


def claim_output(path: Path, force: bool, option: str = "--force") -> None:
    """Refuse ``path`` when it is open, or when it exists and ``force`` is not given."""
    refuse_if_open(path)
    if path.exists() and path.is_dir():
        raise BadInput(f"{path} is a folder: give a file name — nothing written")
    if path.exists() and not force:
        raise BadInput(f"{path} exists; pass {option} to overwrite it — nothing written")
