"""``sponsorsync report``: the portfolio report from local state (no CRM call), as a self-contained
HTML file, a CSV file (one row per alliance) or tables on the terminal. Registered by cli.py."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.mappings.model import Mapping
from sponsorsync.sync.portfolio_state import load_portfolio
from sponsorsync.sync.settings import Settings
from sponsorsync.sync.store import StateStore, open_state

Format = Literal["html", "csv", "table"]
FORMATS: tuple[Format, ...] = ("html", "csv", "table")


def default_out(fmt: Format) -> Path:
    return Path(f"sponsorsync-report.{fmt}")


def write_report(
    state: Path | Settings,
    mapping: Mapping,
    fmt: Literal["html", "csv"],
    out: Path,
    *,
    owner: str | None = None,
) -> int:
    """Write the report file; returns how many alliances it shows. ConfigError when no sync has run
    yet, no user has the owner's e-mail, or the file cannot be written."""
    from sponsorsync.sync.report_html import render_html
    from sponsorsync.sync.report_text import render_csv

    store = StateStore(state) if isinstance(state, Path) else open_state(state)
    try:
        portfolio = load_portfolio(store, mapping, owner_email=owner)
        crm = store.meta("crm")
    finally:
        store.close()
    text = render_html(portfolio, crm=crm) if fmt == "html" else render_csv(portfolio)
    try:
        out.write_text(text, encoding="utf-8", newline="" if fmt == "csv" else None)
    except OSError as exc:
        raise ConfigError(
            f"Cannot write the report to {out}: {exc.strerror or exc}",
            hint="give --out a file in a directory that exists and you can write to",
        ) from None
    return len(portfolio.alliances)


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
    from sponsorsync.mappings.loader import load_mapping

    if fmt not in FORMATS:
        raise typer.BadParameter("must be html, csv or table", param_hint="--format")
    state: Any = ctx.find_root().obj
    settings = state.settings
    mapping = load_mapping(settings.mapping, settings.require_crm())
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


def status_portfolio(store: StateStore, mapping_file: Path | None) -> dict[str, Any]:
    """``coverage`` (per tier and overall) and ``scorecards`` (per sponsor) for ``sync status --json``;
    both None before the first sync."""
    from sponsorsync.mappings.commands import parse_crm
    from sponsorsync.mappings.loader import load_mapping

    crm = parse_crm(store.meta("crm"))
    if crm is None:
        return {"coverage": None, "scorecards": None}
    return load_portfolio(store, load_mapping(mapping_file, crm)).summary_json()
