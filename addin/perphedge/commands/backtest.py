"""``perphedge backtest``: walk a hedge policy over funding settlements.

The settlements come from the exchange (live, through the market service: its funding
history, paginated and cached, with the mark price at each settlement where the exchange
gives it), from the recorded histories shipped with the package (``--offline``: Binance BTC,
ETH and BNB to 2026-10-03), or from a folder of recorded files (``--history DIR``). The math
is :mod:`perphedge.core.backtest`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from perphedge.commands.plan import InputError
from perphedge.core.backtest import BacktestResult, HedgePolicy, Settlement, backtest
from perphedge.core.conventions import DEFAULT_EXCHANGE, MS_PER_DAY, utc_text
from perphedge.core.errors import DataUnavailable, InvalidInput, PerphedgeError, UnreadableFile
from perphedge.core.validate import leverage_text, ratio_text

# ---- input ---------------------------------------------------------------------------

def _fraction(option: str, text: str) -> float:
    try:
        return ratio_text(option, text)  # "50%" is the fraction 0.5 (core's one ratio parser)
    except InvalidInput as e:
        if e.requirement == "must be a number":
            raise InputError(f"{option} must be a number or a percentage, got {text!r}") from None
        raise InputError(f"{option} must be a finite number, got {text!r}") from None


def _leverage(text: str) -> float:
    try:
        return leverage_text("--leverage", text)  # "2x", as the output prints it
    except InvalidInput:
        raise InputError(f"--leverage must be a number such as 2 or 2x, got {text!r}") from None


def _day(option: str, text: str) -> datetime:
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InputError(f"{option} must be a date YYYY-MM-DD (UTC), got {text!r}") from None


def _ms(day: datetime) -> int:
    return int(day.timestamp()) * 1000


def history_file(history: str, asset: str) -> Path:
    """``DIR/<ASSET>USDT_funding.csv``; an error naming what the folder holds otherwise."""
    folder = Path(history)
    if not folder.is_dir():
        raise InputError(f"--history {history}: not a folder")
    name = f"{asset.upper()}USDT_funding.csv"
    path = folder / name
    if not path.is_file():
        held = sorted(p.name for p in folder.glob("*USDT_funding.csv"))
        raise InputError(f"--history {history}: no {name} (funding files there: {', '.join(held) or 'none'})")
    return path


def read_settlements(path: Path) -> list[Settlement]:
    """Settlements of a recorded ``fundingTime,fundingRate,markPrice`` CSV (empty mark: None)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InputError(f"{path}: cannot read the file ({e.strerror or e})") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a UTF-8 text file") from None
    return settlements_of(text, str(path))


def settlements_of(text: str, path: str) -> list[Settlement]:
    """The settlements of one such CSV's text; ``path`` names it in errors (exit 2)."""
    from perphedge.market.snapshot.histories import parse_settlements

    try:
        return parse_settlements(text, path)
    except UnreadableFile as e:
        raise InputError(str(e)) from None


