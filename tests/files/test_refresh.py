"""Headless refresh: values land in the right rows, nothing else in the file changes, a
failing exchange keeps previous values marked stale, and a killed write leaves the file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import zipfile
from datetime import datetime

import openpyxl
import pytest

from perphedge.files import refresh as rf
from perphedge.files.table import PackageMarketTable
from perphedge.ooxml import Package
from tests.support.books import HEADER_ROW, HEADERS, OLD_AS_OF, OLD_MARK, ROWS, build_market_book
from tests.support.fake import NOW_MS, BrokenSource, FakeSource

MARKS = {"BTC/USDT:USDT": 70000.5, "ETH/USDT:USDT": 2500.25, "SOL/USDT:USDT": 150.75}
NOW = datetime(2026, 5, 28, 20, 26, 40)   # NOW_MS as a naive UTC datetime


def members(path):
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def market_values(path):
    ws = openpyxl.load_workbook(path)["Market"]
    hdr = [c.value for c in ws[HEADER_ROW]]
    return [dict(zip(hdr, (c.value for c in r))) for r in ws.iter_rows(min_row=HEADER_ROW + 1)]


def all_cells(path, skip_sheet=None, skip_rows=()):
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if ws.title == skip_sheet and c.row in skip_rows:
                    continue
                out[(ws.title, c.coordinate)] = (c.value, c.number_format, c.style_id)
    return out


def test_values_land_in_the_right_rows_and_nothing_else_changes(tmp_path):
    book = build_market_book(tmp_path / "hedge.xlsx")
    before = members(book)
    cells_before = all_cells(book)
    res = rf.refresh_file(book, source=FakeSource(MARKS), now_ms=NOW_MS)
    assert (res.rows, res.fresh, res.stale, res.kept) == (3, 3, 0, 0)

    rows = market_values(book)
    for (sym, ex), r in zip(ROWS, rows):
        assert (r["Symbol"], r["Exchange"]) == (sym, ex)
        assert r["Mark"] == MARKS[sym]
        assert r["Spot"] == MARKS[sym] - 1 and r["Index"] == MARKS[sym] + 0.5
        assert r["Funding rate"] == 0.0001 and r["Interval (h)"] == 8
        assert r["Inverse"] is False and r["Status"] == "fresh"
        assert r["As of (UTC)"] == NOW
        assert r["Next funding (UTC)"] == datetime(2026, 5, 28, 21, 26, 40)
    # every other zip member is byte-identical: charts, comments, styles, other sheets,
    # the table definition, names, validations
    after = members(book)
    changed = {k for k in before if before[k] != after.get(k)}
    assert set(after) == set(before)
    # only the Market sheet (and, if it did not ask already, workbook.xml's recalc flag)
    assert "xl/worksheets/sheet2.xml" in changed
    assert changed <= {"xl/worksheets/sheet2.xml", "xl/workbook.xml"}
    assert b'fullCalcOnLoad="1"' in after["xl/workbook.xml"]
    # and on the Market sheet only the refreshed data rows differ (styles kept)
    cells_after = all_cells(book)
    market_rows = range(HEADER_ROW + 1, HEADER_ROW + 1 + len(ROWS))
    for key, val in cells_before.items():
        sheet, coord = key
        if sheet == "Market" and int("".join(ch for ch in coord if ch.isdigit())) in market_rows \
                and coord[0] not in "AB":
            assert cells_after[key][1:] == val[1:], key   # number format and style kept
            continue
        assert cells_after[key] == val, key
    # the previous file is kept as a backup
    assert members(tmp_path / "hedge.xlsx.bak") == before


def test_moved_and_user_columns_are_kept_in_place(tmp_path):
    headers = ["Exchange", "My note", "Symbol"] + [h for h in HEADERS if h not in
                                                   ("Symbol", "Exchange", "Status")] + ["status"]
    book = build_market_book(tmp_path / "moved.xlsx", headers=headers)
    wb = openpyxl.load_workbook(book)
    ws = wb["Market"]
    ws.cell(HEADER_ROW + 1, 2, "=1+1")      # a user's formula in their own column
    wb.save(book)
    src = FakeSource(MARKS)
    rf.refresh_file(book, source=src, now_ms=NOW_MS)
    assert src.calls == [list(ROWS)]       # one batched pass, symbol/exchange by header
    ws = openpyxl.load_workbook(book)["Market"]
    assert ws.cell(HEADER_ROW + 1, 2).value == "=1+1"
    for i, (sym, _ex) in enumerate(ROWS):
        r = HEADER_ROW + 1 + i
        assert ws.cell(r, 3).value == sym
        assert ws.cell(r, headers.index("Mark") + 1).value == MARKS[sym]
        assert ws.cell(r, len(headers)).value == "fresh"


def test_failing_exchange_keeps_previous_values_marked_stale(tmp_path):
    book = build_market_book(tmp_path / "hedge.xlsx")
    res = rf.refresh_file(book, source=FakeSource(MARKS, failing={"bybit"}), now_ms=NOW_MS)
    assert (res.fresh, res.kept) == (2, 1)
    rows = market_values(book)
    eth = rows[1]
    assert eth["Mark"] == OLD_MARK[1] and eth["As of (UTC)"] == OLD_AS_OF
    # age counted from the kept values' own as-of time: 2026-01-02 03:04 -> NOW
    assert eth["Status"].startswith("stale: HTTP 503 from bybit; previous values kept (age 146d")
    assert rows[0]["Mark"] == MARKS["BTC/USDT:USDT"] and rows[0]["Status"] == "fresh"


def test_source_failure_changes_nothing(tmp_path):
    book = build_market_book(tmp_path / "hedge.xlsx")
    before = book.read_bytes()
    with pytest.raises(rf.RefreshError, match="connection refused"):
        rf.refresh_file(book, source=BrokenSource())
    assert book.read_bytes() == before
    assert not (tmp_path / "hedge.xlsx.bak").exists()


def test_text_from_an_exchange_stays_text(tmp_path):
    book = build_market_book(tmp_path / "hedge.xlsx")

    class Evil(FakeSource):
        def market_rows(self, requests):
            return [r.__class__(**{**r.__dict__, "status": r.status.__class__(
                "x", NOW_MS, True, '=HYPERLINK("http://evil","click")')})
                for r in super().market_rows(requests)]

    rf.refresh_file(book, source=Evil(MARKS), now_ms=NOW_MS)
    ws = openpyxl.load_workbook(book)["Market"]
    cell = ws.cell(HEADER_ROW + 1, HEADERS.index("Status") + 1)
    assert cell.data_type == "s" and cell.value.startswith('stale: =HYPERLINK(')
    with zipfile.ZipFile(book) as z:
        assert b"<f>" not in z.read("xl/worksheets/sheet2.xml").split(b"<sheetData>")[1]


def test_open_in_excel_or_unreadable_gives_a_clear_error(tmp_path):
    book = build_market_book(tmp_path / "hedge.xlsx")
    before = book.read_bytes()
    (tmp_path / "~$hedge.xlsx").write_bytes(b"owner")
    with pytest.raises(rf.RefreshError, match="open in Excel"):
        rf.refresh_file(book, source=FakeSource(MARKS))
    assert book.read_bytes() == before
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"not a zip")
    with pytest.raises(rf.RefreshError, match="not a readable Excel workbook"):
        rf.refresh_file(junk, source=FakeSource(MARKS))
    assert junk.read_bytes() == b"not a zip"
    with pytest.raises(rf.RefreshError, match="no Excel table named 'Market'"):
        bare = tmp_path / "bare.xlsx"
        openpyxl.Workbook().save(bare)
        rf.refresh_file(bare, source=FakeSource(MARKS))


def test_offline_snapshot_refresh_through_the_command(tmp_path):
    from perphedge.cli import main
    from perphedge.market.snapshot.source import SnapshotSource

    book = build_market_book(tmp_path / "hedge.xlsx")
    assert main(["refresh", str(book), "--offline"]) == 0
    rows = market_values(book)
    snap = SnapshotSource()
    for (sym, ex), r in zip(ROWS, rows):
        expected = snap.market_rows([(sym, ex)])[0]
        if expected.contract_size is None:      # SOL is not in the recorded snapshot
            assert sym == "SOL/USDT:USDT"
            assert r["Mark"] == OLD_MARK[2] and "previous values kept" in r["Status"]
            continue
        if expected.status.as_of_ms < NOW_MS - (NOW - OLD_AS_OF).total_seconds() * 1000:
            # recorded before the workbook's own values: those are newer and stay
            assert r["Mark"] == OLD_MARK[ROWS.index((sym, ex))] and "previous values kept" in r["Status"]
            continue
        assert r["Mark"] == expected.mark_price
        assert r["Contract size"] == expected.contract_size
        assert "recorded snapshot" in r["Status"]


#: Run in a child: ``perphedge refresh`` whose package write stops, once part of the temp
#: file is on disk, to say so and wait to be killed. The pause wraps the file object the
#: real ``Package.save`` writes into, so the product carries no hook for it.
_PAUSED_REFRESH = """
import sys, time
from perphedge import ooxml
from perphedge.cli import main

