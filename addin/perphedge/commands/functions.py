"""``perphedge functions``: the Excel function catalogue, from the function catalogue."""

from __future__ import annotations

import click

from perphedge import catalogue


@click.command("functions")
@click.argument("name", required=False)
@click.option("--markdown", is_flag=True, help="Print the reference table the README shows.")
def functions(name: str | None, markdown: bool) -> None:
    """List the Excel functions (one line each), or show one NAME with its arguments."""
    if markdown:
        click.echo(catalogue.markdown_table(), nl=False)
        return
    if name is None:
        for line in catalogue.catalogue_lines():
            click.echo(line)
        return
    try:
        spec = catalogue.spec(name)
    except KeyError:
        raise click.UsageError(
            f"unknown function {name}; the functions are "
            f"{', '.join(f.name for f in catalogue.FUNCTIONS)}") from None
    click.echo(spec.signature())
    click.echo(f"  {spec.doc}")
    click.echo(f"  Returns: {spec.returns}{' (live market data)' if spec.live else ''}")
    for a in spec.args:
        click.echo(f"  {a.name}: {a.doc}")
