"""Actions behind the Perpetual Hedge ribbon tab.

``perphedge.main()`` (run by the add-in's Refresh prices button) calls
:func:`refresh_active_workbook`. The work is the shared refresh routine; this module only
connects it to Excel: the table, the status bar, and one alert when it fails.
"""

from __future__ import annotations

import logging

from perphedge.core.errors import PerphedgeError
from perphedge.refresh.routine import RefreshResult, refresh_table

TITLE = "Perpetual Hedge"
log = logging.getLogger(__name__)


def refresh_active_workbook(book=None, source=None, *, now_ms: int | None = None) -> RefreshResult | None:
    """Refresh the Market table of the workbook that called (or ``book``).

    Returns the result, or None after showing one alert when nothing could be refreshed
    (the table is then exactly as it was).
    """
    from perphedge.excel.xltable import XlwingsMarketTable

    if book is None:
        import xlwings as xw

        book = xw.Book.caller()
    app = book.app

    def progress(message: str) -> None:
        app.status_bar = message

    try:
        try:
            table = XlwingsMarketTable(book)
            if source is None:
                from perphedge.market.live.service import get_service

                source = get_service()
            return refresh_table(table, source, now_ms=now_ms, progress=progress)
        except PerphedgeError as e:
            return _fail(app, str(e))
        except Exception as e:  # Excel must get a message, never a traceback
            log.exception("Refresh prices failed")
            return _fail(app, f"unexpected error ({type(e).__name__}: {e})")
    finally:
        # Text put in the status bar stays there until it is handed back (False), hiding
        # Excel's own messages; the table's As-of and Status columns tell how it went.
        app.status_bar = False


def _fail(app, reason: str) -> None:
    app.status_bar = False
    app.alert(f"Refresh prices failed: {reason}\n\nThe Market table was left as it was.",
              title=TITLE, mode="critical")
    return None
