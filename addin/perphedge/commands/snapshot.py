"""``perphedge snapshot``: show, rebuild or record the recorded market snapshot."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import click

from perphedge.core.errors import InvalidInput, MarketError

_RULE = "-" * 78


def make_service() -> Any:
    """The live market service `record` reads through (tests install a stand-in)."""
    from perphedge.market.config import MarketConfig
    from perphedge.market.live.service import MarketService

    return MarketService(MarketConfig.from_env())


@click.group("snapshot")
def snapshot() -> None:
    """Show, rebuild or record the offline market snapshot (recorded data, never live)."""


# ----------------------------------------------------------------------------- show

@snapshot.command("show")
@click.option("--file", "path", type=click.Path(dir_okay=False),
              help="A snapshot file (default: $PERPHEDGE_SNAPSHOT, else the embedded one).")
@click.option("--exchange", help="Only this exchange id.")
@click.option("--symbol", help="Only markets of this coin or symbol (BTC, BTC/USDT:USDT).")
def show(path: str | None, exchange: str | None, symbol: str | None) -> None:
    """What the snapshot holds: markets, figures, their dates and sources, what is absent."""
    from perphedge.core.conventions import utc_text
    from perphedge.market.snapshot.data import absent_figures, load_snapshot

    snap = _load(load_snapshot, path)
    out = [f"Recorded market snapshot - NOT live data ({snap.path or 'embedded'})",
           *textwrap.wrap(snap.description, 78),
           f"Newest recorded figure: {utc_text(snap.recorded_at_ms)}", ""]
    chosen = [m for m in snap.markets.values()
              if (exchange is None or m.exchange == exchange.strip().lower())
              and (symbol is None or symbol.strip().upper() in (m.base, m.symbol.upper()))]
    if not chosen:
        raise _no_match(snap, exchange, symbol)
    for m in sorted(chosen, key=lambda m: (m.exchange, m.symbol)):
        out.append(f"{m.exchange} {m.symbol} ({m.type})")
        for kind, f in m.figures.items():
            when = (f"not dated ({f.as_of_basis})" if f.as_of_basis
                    else f"as of {utc_text(f.as_of_ms)}")
            out.append(f"  {kind:<16} {_summary(kind, f.values)}")
            out.append(f"  {'':<16} {when}; source: {f.source}")
            if f.note:
                out.append(f"  {'':<16} note: {f.note}")
        gaps = absent_figures(snap, m)
        if gaps:
            out.append(f"  absent: {', '.join(what for what, _ in gaps)}")
        out.append("")
    out.append("Why figures are absent or qualified:")
    out += [f"  {key}: {text}" for key, text in snap.notes.items()]
    out.append("Sources:")
    for s in snap.sources:
        where = f"{s.get('repository')} {s.get('path')} @ {s.get('commit')}" if s.get("repository") else ""
        out.append(f"  {s.get('file') or '-'}: {s.get('what')} {where} "
                   f"[{s.get('licence') or 'n/a'}]".rstrip())
    click.echo("\n".join(out))


def _no_match(snap: Any, exchange: str | None, symbol: str | None) -> click.ClickException:
    """A filter that matches nothing is bad input (exit 2): say what was asked, in the words
    typed, and what the snapshot does hold, so the next try can match."""
    from perphedge.commands.plan import InputError

    asked = " ".join(f"{flag} {value.strip()}" for flag, value in
                     (("--exchange", exchange), ("--symbol", symbol)) if value is not None)
    exchanges = sorted({m.exchange for m in snap.markets.values()})
    held = f"exchanges in it: {', '.join(exchanges)} (without a filter, snapshot show lists every market)"
    return InputError(f"no market in the snapshot matches {asked}; {held}")


def _summary(kind: str, v: Any) -> str:
    if kind == "contract_spec":
        kind_text = "inverse" if v["inverse"] else "linear"
        return (f"contract size {v['contract_size']:g}, amount step {v['amount_step']:g}, "
                f"min {v['min_amount']:g}, {kind_text}, settle {v['settle']}, "
                f"maker {_g(v.get('maker_fee'))}, taker {_g(v.get('taker_fee'))}")
    if kind == "ticker":
        return ", ".join(f"{label} {_g(v.get(key))}" for key, label in
                         (("last_price", "last"), ("mark_price", "mark"), ("index_price", "index")))
    if kind == "funding":
        return (f"rate {v['rate_per_interval']!r} per {v['interval_hours']:g} h "
                f"(interval from {v['interval_source']}), mark {_g(v.get('mark_price'))}, "
                f"index {_g(v.get('index_price'))}")
    if kind == "leverage_tiers":
        return f"{len(v['tiers'])} tiers"
    if "points" in v:
        from perphedge.core.conventions import utc_text

        pts = v["points"]
        return f"{len(pts)} points, {utc_text(pts[0][0])} to {utc_text(pts[-1][0])}" if pts else "0 points"
    return json.dumps(dict(v))


def _g(x: Any) -> str:
    return "absent" if x is None else repr(x)


def _load(load_snapshot: Any, path: str | None) -> Any:
    try:
        return load_snapshot(path)
    except InvalidInput as e:
        raise click.ClickException(str(e)) from None


# ----------------------------------------------------------------------------- build

@snapshot.command("build")
@click.option("--fixtures", "fixtures", required=True,
              type=click.Path(exists=True, file_okay=False),
              help="Folder laid out like the shared fixtures (ccxt/..., history/...).")
@click.option("--out", "out", type=click.Path(dir_okay=False),
              help="Where to write (default: the embedded perphedge/data/snapshot.json).")
@click.option("--check", is_flag=True,
              help="Write nothing; fail if the file differs from a fresh build.")
def build(fixtures: str, out: str | None, check: bool) -> None:
    """Rebuild the embedded snapshot from the recorded fixture files (deterministic)."""
    from perphedge.market.snapshot.build import build_snapshot, dumps
    from perphedge.market.snapshot.data import EMBEDDED_PATH
    from perphedge.market.snapshot.recorder import write_snapshot

    target = Path(out) if out else EMBEDDED_PATH
    try:
        document = build_snapshot(fixtures)
    except (InvalidInput, KeyError, ValueError) as e:
        raise click.ClickException(f"cannot build from {fixtures}: {e}") from None
    text = dumps(document)
    current = target.read_text(encoding="utf-8") if target.is_file() else None
    if check:
        if current != text:
            raise click.ClickException(f"{target} differs from a fresh build of {fixtures}")
        click.echo(f"{target} is up to date ({len(text.encode()):,} bytes)")
        return
    if current == text:
        click.echo(f"{target} unchanged ({len(text.encode()):,} bytes)")
        return
    write_snapshot(document, target)
    click.echo(f"wrote {target}: {len(document['markets'])} markets, {len(text.encode()):,} bytes")


# ----------------------------------------------------------------------------- record

@snapshot.command("record")
@click.option("--exchange", help="Exchange id (default: the configured one, binanceusdm).")
@click.option("--symbols", "symbols", multiple=True,
              help="Symbols to record, repeatable or comma-separated (default BTC,ETH).")
@click.option("--days", default=30, show_default=True, type=int,
              help="Days of funding history and daily closes to record.")
@click.option("--out", "out", default="perphedge-snapshot.json", show_default=True,
              type=click.Path(dir_okay=False), help="File to write (replaced atomically).")
def record(exchange: str | None, symbols: tuple[str, ...], days: int, out: str) -> None:
    """Record a fresh snapshot from the live exchange API."""
    from perphedge.market.snapshot.recorder import record_snapshot, write_snapshot

    wanted = [s.strip() for item in (symbols or ("BTC,ETH",)) for s in item.split(",") if s.strip()]
    if days < 1:
        raise click.ClickException(f"days must be at least 1, got {days}")
    try:
        document = record_snapshot(make_service(), exchange, wanted, days)
    except (MarketError, InvalidInput) as e:
        raise click.ClickException(f"nothing recorded, {out} left unchanged: {e}") from None
    figures = sum(len(m["figures"]) for m in document["markets"])
    if figures == 0:
        reasons = sorted({why for m in document["markets"] for why in m["absent"].values()}
                         | set(document.get("unresolved", {}).values()))
        raise click.ClickException(f"nothing recorded, {out} left unchanged: "
                                   + ("; ".join(reasons[:3]) or "no symbols"))
    target = write_snapshot(document, out)
    click.echo(f"wrote {target}: {len(document['markets'])} markets, {figures} figures, "
               "recorded live (read back as a snapshot, never as live)")
    for m in document["markets"]:
        for kind, why in m["absent"].items():
            click.echo(f"  absent {m['exchange']} {m['symbol']} {kind}: {why}")
    for typed, why in document.get("unresolved", {}).items():
        click.echo(f"  not recorded {typed}: {why}")
