"""A refresh never makes a workbook older: newer values in the table win over older answers,
the recorded snapshot only fills empty figures when the network is down, a figure missing
from an answer keeps its previous value (named in the Status), and a refresh that could
fetch nothing leaves the file untouched and fails."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import openpyxl

from perphedge.core.marketdata import DataStatus
from perphedge.refresh.merge import merge_row
from perphedge.refresh.table import KEEP
from tests.support.books import HEADER_ROW, build_market_book
from tests.support.fake import NOW_MS, row

DAY_MS = 86_400_000


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _set_market(book, values):
    wb = openpyxl.load_workbook(book)
    ws = wb["Market"]
    hdr = [c.value for c in ws[HEADER_ROW]]
    for r, figures in enumerate(values, start=HEADER_ROW + 1):
        for k, v in figures.items():
            ws.cell(r, hdr.index(k) + 1, v)
    wb.save(book)


def test_no_network_leaves_yesterdays_values_and_fails(tmp_path, monkeypatch, capsys):
    """The measured case: yesterday's BTC 91,050 and no network. Real ccxt meets a refused
    connection on 127.0.0.1; the recording of 2026-03-20 must not replace the newer values."""
    from perphedge.cli import main
    from perphedge.market.live import service

    rows = [("BTC/USDT:USDT", "binanceusdm"), ("ETH/USDT:USDT", "binanceusdm")]
    book = build_market_book(tmp_path / "hedge.xlsx", rows=rows, extra=False)
    yesterday = (datetime.now(UTC) - timedelta(days=1)).replace(tzinfo=None, microsecond=0)
    _set_market(book, [{"Mark": 91050.0, "As of (UTC)": yesterday},
                       {"Mark": 3050.0, "As of (UTC)": yesterday}])
    before = book.read_bytes()
    port = _closed_port()
    for ex in ("BINANCEUSDM", "BINANCE"):
        monkeypatch.setenv(f"PERPHEDGE_{ex}_API_BASE", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("PERPHEDGE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PERPHEDGE_TIMEOUT_S", "2")
    monkeypatch.delenv("PERPHEDGE_OFFLINE", raising=False)
    service.reset_service()
    try:
        code = main(["refresh", str(book)])
    finally:
        service.reset_service()
    assert code != 0
    err = capsys.readouterr().err
    assert "nothing could be fetched" in err and "is unchanged" in err
    assert len([ln for ln in err.splitlines() if ln.startswith("Error")]) == 1
    assert book.read_bytes() == before
    assert not (tmp_path / "hedge.xlsx.bak").exists()


FIGS = {"mark_price": 91050.0, "spot_price": None, "rate_per_interval": 0.0001}


def test_recording_only_fills_empty_figures_when_live_failed():
    rec = row("BTC/USDT:USDT", "binanceusdm", 69895.0, spot_price=69900.0, status=DataStatus(
        "snapshot", NOW_MS - 200 * DAY_MS, stale=True,
        reason="binanceusdm unreachable: refused; recorded snapshot: figures recorded 2026-03-20 00:00 UTC"))
    m = merge_row(rec, dict(FIGS), NOW_MS - DAY_MS, NOW_MS)
    assert m.values["mark_price"] is KEEP and m.values["rate_per_interval"] is KEEP
    assert m.values["spot_price"] == 69900.0 and m.values["as_of"] is KEEP
    assert m.status.startswith("stale: binanceusdm unreachable") and "spot price filled" in m.status
    assert m.kind == "stale"


def test_an_undated_recording_fills_an_empty_row_without_a_date_and_is_not_suspect():
    # an offline refresh of a row whose recording holds only an undated contract spec
    spec_only = row("ADA/USDT:USDT", "binanceusdm", 1.0, mark_price=None, spot_price=None,
                    index_price=None, rate_per_interval=None, status=DataStatus(
                        "snapshot", 0, stale=True, reason="recorded snapshot: no perp price or "
                        "funding recorded; contract spec: recording date not stated"))
    empty_table = dict.fromkeys(("mark_price", "contract_size", "amount_step"))
    m = merge_row(spec_only, empty_table, None, NOW_MS, replace_older=True)
    assert m.values["contract_size"] == 1.0 and m.values["as_of"] is None   # no 1970 As of
    assert m.status.startswith("recorded snapshot: no perp price") and "suspect" not in m.status


def test_an_answer_older_than_the_table_is_not_written():
    old = row("BTC/USDT:USDT", "binanceusdm", 69000.0, status=DataStatus("binanceusdm", NOW_MS - 2 * DAY_MS))
    m = merge_row(old, dict(FIGS), NOW_MS - DAY_MS, NOW_MS)
    assert all(v is KEEP for v in m.values.values()) and m.kind == "kept"
    assert "older than the workbook's values" in m.status and m.status.startswith("stale: ")


def test_a_figure_missing_from_the_answer_keeps_its_value_and_says_so():
    got = row("BTC/USDT:USDT", "binanceusdm", 91100.5, mark_price=None, spot_price=91100.0,
              rate_per_interval=None)
    m = merge_row(got, dict(FIGS), NOW_MS - DAY_MS, NOW_MS)
    assert m.values["spot_price"] == 91100.0
    assert m.values["mark_price"] is KEEP and m.values["rate_per_interval"] is KEEP
    assert m.status.startswith("stale: mark price, rate per interval not in the answer")
    assert "(age 1d 0h)" in m.status and m.kind == "stale"


def test_newer_answer_wins():
    got = row("BTC/USDT:USDT", "binanceusdm", 92000.0, spot_price=92010.0)
    m = merge_row(got, dict(FIGS), NOW_MS - DAY_MS, NOW_MS)
    assert (m.values["mark_price"], m.values["spot_price"], m.status, m.kind) == \
        (92000.0, 92010.0, "fresh", "fresh")
