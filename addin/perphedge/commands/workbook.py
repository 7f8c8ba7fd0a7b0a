"""``perphedge new PATH [--portfolio holdings.csv] [--offline]`` and
``perphedge template [--out workbooks/perpetual_hedge.xlsx] [--pictures]``."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from perphedge.commands.output import BadInput, Failure, claim_output, refuse_if_open
from perphedge.core.errors import InvalidInput, MarketError, PerphedgeError
from perphedge.core.marketdata import RECORDED_SOURCE, recorded_note

__all__ = ["BadInput", "new", "template"]


def market_source(offline: bool):
    """The market source, its default exchange, and whether it is the recorded snapshot:
    the snapshot with --offline (the flag of the command or the global one, which sets
    PERPHEDGE_OFFLINE), else the live service."""
    from perphedge.market.config import MarketConfig

    config = MarketConfig.from_env()
    if offline or config.offline:
        from perphedge.market.snapshot.data import load_snapshot
        from perphedge.market.snapshot.source import SnapshotSource

        return SnapshotSource(load_snapshot()), config.default_exchange, True
    from perphedge.market.live.service import MarketService

    return MarketService(config), config.default_exchange, False


@click.command("new")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--portfolio", "portfolio", type=click.Path(dir_okay=False, path_type=Path),
              help="Holdings CSV: asset,qty,hedge_symbol,exchange,hedge_ratio,leverage "
                   "(only asset and qty required; the file perphedge plan --csv reads).")
@click.option("--offline", is_flag=True,
              help="Market values from the embedded recorded snapshot, not the exchanges.")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def new(path: Path, portfolio: Path | None, offline: bool, force: bool) -> None:
    """Build a hedge workbook at PATH, with your holdings and their Market rows."""
    from perphedge.template.build import build_workbook
    from perphedge.template.holdings_csv import HoldingsCsvError, read_holdings_file

    if path.suffix.lower() != ".xlsx":
        raise BadInput(f"PATH must end in .xlsx, got {path}")
    claim_output(path, force)
    lines: list[int] = []
    holdings = []
    unused: tuple[str, ...] = ()
    if portfolio is not None:
        try:
            book = read_holdings_file(portfolio)
        except HoldingsCsvError as e:
            raise BadInput(f"{e} — nothing written") from e
        lines = [r.line for r in book.rows]
        holdings = [r.holding for r in book.rows]
        # The workbook's formulas read every market figure from its Market table, which
        # the refresh keeps current: a figure typed in the CSV would be overwritten there.
        unused = book.figure_columns
    source, default_exchange, is_snapshot = market_source(offline)
    try:
        inputs = _gather(holdings, lines, portfolio, source, default_exchange, is_snapshot)
    except MarketError as e:
        if is_snapshot or not _no_network(e):
            raise Failure(f"market data unavailable: {e} — nothing written "
                                       "(--offline builds from the recorded snapshot)") from e
        # No network at all: build from the recorded snapshot, and say so loudly.
        click.echo(f"note: {e}; Market values come from the recorded snapshot instead", err=True)
        source, default_exchange, is_snapshot = market_source(True)
        inputs = _gather(holdings, lines, portfolio, source, default_exchange, True)
    note = _data_note(inputs.market_rows, is_snapshot)
    try:
        result = build_workbook(inputs.holdings, inputs.market_rows, inputs.funding_history,
                                path, data_note=note, tier_tables=inputs.tier_tables,
                                beta_series=inputs.beta_series)
    except PerphedgeError as e:
        raise Failure(f"{e} — nothing written") from e
    click.echo(f"{result.path}: {result.holdings} holdings, {result.market_rows} Market rows, "
               f"funding history for {result.funding_symbols} symbols"
               + (" (recorded snapshot, not live)" if is_snapshot else ""))
    if unused:
        click.echo(f"  note: columns not used (the workbook reads these figures from its Market "
                   f"table, filled from the market): {', '.join(unused)}")
    for m in inputs.messages:
        click.echo(f"  note: {m}")


def _gather(holdings, lines, portfolio, source, default_exchange, keep_unlisted: bool):
    """The holdings resolved and their market data; a symbol that does not resolve is
    reported at its CSV line and column (from the recorded snapshot, a market it lacks
    keeps its holding's row, to be filled by a refresh)."""
    from perphedge.template.assemble import gather
    from perphedge.template.demo import TEMPLATE_MARKETS

    try:
        return gather(holdings, source, default_exchange,
                      extra=() if holdings else TEMPLATE_MARKETS, keep_unlisted=keep_unlisted)
    except InvalidInput as e:
        raise BadInput(_where(e, holdings, lines, portfolio) + " — nothing written") from e


def _no_network(e: MarketError) -> bool:
    from perphedge.market.live.faults import Unreachable

    return isinstance(e, Unreachable)


def _data_note(rows, is_snapshot: bool) -> str:
    """Say where the Market values came from: never call recorded values live."""
    recorded = [r for r in rows if r.status.source == RECORDED_SOURCE]
    if is_snapshot or (rows and len(recorded) == len(rows)):
        return recorded_note(rows)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    note = f"Market values fetched from the exchanges at {when}"
    if recorded:
        note += f"; {len(recorded)} of {len(rows)} Market rows are recorded snapshot values (see Status)"
    return note + ". Refresh before trading."


def _where(e: InvalidInput, holdings, lines: list[int], portfolio: Path | None) -> str:
    """Name the CSV line and column of a symbol that does not resolve."""
    value = getattr(e, "value", None)
    for h, line in zip(holdings, lines):
        for column, text in (("hedge_symbol", h.hedge_symbol), ("price_symbol", h.price_symbol),
                             ("asset", h.asset)):
            if text is not None and text == value:
                return f"{portfolio} line {line}, column {column}: {e}"
    return str(e)


@click.command("template")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("workbooks/perpetual_hedge.xlsx"), show_default=True)
@click.option("--pictures", is_flag=True,
              help="Also render portfolio.png, scenarios.png and scenarios_chart.png of the demo beside it "
                   "(needs LibreOffice and pdftoppm).")
def template(out: Path, pictures: bool) -> None:
    """Build the template workbook (recorded snapshot values, no holdings)."""
    from perphedge.template.demo import build_template

    refuse_if_open(out)  # rebuilding the template is this command's job: an existing one is replaced
    click.echo(f"{build_template(out)}: template built")
    if pictures:
        from perphedge.template.pictures import make_pictures, make_print_pictures

        try:
            for p in [*make_pictures(out.parent), *make_print_pictures(out.parent)]:
                click.echo(f"{p}: rendered")
        except PerphedgeError as e:
            raise Failure(str(e)) from e
