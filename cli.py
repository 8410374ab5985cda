"""The ``sponsorsync`` command, the entrypoint. Its groups live in commands/, one module each; this
file assembles them under the root options.

Expected failures are :class:`connectors.errors.SponsorsyncError` subclasses; they become one
message on stderr and the documented exit code in :class:`commands.base.Group`, the only place that
turns errors into exit codes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

import typer

from sponsorsync.commands.admin import check, cleanup_app, setup_app
from sponsorsync.commands.base import AppState, Group, package_version
from sponsorsync.commands.config import config_app
from sponsorsync.commands.fleet import fleet_app
from sponsorsync.commands.mappings import mappings_app, titles_app
from sponsorsync.commands.report import report
from sponsorsync.commands.sandbox import demo, sandbox_app
from sponsorsync.commands.sync import sync_app
from sponsorsync.sync.logs import configure_logging

app = typer.Typer(
    cls=Group,
    name="sponsorsync",
    help="Keep executive sponsorship of strategic alliances alive inside Salesforce and HubSpot.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
)
app.add_typer(config_app, name="config")
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(setup_app, name="setup")
app.add_typer(cleanup_app, name="cleanup")
app.add_typer(fleet_app, name="fleet")
app.add_typer(mappings_app, name="mappings")
app.add_typer(titles_app, name="titles")
app.add_typer(sync_app, name="sync")
app.command("report")(report)
app.command("check")(check)
app.command("demo")(demo)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"sponsorsync {package_version()}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    env_file: Annotated[
        Path | None,
        typer.Option("--env-file", help="Read settings from this dotenv file (default: ./.env if present)."),
    ] = None,
    log_format: Annotated[
        str | None,
        typer.Option(
            "--log-format", help="Log line format: text or json (default: SPONSORSYNC_LOG_FORMAT or text)."
        ),
    ] = None,
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More log output (-vv: SDK traffic).")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")] = False,
    _version_flag: Annotated[
        bool,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    if log_format not in (None, "text", "json"):
        raise typer.BadParameter("must be text or json", param_hint="--log-format")
    fmt: Literal["text", "json"] | None = log_format  # type: ignore[assignment]
    verbosity = -1 if quiet else verbose
    env_format = os.environ.get("SPONSORSYNC_LOG_FORMAT", "text").lower()
    configure_logging(fmt or ("json" if env_format == "json" else "text"), verbosity)
    ctx.obj = AppState(env_file=env_file, log_format=fmt, verbosity=verbosity)


if __name__ == "__main__":
    app()
