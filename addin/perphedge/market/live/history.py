"""Paged history requests (funding settlements, daily bars): no exchange has a batched
endpoint for these, so each symbol is asked page by page, and every loop is bounded
whatever the exchange answers.

How many pages a funding history may take follows from the window and the market's
funding interval: Bybit answers at most 200 settlements per page, so 1000 days of an
hourly market need 120 pages where 1000 days of an 8-hourly one need 15. A history the
bound still cuts short says so (``FundingPages.truncated``); it is never cut silently.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from perphedge.core.conventions import MS_PER_DAY
from perphedge.market.live import endpoints, parse

#: Bound of every paged loop: 1000 days of hourly settlements at Bybit's 200 a page (120
#: pages) fit; OKX, at 100 a page, keeps only its last 3 months of funding history.
MAX_PAGES = 130
#: The shortest funding interval exchanges use, assumed where the market does not say.
MIN_INTERVAL_HOURS = 1.0
HOUR_MS = 3_600_000


@dataclass(frozen=True)
class FundingPages:
    """Raw settlement rows, and whether the page bound stopped the paging before the
    window was covered (then the rows cover only part of it)."""

    rows: list[Mapping[str, Any]]
    pages: int
    truncated: bool


def interval_hours_of(client: Any, sym: str) -> float | None:
    """The funding interval a loaded market states (Bybit's ``fundingInterval``, minutes)."""
    market = (getattr(client, "markets", None) or {}).get(sym) or {}
    minutes = parse.number((market.get("info") or {}).get("fundingInterval"))
    return minutes / 60 if minutes is not None and minutes > 0 else None


def page_bound(since: int, until: int, rows_per_page: int, interval_hours: float | None) -> int:
    """Pages that cover ``since``..``until`` at ``rows_per_page`` settlements
    ``interval_hours`` apart, one more for a window that starts mid-page; at most MAX_PAGES."""
    hours = interval_hours if interval_hours is not None and interval_hours > 0 else MIN_INTERVAL_HOURS
    needed = math.ceil(max(0, until - since) / (rows_per_page * hours * HOUR_MS)) + 1
    return max(1, min(MAX_PAGES, needed))


def funding_pages(client: Any, ex: str, sym: str, since: int, until: int) -> FundingPages:
    """Funding settlements from ``since`` to ``until``, page by page, bounded."""
    limit = endpoints.history_page_limit(ex)
    interval = interval_hours_of(client, sym)
    bound = page_bound(since, until, limit, interval)
    rows: list[Mapping[str, Any]] = []
    pages = 0
    if ex == "okx":  # OKX pages backwards from the newest settlement
        params: dict[str, Any] = {}
        oldest: int | None = None
        for pages in range(1, bound + 1):  # noqa: B007 (the count is returned after the loop)
            page = client.fetch_funding_rate_history(sym, None, limit, params)
            stamps = [t for t in (parse.integer(r.get("timestamp")) for r in page) if t is not None]
            rows.extend(page)
            if not stamps or min(stamps) <= since or len(page) < limit:
                break
            if oldest is not None and min(stamps) >= oldest:
                break  # the exchange ignored "after": asking again gets the same page
            oldest = min(stamps)
            params = {"after": oldest}
        else:
            return FundingPages(rows, pages, True)
        return FundingPages(rows, pages, False)
    cursor = since
    windowed = ex == "bybit"  # Bybit answers a time window per page, not "from since on"
    # A window 1 ms short of ``limit`` intervals holds at most ``limit`` settlements (ccxt's
    # default window, ``limit`` intervals to the ms, can hold one more, and Bybit then drops
    # the oldest: the settlement at ``since`` would be lost). ccxt assumes 8 h when unknown.
    window_ms = int(limit * (interval or 8.0) * HOUR_MS) - 1
    for pages in range(1, bound + 1):  # noqa: B007 (the count is returned after the loop)
        params = {"until": cursor + window_ms} if windowed else {}
        page = client.fetch_funding_rate_history(sym, cursor, limit, params)
        stamps = [t for t in (parse.integer(r.get("timestamp")) for r in page) if t is not None]
        rows.extend(page)
        if not stamps:
            if windowed and cursor + window_ms < until:
                cursor += window_ms + 1  # an empty window (e.g. before listing): move on
                continue
            break
        nxt = max(stamps) + 1
        if nxt <= cursor or nxt > until or (not windowed and len(page) < limit):
            break
        cursor = nxt
    else:
        return FundingPages(rows, pages, True)
    return FundingPages(rows, pages, False)


def ohlcv_pages(client: Any, sym: str, since: int, until: int, days: int) -> list[list[Any]]:
    rows: list[list[Any]] = []
    cursor = since
    for _ in range(MAX_PAGES):
        page = client.fetch_ohlcv(sym, "1d", cursor, min(days + 1, 1000))
        stamps = [t for r in page if r and (t := parse.integer(r[0])) is not None]
        rows.extend(page)
        if not stamps:
            break
        nxt = max(stamps) + MS_PER_DAY
        if nxt <= cursor or nxt > until or len(page) >= days + 1:
            break
        cursor = nxt
    return rows
