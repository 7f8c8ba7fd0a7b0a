"""Actions behind the Perpetual Hedge ribbon tab.

``perphedge.main()`` (run by the add-in's Refresh prices button) calls
:func:`refresh_active_workbook`. The work is the shared refresh routine; this module only
connects it to Excel: the calling workbook, the status bar, one refresh at a time, and
one alert when it fails. When Excel itself cannot be told (macOS refusing Apple Events
to Python leaves Excel showing "Running..." and nothing else), the failure goes to the
product's log and to a system notification that needs no Excel.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perphedge.core.errors import PerphedgeError
from perphedge.excel import refreshlock
from perphedge.refresh.routine import RefreshResult, refresh_table

TITLE = "Perpetual Hedge"
LOG_NAME = "refresh.log"
LOCK_NAME = "refresh.lock"
STARTING = "Perpetual Hedge: refreshing prices..."
log = logging.getLogger(__name__)


def _find_caller() -> Any:
    import xlwings as xw

    from perphedge.excel.caller import calling_book

    return calling_book(xw, sys.argv)


def notify(message: str, title: str = TITLE) -> None:
    """A notification from the operating system itself, for when Excel cannot show one."""
    try:
        if sys.platform == "darwin":
            # the text goes in as an argument, never into the script's source
            subprocess.run(["osascript", "-e", "on run argv",
                            "-e", "display notification (item 1 of argv) with title (item 2 of argv)",
                            "-e", "end run", message[:1000], title], timeout=10, check=False,
                           capture_output=True)
        elif sys.platform.startswith("win"):
            import ctypes

            ctypes.windll.user32.MessageBoxW(None, message, title, 0x10)  # type: ignore[attr-defined]
    except (OSError, subprocess.SubprocessError):
        pass   # the log still has it


@dataclass(frozen=True)
class Host:
    """What the button needs beside the workbook: how the calling workbook is found, where
    the log and the lock live, and how the user is told when Excel cannot be."""

    find_book: Callable[[], Any]
    log_file: Path
    lock_file: Path
    notify: Callable[[str, str], None]
    #: The read-only account reader the Positions sheet is filled from.
    account: Callable[[], Any] = field(default=lambda: _account())

    @classmethod
    def this_system(cls) -> Host:
        from perphedge.excel.errors import log_dir

        d = log_dir()
        return cls(_find_caller, d / LOG_NAME, d / LOCK_NAME, notify)

    def record(self, message: str, exc: BaseException | None = None) -> None:
        # The log must never be what breaks the button (read-only home, full disk).
        try:
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
            lines = [f"{stamp} UTC Refresh prices: {message}\n"]
            if exc is not None:
                lines += traceback.format_exception(type(exc), exc, exc.__traceback__)
            with self.log_file.open("a", encoding="utf-8") as fh:
                fh.writelines(lines)
        except OSError:
            pass


def refresh_active_workbook(book=None, source=None, *, now_ms: int | None = None,
                            host: Host | None = None) -> RefreshResult | None:
    """Refresh the Market table of the workbook that called (or ``book``).

    Returns the result, or None after telling the user once why nothing was refreshed
    (the table is then exactly as it was).
    """
    host = host or Host.this_system()
    app = None
    try:
        if book is None:
            book = host.find_book()
        app = book.app
        # first, so a slow start (ccxt loading, markets) already shows that it runs
        app.status_bar = STARTING
        with refreshlock.held(host.lock_file):
            return _refresh(book, app, source, now_ms, host)
    except PerphedgeError as e:
        return _fail(host, app, str(e), e)
    except Exception as e:  # Excel must get a message, never a traceback
        log.exception("Refresh prices failed")
        return _fail(host, app, f"unexpected error ({type(e).__name__}: {e})", e)
    finally:
        # Text put in the status bar stays there until it is handed back (False), hiding
        # Excel's own messages; the table's As-of and Status columns tell how it went.
        if app is not None:
            try:
                app.status_bar = False
            except Exception:  # noqa: BLE001 - Excel gone or unreachable; already reported
                pass


def _account() -> Any:
    from perphedge.market.config import MarketConfig
    from perphedge.market.live.clients import ClientPool
    from perphedge.market.live.positions import Account

    config = MarketConfig.from_env()
    return Account(config, ClientPool(config))


def _refresh(book, app, source, now_ms, host: Host) -> RefreshResult:
    from perphedge.excel.xltable import XlwingsMarketTable

    def progress(message: str) -> None:
        app.status_bar = message

    table = XlwingsMarketTable(book)
    if source is None:
        from perphedge.market.live.service import get_service

        source = get_service()
    result = refresh_table(table, source, now_ms=now_ms, progress=progress)
    _refresh_positions(book, table, host, progress)
    return result


def _refresh_positions(book, table, host: Host, progress: Callable[[str], None]) -> None:
    """The Positions sheet from the Market table's exchanges that have a read-only key.
    The Market refresh stands whatever happens here: a failed read keeps the lines and
    says why in the sheet's status line (and the log)."""
    from perphedge.excel.xlpositions import positions_table, write_positions
    from perphedge.refresh.positions import read_for_workbook

    sheet = positions_table(book)
    if sheet is None:
        return
    headers = [h.lower() for h in table.headers()]
    if "exchange" not in headers:
        return
    listed = list(dict.fromkeys(str(e).strip().lower() for e in table.column(headers.index("exchange")) if e))
    progress("Perpetual Hedge: reading positions...")
    try:
        got = read_for_workbook(host.account(), listed)
    except PerphedgeError as e:   # the account cannot even be set up (keyring, settings)
        host.record(f"positions not read: {e}")
        write_positions(book, sheet, None, f"Not refreshed: {e}", ())
        return
    if got is None or got.status is None:
        if got is not None:
            host.record(got.message)
        return
    if got.rows is None:
        host.record(got.message)
    write_positions(book, sheet, got.rows, got.status, got.read)


def _fail(host: Host, app, reason: str, exc: BaseException) -> None:
    text = f"Refresh prices failed: {reason}\n\nThe Market table was left as it was."
    host.record(reason, None if isinstance(exc, PerphedgeError) else exc)
    try:
        if app is None:
            raise ConnectionError("no Excel to show the message in")
        app.status_bar = False
        app.alert(text, title=TITLE, mode="critical")
    except Exception as e:  # noqa: BLE001 - Excel cannot be told: the system can
        host.record(f"Excel could not show the message ({type(e).__name__}: {e})")
        host.notify(f"Refresh prices failed: {reason} (details: {host.log_file})", TITLE)
    return None
