"""Run one job per exchange at the same time: a refresh waits for the slowest exchange,
not for the sum of them."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

#: Upper bound on threads of one refresh (a workbook rarely names more exchanges).
MAX_WORKERS = 8

K = TypeVar("K", bound=Hashable)


def run_concurrently(jobs: Mapping[K, Callable[[], Any]]) -> dict[K, Any]:
    """Each job's result, or the exception it raised (returned, not raised), by key."""
    if not jobs:
        return {}
    if len(jobs) == 1:
        ((key, job),) = jobs.items()
        return {key: _run(job)}
    with ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(jobs)),
                            thread_name_prefix="perphedge-fetch") as pool:
        futures = {key: pool.submit(_run, job) for key, job in jobs.items()}
        return {key: f.result() for key, f in futures.items()}


def _run(job: Callable[[], Any]) -> Any:
    try:
        return job()
    except Exception as e:  # handed back to the caller, which turns it into a row status
        return e
