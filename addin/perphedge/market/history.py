"""Paged history requests (funding settlements, daily bars): no exchange has a batched
endpoint for these, so each symbol is asked page by page, and every loop is bounded
whatever the exchange answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from perphedge.core.conventions import MS_PER_DAY
from perphedge.market import endpoints, parse

MAX_PAGES = 40


def funding_pages(client: Any, ex: str, sym: str, since: int, until: int) -> list[Mapping[str, Any]]:
    """Funding settlements from ``since`` to ``until``, page by page, bounded."""
    limit = endpoints.history_page_limit(ex)
    rows: list[Mapping[str, Any]] = []
    if ex == "okx":  # OKX pages backwards from the newest settlement
        params: dict[str, Any] = {}
        oldest: int | None = None
        for _ in range(MAX_PAGES):
            page = client.fetch_funding_rate_history(sym, None, limit, params)
            stamps = [t for t in (parse.integer(r.get("timestamp")) for r in page) if t is not None]
            rows.extend(page)
            if not stamps or min(stamps) <= since or len(page) < limit:
                break
            if oldest is not None and min(stamps) >= oldest:
                break  # the exchange ignored "after": asking again gets the same page
            oldest = min(stamps)
            params = {"after": oldest}
        return rows
    cursor = since
    windowed = ex == "bybit"  # Bybit answers a time window per page, not "from since on"
    for _ in range(MAX_PAGES):
        page = client.fetch_funding_rate_history(sym, cursor, limit)
        stamps = [t for t in (parse.integer(r.get("timestamp")) for r in page) if t is not None]
        rows.extend(page)
        if not stamps:
            if windowed and cursor + limit * 3_600_000 < until:
                cursor += limit * 3_600_000  # an empty window (e.g. before listing): move on
                continue
            break
        nxt = max(stamps) + 1
        if nxt <= cursor or nxt > until or (not windowed and len(page) < limit):
            break
        cursor = nxt
    return rows


def ohlcv_pages(client: Any, sym: str, since: int, until: int, days: int) -> list[list[Any]]:
    rows: list[list[Any]] = []
    cursor = since
    for _ in range(MAX_PAGES):
        page = client.fetch_ohlcv(sym, "1d", cursor, min(days + 1, 1000))
        stamps = [parse.integer(r[0]) for r in page if r]
        stamps = [t for t in stamps if t is not None]
        rows.extend(page)
        if not stamps:
            break
        nxt = max(stamps) + MS_PER_DAY
        if nxt <= cursor or nxt > until or len(page) >= days + 1:
            break
        cursor = nxt
    return rows
