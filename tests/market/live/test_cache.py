"""TTLCache: one fetch per key per TTL, failures remembered, last good value kept;
MarketsDiskCache: atomic files with an expiry."""

from __future__ import annotations

import threading
import time

from hypothesis import given, settings
from hypothesis import strategies as st

from perphedge.market.live.cache import MarketsDiskCache, TTLCache
from tests.market.helpers import Clock


def test_fetches_once_per_ttl():
    clock, calls = Clock(0), []
    cache = TTLCache(clock)
    fetch = lambda: calls.append(1) or len(calls)  # noqa: E731
    assert cache.get("k", 15, fetch).value == 1
    clock.advance(14.9)
    assert cache.get("k", 15, fetch).value == 1
    clock.advance(0.1)
    assert cache.get("k", 15, fetch).value == 2


def test_failure_keeps_last_value_and_is_remembered():
    clock = Clock(0)
    cache = TTLCache(clock)
    cache.get("k", 10, lambda: "good")
    clock.advance(11)
    boom = RuntimeError("down")

    def failing():
        raise boom

    entry = cache.get("k", 10, failing)
    assert entry.value == "good" and entry.has_value and entry.error is boom and entry.as_of_ms == 0
    # within the TTL the failure is served without asking again
    assert cache.get("k", 10, lambda: "never") is entry
    # a shorter pause after failures where asked
    clock.advance(3)
    assert cache.get("k", 10, lambda: "back", failed_ttl_s=2).value == "back"


def test_concurrent_readers_share_one_fetch():
    cache, calls, gate = TTLCache(), [], threading.Event()

    def slow():
        calls.append(1)
        gate.wait(2)
        return "v"

    threads = [threading.Thread(target=lambda: cache.get("k", 60, slow)) for _ in range(20)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(5)
    assert calls == [1]


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=60))
def test_never_more_fetches_than_ttl_windows(steps):
    clock, calls = Clock(0), []
    cache = TTLCache(clock)
    for step in steps:
        clock.advance(step)
        cache.get("k", 15, lambda: calls.append(int(clock() * 1000)))
    # consecutive fetches are at least one TTL apart (the cache counts in milliseconds)
    assert all(b - a >= 15_000 for a, b in zip(calls, calls[1:]))


def test_disk_cache_expires_and_checks_version(tmp_path):
    clock = Clock(1000)
    disk = MarketsDiskCache(tmp_path, 3600, clock, version="4.5.90")
    disk.save("okx", None, {"BTC/USDT": {"id": "BTC-USDT"}})
    assert disk.load("okx", None) == {"BTC/USDT": {"id": "BTC-USDT"}}
    assert MarketsDiskCache(tmp_path, 3600, clock, version="9.9.9").load("okx", None) is None
    clock.advance(3600)
    assert disk.load("okx", None) is None


def test_a_clock_set_back_does_not_keep_values_fresh(tmp_path):
    clock, calls = Clock(10_000), []
    cache = TTLCache(clock)
    cache.get("k", 15, lambda: calls.append("fetch"))
    clock.advance(-3600)  # the system clock corrected an hour back
    cache.get("k", 15, lambda: calls.append("fetch"))
    assert calls == ["fetch", "fetch"]
    disk = MarketsDiskCache(tmp_path, 86_400, clock, version="v")
    disk.save("okx", None, {"BTC/USDT": {"id": "BTC-USDT"}})
    clock.advance(-7200)  # the file now looks saved two hours in the future
    assert disk.load("okx", None) is None


def test_disk_cache_write_failure_is_harmless(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    disk = MarketsDiskCache(blocker, 60, Clock(), "v")
    disk.save("okx", None, {"a": {}})  # no exception: the next process reloads, that is all
    assert disk.load("okx", None) is None
    assert blocker.read_text() == "not a directory"


def test_disk_cache_save_is_whole_or_nothing_and_clears_old_leftovers(tmp_path, monkeypatch):
    import os

    from perphedge import atomicfile

    disk = MarketsDiskCache(tmp_path, 3600, Clock(1000), version="v")
    path = disk.path("okx", None)
    path.parent.mkdir(parents=True)
    # a temp file a killed process left an hour ago, and one a save may be writing right now
    old = path.with_name(atomicfile.temp_name(path))
    old.write_text("{half")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    young = path.with_name(atomicfile.temp_name(path))
    young.write_text("{half")
    disk.save("okx", None, {"BTC/USDT": {"id": "BTC-USDT"}})
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, young.name])
    # the rename fails: the saved file stays as it was, and no temp file is left behind
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError(28, "No space left")))
    disk.save("okx", None, {"ETH/USDT": {"id": "ETH-USDT"}})  # no exception
    assert disk.load("okx", None) == {"BTC/USDT": {"id": "BTC-USDT"}}
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, young.name])
