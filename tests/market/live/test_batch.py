"""run_concurrently: jobs side by side, results and errors by key."""

from __future__ import annotations

import threading

from perphedge.market.live.batch import run_concurrently


def test_results_and_errors_by_key():
    err = ValueError("bad")

    def fails():
        raise err

    assert run_concurrently({"a": lambda: 1, "b": fails}) == {"a": 1, "b": err}
    assert run_concurrently({}) == {}


def test_jobs_run_at_the_same_time():
    barrier = threading.Barrier(3, timeout=5)
    # each job waits for the other two: only concurrent execution lets them all finish
    got = run_concurrently({k: (lambda: barrier.wait() >= 0) for k in "xyz"})
    assert got == {"x": True, "y": True, "z": True}
