"""``sponsorsync report``: the portfolio report from local state (no CRM call), as a self-contained
HTML file, a CSV file (one row per alliance) or tables on the terminal."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from sponsorsync.commands.base import settings_and_mapping
from sponsorsync.connectors.errors import ConfigError
from sponsorsync.sync.portfolio_state import load_portfolio
from sponsorsync.sync.report_files import FORMATS, default_out, write_report
from sponsorsync.sync.store import open_state


def report(
    ctx: typer.Context,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="html (one self-contained file), csv or table (terminal).")
    ] = "html",
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="File to write (default: ./sponsorsync-report.html or .csv)."),
    ] = None,
    owner: Annotated[
        str | None,
        typer.Option(
            "--owner", help="Only the alliances this person (e-mail) manages or sponsors, and their tasks."
        ),
    ] = None,
) -> None:
    """The portfolio report from local state (no CRM call): coverage by tier, the health of every
    alliance, executive touches per month, sponsor scorecards, open escalations and overdue tasks."""
    if fmt not in FORMATS:
        raise typer.BadParameter("must be html, csv or table", param_hint="--format")
    settings, mapping = settings_and_mapping(ctx)
    if fmt == "table":
        from rich.console import Console

        from sponsorsync.sync.report_text import render_tables

        store = open_state(settings)
        try:
            portfolio = load_portfolio(store, mapping, owner_email=owner)
        finally:
            store.close()
        if out is None:
            Console(width=200, soft_wrap=False).print(render_tables(portfolio))
            return
        try:
            with out.open("w", encoding="utf-8") as handle:
                Console(file=handle, width=200, no_color=True).print(render_tables(portfolio))
        except OSError as exc:
            raise ConfigError(
                f"Cannot write the report to {out}: {exc.strerror or exc}",
                hint="give --out a file in a directory that exists and you can write to",
            ) from None
        typer.echo(f"wrote {out}")
        return
    chosen: Literal["html", "csv"] = "html" if fmt == "html" else "csv"
    target = out or default_out(chosen)
    count = write_report(settings, mapping, chosen, target, owner=owner)
    typer.echo(f"wrote {target} ({chosen}, {count} alliances)")
