"""``perphedge positions``: the recorded Binance answers replayed through ccxt, reconciled
with a holdings CSV whose figures are all given (so no market read is needed for the plan).

The plan's numbers are hand calculations: 0.01 BTC at 68 911 hedged 50 % is 344.56 USD of
notional, 3 contracts of 100 USD (step 1, rounded down) — exactly the recorded short of
3 BTCUSD_PERP. 1 ETH at 3 000 hedged 50 % is 1 500 USD, 150 contracts of 10 USD, and no
ETH position is open."""

from __future__ import annotations

import json

import pytest

import perphedge.commands.positions as positions_command
from perphedge.cli import main
from perphedge.core.positions import MATCHED, NO_POSITION, UNKNOWN
from perphedge.market.config import MarketConfig
from perphedge.market.live.clients import ClientPool
from perphedge.market.live.positions import Account
from perphedge.refresh.positions import line_status_formula
from tests.market.guarded import GuardedExchange
from tests.market.helpers import Clock
from tests.market.live import test_positions as live
from tests.market.replay import Replay

EXCHANGES = ("binanceusdm", "binancecoinm")

CSV = ("asset,qty,hedge_symbol,exchange,strategy,hedge_ratio,leverage,price,contract_size,"
       "amount_step,min_amount,min_cost,inverse,mmr,maint_amount,taker_fee\n"
       "BTC,0.01,BTC/USD:BTC,binancecoinm,Custom,50%,1,68911,100,1,1,0,true,0.004,0,0\n"
       "ETH,1,ETH/USD:ETH,binancecoinm,Custom,50%,1,3000,10,1,1,0,true,0.005,0,0\n")


def _routes():
    routes = live.binance_account_routes()
    # no COIN-M income was recorded: the account answers "no settlements" (an empty list)
    routes["/dapi/v1/income"] = lambda q: (200, [])
    return routes


def _replay_account(tmp_path):
    config = MarketConfig(cache_dir=tmp_path / "cache", api_keys={ex: (live.KEY, live.SECRET) for ex in EXCHANGES})
    clock = Clock(live._ts(2024, 7, 28, 12))
    pool = Replay(_routes()).pool(config, clock)
    for ex in EXCHANGES:
        pool.client(ex).options["leverageBrackets"] = live.BRACKETS
    return Account(config, pool, clock=clock, sleep=lambda s: None)