def window(settlements: Sequence[Settlement], start: datetime | None, end: datetime | None,
           source: str) -> list[Settlement]:
    """The settlements from ``start`` (00:00 UTC) through the whole of day ``end``; a window
    the data does not cover is an error naming the span it holds."""
    first, last = settlements[0].time_ms, settlements[-1].time_ms
    first_day = datetime.fromtimestamp(first // 1000, UTC).replace(hour=0, minute=0, second=0)
    last_day = datetime.fromtimestamp(last // 1000, UTC).replace(hour=0, minute=0, second=0)
    s = start or first_day
    e = end or last_day
    span = f"{source} holds {utc_text(first)} to {utc_text(last)}"
    if e < s:
        raise InputError(f"--to {e:%Y-%m-%d} is before --from {s:%Y-%m-%d}")
    if s < first_day or e > last_day:
        raise InputError(f"the window {s:%Y-%m-%d} to {e:%Y-%m-%d} is not covered: {span}")
    lo, hi = _ms(s), _ms(e + timedelta(days=1))
    kept = [x for x in settlements if lo <= x.time_ms < hi]
    if len(kept) < 2:
        raise InputError(f"the window {s:%Y-%m-%d} to {e:%Y-%m-%d} holds {len(kept)} settlement(s), "
                         f"at least 2 are needed: {span}")
    return kept


# ---- output --------------------------------------------------------------------------

def _money(x: float | None) -> str:
    return "-" if x is None else f"{x:,.2f}"


def _pct(x: float | None, signed: bool = True) -> str:
    if x is None:
        return "-"
    return f"{x * 100:+.2f}%" if signed else f"{x * 100:.2f}%"


def result_as_dict(asset: str, source: str, result: BacktestResult, notes: Sequence[str]) -> dict[str, Any]:
    p = result.policy
    return {
        "asset": asset, "source": source, "qty": result.qty,
        "policy": {"hedge_ratio": p.hedge_ratio, "leverage": p.leverage, "band": p.band,
                   "contract_size": p.contract_size, "amount_step": p.amount_step,
                   "taker_fee": p.taker_fee, "mmr": p.mmr, "maint_amount": p.maint_amount,
                   "exchange": p.exchange},
        "start": utc_text(result.start_ms), "end": utc_text(result.end_ms),
        "start_ms": result.start_ms, "end_ms": result.end_ms,
        "settlements": result.settlements, "years": result.years,
        "sum_of_rates": result.sum_rates, "rates_apr": result.rates_apr,
        "price_figures_reason": result.price_figures_reason,
        "funding_total": result.funding_total,
        "average_hedged_notional": result.average_hedged_notional,
        "funding_fraction_of_notional": result.funding_fraction,
        "realised_funding_apr": result.funding_apr,
        "fees_total": result.fees_total, "rebalances": result.rebalances,
        "liquidated": result.liquidated,
        "liquidations": [{"time": utc_text(x.time_ms), "time_ms": x.time_ms, "mark": x.mark,
                          "liq_price": x.liq_price, "entry_price": x.entry_price,
                          "short_qty": x.short_qty, "margin": x.margin, "loss": x.loss}
                         for x in result.liquidations],
        "daily_vol_hedged": result.daily_vol_hedged, "daily_vol_unhedged": result.daily_vol_unhedged,
        "variance_reduction": result.variance_reduction,
        "max_drawdown_hedged": result.max_drawdown_hedged,
        "max_drawdown_unhedged": result.max_drawdown_unhedged,
        "worst_30d_return_hedged": result.worst_30d_hedged,
        "worst_30d_return_unhedged": result.worst_30d_unhedged,
        "final_hedged_equity": result.final_hedged_equity,
        "final_unhedged_equity": result.final_unhedged_equity,
        "liquidation_rule": result.liquidation_rule,
        "liquidation_rule_note": result.liquidation_rule_note,
        "by_year": [{"year": y.year, "settlements": y.settlements, "funding_received": y.funding,
                     "sum_of_rates": y.sum_rates, "hedged_return": y.hedged_return,
                     "unhedged_return": y.unhedged_return} for y in result.by_year],
        "notes": list(notes),
    }


YEAR_COLUMNS = ("year", "settlements", "funding", "sum of rates", "hedged", "unhedged")


def _table(header: Sequence[str], body: list[list[str]], left: set[str]) -> str:
    table = [list(header)] + body
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]

    def render(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) if name in left else c.rjust(w)
                         for c, w, name in zip(cells, widths, header)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([render(table[0]), rule] + [render(r) for r in body])


def format_result(asset: str, result: BacktestResult) -> str:
    p = result.policy
    lines = [f"{asset}: {result.qty:g} hedged {_pct(p.hedge_ratio, False)} at {p.leverage:g}x, "
             f"band {_pct(p.band, False)}, taker fee {p.taker_fee * 100:g}%, {p.exchange}",
             f"{utc_text(result.start_ms)} to {utc_text(result.end_ms)}: {result.settlements} settlements, "
             f"{result.years:.2f} years; sum of rates {_pct(result.sum_rates)} ({_pct(result.rates_apr)} a year)"]
    if result.price_figures_reason is None:
        liq = "none" if not result.liquidations else "; ".join(
            f"{utc_text(x.time_ms)} at {_money(x.mark)} (liq price {_money(x.liq_price)}, loss {_money(x.loss)})"
            for x in result.liquidations)
        summary = [
            ["funding received", _money(result.funding_total), ""],
            ["average hedged notional", _money(result.average_hedged_notional), ""],
            ["funding of average hedged notional", _pct(result.funding_fraction), ""],
            ["realised funding APR", _pct(result.funding_apr), ""],
            ["fees", _money(result.fees_total), ""],
            ["rebalances", str(result.rebalances), ""],
            ["daily volatility (hedged / unhedged)", _pct(result.daily_vol_hedged, False),
             _pct(result.daily_vol_unhedged, False)],
            ["variance reduction", _pct(result.variance_reduction), ""],
            ["max drawdown (hedged / unhedged)", _pct(result.max_drawdown_hedged, False),
             _pct(result.max_drawdown_unhedged, False)],
            ["worst 30 days (hedged / unhedged)", _pct(result.worst_30d_hedged), _pct(result.worst_30d_unhedged)],
            ["final equity (hedged / unhedged)", _money(result.final_hedged_equity),
             _money(result.final_unhedged_equity)],
        ]
        lines += ["", _table(("figure", "hedged / value", "unhedged"), summary, {"figure"}), f"liquidations: {liq}",
                  f"liquidation rule: {result.liquidation_rule}"
                  + (f" ({result.liquidation_rule_note})" if result.liquidation_rule_note else "")]
    else:
        lines.append(f"price figures absent: {result.price_figures_reason}")
    body = [[str(y.year), str(y.settlements), _money(y.funding), _pct(y.sum_rates),
             _pct(y.hedged_return), _pct(y.unhedged_return)] for y in result.by_year]
    lines += ["", _table(YEAR_COLUMNS, body, set())]
    return "\n".join(lines)


# ---- where the settlements come from --------------------------------------------------

@dataclass(frozen=True)
class History:
    """Settlements, what they are (named in messages and the JSON), and notes on them."""

    settlements: list[Settlement]
    source: str
    notes: tuple[str, ...] = ()


#: Days a live backtest asks when no --from is given.
DEFAULT_LIVE_DAYS = 365


def recorded(asset: str) -> History:
    from perphedge.market.snapshot.histories import recorded_history

    try:
        rec = recorded_history(asset)
    except DataUnavailable as e:
        raise InputError(f"--asset {asset}: {e}") from None
    return History(settlements_of(rec.text, rec.name), f"the recorded {rec.name}")


def live(asset: str, exchange: str, start: datetime | None, now_ms: int) -> History:
    """The exchange's funding history from ``start`` (default: the last 365 days) to now."""
    from perphedge.market.config import MarketConfig
    from perphedge.market.live.service import MAX_HISTORY_DAYS, MarketService

    days = DEFAULT_LIVE_DAYS if start is None else math.ceil((now_ms - _ms(start)) / MS_PER_DAY) + 1
    if days > MAX_HISTORY_DAYS:
        raise InputError(f"--from {start:%Y-%m-%d}: live histories go back {MAX_HISTORY_DAYS} days at most "
                         f"(--offline reads the recorded ones, which start in 2019)")
    if days < 1:
        raise InputError(f"--from {start:%Y-%m-%d} is in the future")
    svc = MarketService(MarketConfig.from_env())
    try:
        got = svc.funding_history(asset, days, exchange)
    except InvalidInput as e:
        raise InputError(str(e)) from None
    except PerphedgeError as e:
        raise click.ClickException(f"no funding history from {exchange}: {e} (--offline reads the "
                                   "recorded histories)") from None
    points = got.value
    if not points:
        raise click.ClickException(f"{exchange} sent no funding settlement for {asset} in the last {days} days")
    notes = (f"{got.status.text(now_ms)}",) if got.status.stale else ()
    where = f"{exchange}'s funding history of {asset.upper()}"
    return History([Settlement(p.time_ms, p.rate_per_interval, p.mark_price) for p in points], where, notes)


# ---- the command ---------------------------------------------------------------------

@click.command("backtest")
@click.option("--asset", required=True, help="The coin, e.g. BTC (its USDT perp).")
@click.option("--history", "history", metavar="DIR",
              help="Folder of recorded <SYM>USDT_funding.csv files (Binance USDⓈ-M "
                   "fundingTime,fundingRate,markPrice) to read instead of the exchange.")
@click.option("--offline", is_flag=True,
              help="The recorded histories shipped with perphedge: Binance BTC, ETH, BNB, "
                   "2019 to 2026-10-03 (mark prices from 2023-10-31).")
@click.option("--qty", default="1", show_default=True, help="Spot quantity held, in base units.")
@click.option("--ratio", default="50%", show_default=True, help="Hedge ratio, a fraction or a percentage.")
@click.option("--leverage", default="1", show_default=True,
              help="Leverage of the short (margin = notional / leverage).")
@click.option("--band", default="5%", show_default=True,
              help="Rebalance when the ratio is further than this from the target.")
@click.option("--fee", default="0.05%", show_default=True, help="Taker fee per trade, of traded notional.")
@click.option("--contract-size", default="1", show_default=True, help="Base units per contract.")
@click.option("--step", default="0", show_default=True, help="Amount step in contracts (0: no rounding).")
@click.option("--mmr", default="0.005", show_default=True, help="Maintenance margin rate of the tier.")
@click.option("--maint-amount", default="0", show_default=True, help="Maintenance amount of the tier (quote).")
@click.option("--exchange", default=DEFAULT_EXCHANGE, show_default=True,
              help="Venue asked for the history (live) and whose liquidation rule applies.")
@click.option("--from", "start", metavar="YYYY-MM-DD", help="First day (UTC); default: the data's first.")
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day (UTC), included; default: the data's last.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def backtest_command(asset: str, history: str | None, offline: bool, qty: str, ratio: str, leverage: str,
                     band: str, fee: str, contract_size: str, step: str, mmr: str, maint_amount: str,
                     exchange: str, start: str | None, end: str | None, as_json: bool) -> None:
    """Walk a short-perp hedge over funding settlements (live, recorded with --offline, or
    files with --history): funding at each mark, fees, rebalances, liquidations, hedged vs
    unhedged equity, per-year table. A window before the marks gives the funding per unit of
    notional only, and says so."""
    from perphedge.market.config import MarketConfig

    first = _day("--from", start) if start else None
    last = _day("--to", end) if end else None
    if history:
        path = history_file(history, asset.strip())
        got = History(read_settlements(path), path.name)
    elif offline or MarketConfig.from_env().offline:
        got = recorded(asset)
    else:
        got = live(asset.strip(), exchange, first, int(time.time() * 1000))
    settlements = got.settlements
    chosen = window(settlements, first, last, got.source)
    notes = list(got.notes)
    marked = [s for s in chosen if s.mark is not None]
    if marked and len(marked) != len(chosen):
        first_mark = next(s.time_ms for s in settlements if s.mark is not None)
        # the first day all of whose settlements have marks
        day = first_mark // MS_PER_DAY
        if any(s.mark is None and s.time_ms // MS_PER_DAY == day for s in settlements):
            day += 1
        notes.append(f"{got.source} has mark prices from {utc_text(first_mark)} only: this window gives the "
                     f"funding per unit of notional alone; --from {utc_text(day * MS_PER_DAY)[:10]} or later "
                     "for the hedge walk")
        chosen = [Settlement(s.time_ms, s.rate, None) for s in chosen]
    try:
        policy = HedgePolicy(hedge_ratio=_fraction("--ratio", ratio), leverage=_leverage(leverage),
                             band=_fraction("--band", band), contract_size=_fraction("--contract-size", contract_size),
                             amount_step=_fraction("--step", step), taker_fee=_fraction("--fee", fee),
                             mmr=_fraction("--mmr", mmr), maint_amount=_fraction("--maint-amount", maint_amount),
                             exchange=exchange)
        result = backtest(policy, _fraction("--qty", qty), chosen)
    except InvalidInput as e:
        raise InputError(str(e)) from None
    name = asset.strip().upper()
    if as_json:
        click.echo(json.dumps(result_as_dict(name, got.source, result, notes), indent=2, allow_nan=False))
        return
    for note in notes:
        click.echo(note)
    if notes:
        click.echo("")
    click.echo(format_result(name, result))
