"""The portfolio report's files, from local state (no CRM call): a self-contained HTML file or a CSV file
(one row per alliance); and the portfolio figures ``sync status --json`` shows. The command is
commands/report.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

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


def status_portfolio(store: StateStore, mapping_file: Path | None) -> dict[str, Any]:
    """``coverage`` (per tier and overall) and ``scorecards`` (per sponsor) for ``sync status --json``;
    both None before the first sync."""
    from sponsorsync.mappings.commands import parse_crm
    from sponsorsync.mappings.loader import load_mapping

    crm = parse_crm(store.meta("crm"))
    if crm is None:
        return {"coverage": None, "scorecards": None}
    return load_portfolio(store, load_mapping(mapping_file, crm)).summary_json()