@pytest.fixture
def holdings(tmp_path):
    path = tmp_path / "holdings.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def test_positions_json_reconciles_with_the_portfolio(tmp_path, holdings, monkeypatch, capsys):
    monkeypatch.setattr(positions_command, "make_account", lambda: _replay_account(tmp_path))
    code = main(["positions", "--exchange", "binancecoinm", "--exchange", "binanceusdm",
                 "--portfolio", str(holdings), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    rows = {r["symbol"]: r for r in data["reconciliation"]}
    btc = rows["BTC/USD:BTC"]
    assert (btc["status"], btc["held_contracts"], btc["target_contracts"], btc["contracts_to_trade"]) == (
        MATCHED, 3.0, 3.0, 0.0)
    assert btc["actual_ratio"] == 0.5 and btc["margin_label"] == "cross"
    assert btc["exchange_liquidation_price"] == 72491.16879818 and btc["perphedge_liquidation_price"] is None
    eth = rows["ETH/USD:ETH"]
    assert (eth["status"], eth["held_contracts"], eth["contracts_to_trade"]) == (NO_POSITION, 0.0, 150.0)
    # the USDⓈ-M BTC long is no holding's hedge; as a long it counts against a hedge: −0.009
    usdm = rows["BTC/USDT:USDT"]
    assert (usdm["status"], usdm["held_contracts"]) == (UNKNOWN, -0.009)
    # one Binance spot wallet behind both ids: read once, for the coins hedged on either
    assert [(b["exchange"], b["coin"], b["total"]) for b in data["spot_balances"]] == [
        ("binancecoinm", "BTC", 0.6), ("binancecoinm", "ETH", 2.0)]
    assert [(f["symbol"], f["settlements"]) for f in data["funding"]] == [("BTC/USD:BTC", 0), ("BTC/USDT:USDT", 0)]
    # Binance's documented apiRestrictions example: futures/portfolio trading on, no IP limit
    assert any("read-only key restricted to this machine's IP" in w for w in data["warnings"])
    assert live._clean(out + err)


def test_positions_table(tmp_path, holdings, monkeypatch, capsys):
    monkeypatch.setattr(positions_command, "make_account", lambda: _replay_account(tmp_path))
    code = main(["positions", "--portfolio", str(holdings)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "Positions on binancecoinm:" in out and "Against the plan:" in out
    line = next(x for x in out.splitlines() if x.startswith("BTC/USD:BTC") and "matched" in x)
    assert "cross" in line and "72,491.169" in line


def test_a_refusing_gateway_prints_one_clear_line_and_nothing_else(tmp_path, monkeypatch, capsys):
    with GuardedExchange(_routes(), echo=True, leak=f"key on file {live.KEY}", lifetime_s=60) as fx:
        config = MarketConfig(cache_dir=tmp_path / "cache", api_base={"binanceusdm": fx.base_url},
                              api_keys={"binanceusdm": (live.KEY, live.SECRET)})
        pool = ClientPool(config, sleep=lambda s: None)
        pool.client("binanceusdm").options["leverageBrackets"] = live.BRACKETS
        monkeypatch.setattr(positions_command, "make_account", lambda: Account(config, pool, sleep=lambda s: None))
        code = main(["positions", "--exchange", "binanceusdm", "--json"])
        assert any(live.KEY in b for b in fx.bodies)
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "binanceusdm rejected the API key" in err and "perphedge keys set binanceusdm" in err
    assert live._clean(err)
    assert [p for p in tmp_path.rglob("*") if p.is_file() and "cache" not in p.parts] == []


def test_no_key_says_how_to_set_one(tmp_path, monkeypatch, capsys):
    config = MarketConfig(cache_dir=tmp_path)
    monkeypatch.setattr(positions_command, "make_account",
                        lambda: Account(config, Replay({}).pool(config, Clock()), sleep=lambda s: None))
    code = main(["positions", "--exchange", "bybit"])
    out, err = capsys.readouterr()
    assert code == 1 and out == ""
    assert "bybit: no API key configured" in err and "perphedge keys set bybit" in err


# ---- the Positions sheet -----------------------------------------------------------------

def _book(tmp_path):
    from perphedge.template.demo import build_template

    return build_template(tmp_path / "hedge.xlsx")


def _sheet_rows(path):
    import openpyxl

    from perphedge.core.positions import SHEET_COLUMNS

    wb = openpyxl.load_workbook(path)
    ws = wb["Positions"]
    table = ws.tables["Positions"]
    first, last = table.ref.split(":")
    header_row = int(first[1:])
    last_row = int("".join(ch for ch in last if ch.isdigit()))
    assert [c.value for c in ws[header_row]][:len(SHEET_COLUMNS)] == [h for _, h in SHEET_COLUMNS]
    rows = [[c.value for c in ws[r]][:len(SHEET_COLUMNS)] for r in range(header_row + 1, last_row + 1)]
    return wb, ws, table, rows


def test_positions_fill_the_workbooks_sheet_as_the_command_reports_them(tmp_path, holdings, monkeypatch,
                                                                        capsys):
    book = _book(tmp_path)
    _, _, table, rows = _sheet_rows(book)
    assert rows == [[None] * 16]                 # built: one empty line and the how-to
    monkeypatch.setattr(positions_command, "make_account", lambda: _replay_account(tmp_path))
    code = main(["positions", "--exchange", "binancecoinm", "--exchange", "binanceusdm",
                 "--portfolio", str(holdings), "--json", "--workbook", str(book)])
    out, err = capsys.readouterr()
    assert code == 0, err
    data = json.loads(out)
    wb, ws, table, rows = _sheet_rows(book)
    # the plan's order, then the position no holding plans (the hand-worked figures above)
    assert [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows] == [
        ("binancecoinm", "BTC/USD:BTC", MATCHED, 3, 3, 0),
        ("binancecoinm", "ETH/USD:ETH", NO_POSITION, 0, 150, 150),
        ("binanceusdm", "BTC/USDT:USDT", UNKNOWN, -0.009, None, None)]
    btc = rows[0]
    recorded = next(p for p in data["positions"] if p["symbol"] == "BTC/USD:BTC")
    assert btc[6] == 0.5 and btc[7] == "cross" and btc[8] is None and btc[9] == recorded["entry_price"]
    assert btc[13] == 72491.16879818 and btc[14] is None   # cross: no isolated price of ours
    assert table.ref == "A5:P8" and wb.defined_names["PositionsStatus"].attr_text == "'Positions'!$A$2"
    assert ws.print_area == "'Positions'!$A$1:$P$8"
    assert ws["B4"].value == "binancecoinm, binanceusdm"   # PositionsRead: what the Portfolio may trust
    status = ws["A2"].value
    assert status.startswith("Read ") and "binancecoinm, binanceusdm" in status
    assert "3 open position(s)" not in status and "2 open position(s)" in status
    assert "reconciled with the plan of" in status and "Warning:" in status
    assert live._clean(status)
    # read again without a plan: one line per open position, its Status read against the
    # workbook's own Portfolio (a formula), the table shrinks back and the lines it left
    # are emptied
    monkeypatch.setattr(positions_command, "make_account", lambda: _replay_account(tmp_path))
    assert main(["positions", "--exchange", "binancecoinm", "--workbook", str(book)]) == 0
    _, ws, table, rows = _sheet_rows(book)
    assert [(r[1], r[3]) for r in rows] == [("BTC/USD:BTC", 3)]
    assert rows[0][2] == "=" + line_status_formula(6)
    assert table.ref == "A5:P6" and all(c.value is None for c in ws[7][:16])
    assert ws["B4"].value == "binancecoinm"


def test_libreoffice_reads_the_written_sheet(tmp_path, holdings, monkeypatch, recalc):
    book = _book(tmp_path)
    monkeypatch.setattr(positions_command, "make_account", lambda: _replay_account(tmp_path))
    assert main(["positions", "--exchange", "binancecoinm", "--exchange", "binanceusdm",
                 "--portfolio", str(holdings), "--workbook", str(book)]) == 0
    ws = recalc(book)["Positions"]
    assert [ws[f"B{r}"].value for r in (6, 7, 8)] == ["BTC/USD:BTC", "ETH/USD:ETH", "BTC/USDT:USDT"]
    assert ws["N6"].value == 72491.16879818 and ws["C7"].value == NO_POSITION


def test_a_workbook_without_a_positions_sheet_is_refused_unchanged(tmp_path, monkeypatch, capsys):
    from tests.support.books import build_market_book

    book = build_market_book(tmp_path / "old.xlsx")
    before = book.read_bytes()
    monkeypatch.setattr(positions_command, "make_account", lambda: _replay_account(tmp_path))
    code = main(["positions", "--exchange", "binancecoinm", "--workbook", str(book)])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "no Positions sheet" in err and "perphedge new" in err
    assert book.read_bytes() == before


def test_refresh_fills_the_positions_sheet_from_the_keyed_exchanges_of_the_market_table(
        tmp_path, monkeypatch, capsys):
    from perphedge.commands.refresh import _refresh_positions
    from perphedge.template.demo import build_demo

    book = tmp_path / "demo.xlsx"
    build_demo(book)   # its Market table lists binanceusdm
    monkeypatch.setattr(positions_command, "make_account", lambda: _replay_account(tmp_path))
    _refresh_positions(book)
    assert "1 open on binanceusdm, written to the Positions sheet" in capsys.readouterr().out
    _, ws, _, rows = _sheet_rows(book)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        ("binanceusdm", "BTC/USDT:USDT", "=" + line_status_formula(6), -0.009)]
    assert "from binanceusdm" in ws["A2"].value

    # the exchange fails next time: the lines stay, the status line says why
    def refusing():
        account = _replay_account(tmp_path)

        def fail(exchange):
            from perphedge.core.errors import MarketError
            raise MarketError(f"{exchange} rejected the API key: set it again")
        account.positions = fail
        return account
    monkeypatch.setattr(positions_command, "make_account", refusing)
    _refresh_positions(book)
    assert "positions: not read: binanceusdm rejected the API key" in capsys.readouterr().err
    _, ws, _, again = _sheet_rows(book)
    assert again == rows and ws["A2"].value.startswith("Not refreshed ")
    assert "The lines below are from the last read" in ws["A2"].value


def test_refresh_without_a_key_says_how_to_have_positions_read(tmp_path, monkeypatch, capsys):
    from perphedge.commands.refresh import _refresh_positions
    from perphedge.template.demo import build_demo

    book = tmp_path / "demo.xlsx"
    build_demo(book)
    before = book.read_bytes()
    config = MarketConfig(cache_dir=tmp_path)
    monkeypatch.setattr(positions_command, "make_account",
                        lambda: Account(config, Replay({}).pool(config, Clock()), sleep=lambda s: None))
    _refresh_positions(book)
    out = capsys.readouterr().out
    assert "positions: not read (no read-only API key for binanceusdm;" in out
    assert "perphedge keys set binanceusdm" in out and book.read_bytes() == before


def test_filling_positions_after_a_refresh_keeps_the_users_backup(tmp_path, monkeypatch):
    # refresh keeps the user's version as FILE.bak and records what it wrote; the positions
    # written after it must not make the next refresh take its own output for the user's
    from perphedge.commands.refresh import _refresh_positions
    from perphedge.files.refresh import backup_file, refresh_file
    from perphedge.template.demo import build_demo
    from tests.support.fake import AFTER_SNAPSHOT_MS, FakeSource

    book = tmp_path / "demo.xlsx"
    build_demo(book)
    users = book.read_bytes()
    marks = {"BTC/USDT:USDT": 71234.5, "ETH/USDT:USDT": 2345.75}   # synthetic inputs
    refresh_file(book, source=FakeSource(marks, now_ms=AFTER_SNAPSHOT_MS), now_ms=AFTER_SNAPSHOT_MS)
    assert backup_file(book).read_bytes() == users
    monkeypatch.setattr(positions_command, "make_account", lambda: _replay_account(tmp_path))
    _refresh_positions(book)
    later = AFTER_SNAPSHOT_MS + 3_600_000
    refresh_file(book, source=FakeSource(marks, now_ms=later), now_ms=later)
    assert backup_file(book).read_bytes() == users


def _reconciling_book(tmp_path):
    """A workbook whose Portfolio plans the hedges of the module docstring, on synthetic
    Market rows holding the CSV's figures (inputs to the formulas, not market data): BTC
    0.01 at 68 911 hedged 50 % (3 contracts of 100 USD), ETH 1 at 3 000 hedged 50 % (150
    contracts of 10 USD) with 0 typed as held, and LTC 10 at 80 hedged 50 % (40 contracts
    of 10 USD), which the account has no position on."""
    from perphedge.core.holdings import HoldingInput
    from perphedge.template.build import build_workbook
    from tests.support.fake import NOW_MS, row

    coin = dict(contract_size=None, amount_step=1.0, min_amount=1.0, inverse=True, taker_fee=0.0,
                maint_amount=0.0)
    rows = [row("BTC/USD:BTC", "binancecoinm", 68_911.0, spot_price=68_911.0, **{**coin, "contract_size": 100.0}),
            row("ETH/USD:ETH", "binancecoinm", 3_000.0, spot_price=3_000.0, **{**coin, "contract_size": 10.0}),
            row("LTC/USD:LTC", "binancecoinm", 80.0, spot_price=80.0, **{**coin, "contract_size": 10.0})]
    holdings = [HoldingInput("BTC", 0.01, "BTC/USD:BTC", "binancecoinm", "Custom", 0.5),
                HoldingInput("ETH", 1.0, "ETH/USD:ETH", "binancecoinm", "Custom", 0.5, held_contracts=0.0),
                HoldingInput("LTC", 10.0, "LTC/USD:LTC", "binancecoinm", "Custom", 0.5)]
    path = tmp_path / "plan.xlsx"
    build_workbook(holdings, rows, {}, path, now_ms=NOW_MS)
    return path, holdings, rows


def test_the_portfolio_takes_its_held_contracts_from_the_positions_sheet(tmp_path, monkeypatch, recalc):
    """Read with no plan given, the sheet's lines are reconciled by the workbook itself:
    the Portfolio's blank Held contracts take the short open on their market (typed ones
    win, labelled), Held from says the reconciliation word, and each Positions line says
    whether a holding plans it. LibreOffice recalculates; core says the same."""
    from perphedge.core.positions import PositionsRead, SheetLine
    from perphedge.template import layout as L
    from tests.template.test_portfolio import check_rows

    book, holdings, market = _reconciling_book(tmp_path)
    monkeypatch.setattr(positions_command, "make_account", lambda: _replay_account(tmp_path))
    assert main(["positions", "--exchange", "binancecoinm", "--exchange", "binanceusdm",
                 "--workbook", str(book)]) == 0
    wb = recalc(book)
    ws = wb["Portfolio"]

    def cell(key, i):
        return ws[f"{L.pcol(key)}{L.PORTFOLIO_FIRST_ROW + i}"].value

    # BTC: 3 contracts planned (hand-worked above), the recorded cross short of 3 held
    assert (cell("contracts", 0), cell("held_used", 0), cell("held_from", 0)) == (3, 3, "exchange: matched")
    assert cell("margin_held", 0) == "not isolated" and cell("rebalance", 0) == 0
    # the ratio the held short gives: 3 × 100 USD over 0.01 × 68 911 of spot, against 50 % planned
    assert cell("ratio_held", 0) == pytest.approx(300 / 689.11, rel=1e-12)
    # ETH: 0 typed, as the exchange (no position open) says
    assert (cell("held_used", 1), cell("held_from", 1)) == (0, "typed (as on the exchange)")
    # LTC: nothing open on its market: 0 held, 40 contracts to sell
    assert (cell("contracts", 2), cell("held_used", 2), cell("held_from", 2)) == (40, 0, "exchange: no position")
    assert cell("rebalance", 2) == 40 and cell("ratio_held", 2) == 0
    pos = wb["Positions"]
    assert [(pos[f"B{r}"].value, pos[f"C{r}"].value) for r in (6, 7)] == [
        ("BTC/USD:BTC", "Portfolio: exchange: matched"), ("BTC/USDT:USDT", "not in Portfolio")]
    read = PositionsRead.parse(pos["B4"].value, [SheetLine(pos[f"A{r}"].value, pos[f"B{r}"].value,
                                                           pos[f"D{r}"].value, pos[f"I{r}"].value) for r in (6, 7)])
    check_rows(wb, holdings, market, positions=read)


def test_a_market_of_an_exchange_not_read_is_not_read_never_no_position(tmp_path, monkeypatch, recalc):
    from perphedge.template import layout as L

    book, _, _ = _reconciling_book(tmp_path)
    monkeypatch.setattr(positions_command, "make_account", lambda: _replay_account(tmp_path))
    assert main(["positions", "--exchange", "binanceusdm", "--workbook", str(book)]) == 0
    ws = recalc(book)["Portfolio"]
    first = L.PORTFOLIO_FIRST_ROW
    assert [ws[f"{L.pcol('held_from')}{first + i}"].value for i in range(3)] == [
        "not read on binancecoinm", "typed", "not read on binancecoinm"]
    assert ws[f"{L.pcol('held_used')}{first}"].value in (None, "")
    assert ws[f"{L.pcol('rebalance')}{first}"].value in (None, "")