write_into = ooxml.Package.to_bytes_into

class Pausing:
    def __init__(self, f):
        self._f = f
    def write(self, b):
        n = self._f.write(b)
        self._f.flush()
        sys.stderr.write("paused mid-write\\n")
        sys.stderr.flush()
        time.sleep(30)
        return n
    def __getattr__(self, name):
        return getattr(self._f, name)

ooxml.Package.to_bytes_into = lambda self, f: write_into(self, Pausing(f))
sys.exit(main(["refresh", sys.argv[1], "--offline"]))
"""


def refresh_killed_mid_write(book):
    """Run ``perphedge refresh`` in a child process and SIGKILL it mid-write; returns the
    temp files it left."""
    folder = book.parent
    proc = subprocess.Popen(
        [sys.executable, "-c", _PAUSED_REFRESH, str(book)],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        line = ""
        for _ in range(200):                 # bounded: the child says when it is mid-write
            line = proc.stderr.readline()
            if "paused mid-write" in line or not line:
                break
        assert "paused mid-write" in line
        partial = [p for p in folder.iterdir() if p.name.endswith(".tmp")]
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    return partial


def test_leftover_of_a_killed_refresh_is_reported_then_removed_by_the_next(tmp_path):
    import time

    from perphedge.atomicfile import LEFTOVER_AGE_S
    from perphedge.cli import main
    from perphedge.files import check as ck

    book = build_market_book(tmp_path / "hedge.xlsx")
    before = book.read_bytes()
    partial = refresh_killed_mid_write(book)
    assert len(partial) == 1 and partial[0].stat().st_size > 0
    left = partial[0]
    assert left.name.startswith(".hedge.xlsx.perphedge-") and left.name.endswith(".tmp")
    assert book.read_bytes() == before
    # check says so (and that it may still be in use: it is seconds old)
    found = [f for f in ck.check_file(book) if f.kind == "leftover-temp"]
    assert [f.where for f in found] == [str(left)] and "may belong" in found[0].detail
    # a refresh now keeps it: it could be a write in progress
    rf.refresh_file(book, source=FakeSource(MARKS), now_ms=NOW_MS, backup=False)
    assert left.exists()
    # a few minutes later it is a leftover: the next refresh removes it, and only it
    old = time.time() - LEFTOVER_AGE_S - 60
    os.utime(left, (old, old))
    others = [tmp_path / ".other.xlsx.perphedge-0123456789ab.tmp",   # another file's
              tmp_path / ".hedge.xlsx.1a2b3c4d.tmp",                 # not named by us
              tmp_path / "hedge.xlsx.tmp"]
    for p in others:
        p.write_bytes(b"keep me")
        os.utime(p, (old, old))
    assert "next refresh" in [f for f in ck.check_file(book)
                              if f.kind == "leftover-temp"][0].detail
    assert main(["refresh", str(book), "--offline", "--no-backup"]) == 0
    assert not left.exists()
    assert all(p.read_bytes() == b"keep me" for p in others)
    assert [f for f in ck.check_file(book) if f.kind == "leftover-temp"] == []


def test_share_removes_old_leftovers_of_its_output_only(tmp_path):
    import time

    from perphedge.atomicfile import LEFTOVER_AGE_S, temp_name
    from perphedge.files.share import share_file

    book = build_market_book(tmp_path / "hedge.xlsx")
    out = tmp_path / "out.xlsx"
    old = time.time() - LEFTOVER_AGE_S - 60
    stale, young, other = (tmp_path / temp_name(out), tmp_path / temp_name(out),
                           tmp_path / temp_name(book))
    for p in (stale, young, other):
        p.write_bytes(b"partial")
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    share_file(book, out)
    assert not stale.exists() and young.exists() and other.exists()


def test_killed_mid_write_leaves_the_original_intact(tmp_path):
    book = build_market_book(tmp_path / "hedge.xlsx")
    before = book.read_bytes()
    partial = refresh_killed_mid_write(book)
    assert partial and partial[0].stat().st_size > 0     # a temp file was half written
    assert book.read_bytes() == before
    assert Package.read(book).table("Market")       # still a readable workbook

def test_package_table_reads_headers_and_columns(tmp_path):
    book = build_market_book(tmp_path / "hedge.xlsx")
    t = PackageMarketTable(Package.read(book))
    assert t.headers() == HEADERS and t.row_count() == 3
    assert t.column(0) == [s for s, _ in ROWS] and t.column(3) == OLD_MARK


def test_exchange_failing_over_http_keeps_values_marked_stale(tmp_path):
    """Real ccxt over HTTP to a local Binance on 127.0.0.1 (recorded answers): a first
    refresh fills the table; a later one, in a new process (no cache), meets HTTP 500 on
    every request and keeps those values, marked stale with the reason."""
    from tests.market import recorded
    from tests.market.fakeexchange import FakeExchange
    from tests.market.helpers import RECORDED_NOW_S, Clock, Sleeps, server_service

    now_ms = int(RECORDED_NOW_S * 1000)
    rows = [("BTC/USDT:USDT", "binanceusdm"), ("ETH/USDT:USDT", "binanceusdm")]
    book = build_market_book(tmp_path / "hedge.xlsx", rows=rows, extra=False)
    with FakeExchange(recorded.binance_routes(), lifetime_s=60) as fx:
        svc = server_service(fx, tmp_path / "c1", Clock(), Sleeps())
        first = rf.refresh_file(book, source=svc, now_ms=now_ms)
        assert first.fresh == 2
        filled = market_values(book)
        # Fresh, but the recorded Binance answers hold no tiers (no API key) and no
        # interval: the Status says so instead of a bare "fresh".
        assert all(isinstance(r["Mark"], float) for r in filled)
        assert all(r["Status"] == "partial: binanceusdm leverage tiers are not available without "
                   "API key (bybit and okx publish theirs); funding interval assumed 8 h"
                   for r in filled)

        fx.fault("/", "500", times=1000)
        svc2 = server_service(fx, tmp_path / "c2", Clock(), Sleeps())
        before = book.read_bytes()
        # nothing could be fetched: the file (and its newer values) stays exactly as it was
        with pytest.raises(rf.RefreshError, match="nothing could be fetched.*HTTP 500"):
            rf.refresh_file(book, source=svc2, now_ms=now_ms + 60_000)
    assert book.read_bytes() == before


def test_a_folder_that_cannot_be_written_gives_a_clear_error(tmp_path, monkeypatch):
    book = build_market_book(tmp_path / "hedge.xlsx")
    before = book.read_bytes()

    def refuse(*a, **k):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(rf.RefreshError, match="could not write .*Permission denied"):
        rf.refresh_file(book, source=FakeSource(MARKS))
    assert book.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_exchange_text_longer_than_a_cell_holds_is_cut_to_fit(tmp_path):
    from perphedge.ooxml.sheetxml import MAX_CELL_TEXT

    book = build_market_book(tmp_path / "hedge.xlsx")
    reason = "<html>" + "x" * 40_000
    rf.refresh_file(book, source=FakeSource(MARKS, failing={"bybit"}, reason=reason),
                    now_ms=NOW_MS, backup=False)
    status = market_values(book)[1]["Status"]
    assert len(status) == MAX_CELL_TEXT == 32_767 and status.endswith("\u2026")
    assert status.startswith("stale: <html>xxx")


def test_a_market_sheet_not_laid_out_as_excel_writes_it_is_a_clear_error(tmp_path):
    from tests.support.books import rewrite_parts

    book = build_market_book(tmp_path / "hedge.xlsx")

    def craft(parts):   # a shared-string cell whose index is not a number
        s = parts["xl/worksheets/sheet2.xml"].decode()
        parts["xl/worksheets/sheet2.xml"] = s.replace(
            "</row>", '<c r="Z1" t="s"><v>abc</v></c></row>', 1).encode()
    rewrite_parts(book, craft)
    before = book.read_bytes()
    with pytest.raises(rf.RefreshError, match="hedge.xlsx could not be updated: .*abc"):
        rf.refresh_file(book, source=FakeSource(MARKS), now_ms=NOW_MS)
    assert book.read_bytes() == before
    assert not (tmp_path / "hedge.xlsx.bak").exists()


def test_refresh_leaves_the_tiers_table_as_built(tmp_path):
    """Tiers are written by the builder only (``perphedge new`` rebuilds them): a refresh
    rewrites the Market sheet and leaves the Tiers sheet byte for byte. Synthetic tiers."""
    from perphedge.core.marketdata import LeverageTier
    from perphedge.template.build import build_workbook
    from perphedge.template.tiers_sheet import TierTable
    from tests.support.fake import row

    tiers = (LeverageTier(1, 0, 50_000, 0.004, 0.0, 50),
             LeverageTier(2, 50_000, float("inf"), 0.005, 50.0, 25))
    book = tmp_path / "tiers.xlsx"
    build_workbook([], [row(sym, "binanceusdm", 1.0) for sym in MARKS], {}, book,
                   now_ms=NOW_MS, tier_tables=[TierTable("BTC/USDT:USDT", "binanceusdm", tiers)])
    sheets = Package.read(book)
    tiers_part = sheets.sheet("Tiers").part
    before = members(book)
    res = rf.refresh_file(book, source=FakeSource(MARKS), now_ms=NOW_MS, backup=False)
    assert res.rows == 3
    after = members(book)
    assert after[tiers_part] == before[tiers_part]
    assert market_values(book)[0]["Mark"] == MARKS["BTC/USDT:USDT"]


@pytest.mark.parametrize("calc", [
    "<calcPr calcId='191029' fullCalcOnLoad='0'/>",   # single quotes: legal XML
    "",                                               # none: added where the schema puts it
])
def test_recalculation_on_load_is_set_in_the_workbook_part_as_a_tree(tmp_path, calc):
    from lxml import etree

    from tests.support.books import rewrite_parts

    book = build_market_book(tmp_path / "hedge.xlsx")
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def craft(parts):
        root = etree.fromstring(parts["xl/workbook.xml"])
        for old in root.findall(f"{{{ns}}}calcPr"):
            root.remove(old)
        text = etree.tostring(root).decode()
        tail = f"</{root.prefix + ':' if root.prefix else ''}workbook>"
        text = text.replace(tail, calc + f'<extLst xmlns="{ns}"/>' + tail)
        parts["xl/workbook.xml"] = text.encode()

    rewrite_parts(book, craft)
    rf.refresh_file(book, source=FakeSource(MARKS), now_ms=NOW_MS, backup=False)
    root = etree.fromstring(members(book)["xl/workbook.xml"])
    calcs = root.findall(f"{{{ns}}}calcPr")
    assert len(calcs) == 1 and calcs[0].get("fullCalcOnLoad") == "1"
    names = [etree.QName(el).localname for el in root]
    assert names.index("calcPr") == names.index("extLst") - 1
    assert names.index("calcPr") > names.index("sheets")
