"""``sponsorsync config``: the effective settings."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from sponsorsync.commands.base import app_state, group
from sponsorsync.sync.settings import describe_settings

config_app = group("Inspect the effective settings.")


@config_app.command("show")
def config_show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print the effective settings, every secret masked, and where each value came from."""
    state = app_state(ctx)
    rows = describe_settings(state.settings, state.env_file)
    if as_json:
        typer.echo(json.dumps([row.__dict__ for row in rows], indent=2))
        return
    table = Table(title="sponsorsync settings", show_lines=False)
    for column in ("setting", "value", "source"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(row.name, row.value, row.source)
    Console(width=max(120, Console().width)).print(table)
