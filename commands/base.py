"""What every command shares: the root group (the only place that turns errors into exit codes),
the global state the root options decide, output helpers, common options and a connector to the CRM
a mapping is for."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from typer._click import exceptions as click_errors  # typer's vendored click
from typer.core import TyperGroup

from sponsorsync.connectors.errors import ConfigError, ExitCode, Interrupted, SponsorsyncError
from sponsorsync.sync.logs import add_secrets, configure_logging, json_mode
from sponsorsync.sync.settings import Settings, load_settings
from sponsorsync.sync.state_errors import state_error
from sponsorsync.sync.store import DB_NAME
from sponsorsync.sync.terminal import printable

log = logging.getLogger("sponsorsync")


def package_version() -> str:
    try:
        return version("sponsorsync")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"


class Group(TyperGroup):
    """Turns failures into one line on stderr and their exit code, without a traceback: expected
    ones with their own code, a failure of the local state with 7, a bug with 70 (its traceback is
    logged with -v). In JSON log mode those lines are JSON records like every other stderr line."""

    def invoke(self, ctx: Any) -> Any:  # a click Context; typer vendors click privately
        try:
            return self._invoke(ctx)
        finally:
            _log_run_summary(ctx)

    def _invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except SponsorsyncError as exc:
            print_error(exc.message, exc.hint, exc.exit_code)
            log.debug("failure detail: %s", exc.detail or "(none)")
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Interrupted) at a safe point
            code = exc.exit_code if isinstance(exc, Interrupted) else ExitCode.INTERRUPTED
            what = exc.signal_name if isinstance(exc, Interrupted) else "Ctrl-C"
            print_notice(f"interrupted by {what}; state is saved, run again to continue", code)
            raise typer.Exit(int(code)) from None
        except click_errors.UsageError as exc:
            if not json_mode() or isinstance(exc, click_errors.NoArgsIsHelpError):
                raise  # click prints usage and the problem (or the help), exit 2
            print_error(exc.format_message(), "see --help", ExitCode.CONFIG)
            raise typer.Exit(int(ExitCode.CONFIG)) from None
        except (click_errors.ClickException, typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            error = state_error(exc, _database_path(ctx))
            if error is not None:
                print_error(error.message, error.hint, error.exit_code)
                log.debug("state failure", exc_info=True)
                raise typer.Exit(int(error.exit_code)) from None
            log.debug("internal error", exc_info=True)
            print_error(
                f"internal error: {type(exc).__name__}",
                "this is a bug in sponsorsync: run again with -v for the traceback and report it; "
                "nothing half-written is left behind, the next run resumes",
                ExitCode.INTERNAL,
            )
            raise typer.Exit(int(ExitCode.INTERNAL)) from None


def _database_path(ctx: Any) -> Path | str:
    state = ctx.find_root().obj
    settings = getattr(state, "_settings", None)
    if settings is not None and settings.state_url is not None:
        from sponsorsync.sync.pgstate import masked

        return masked(settings.state_url.get_secret_value())
    state_dir = settings.state_dir if settings is not None else Path(".sponsorsync")
    return Path(state_dir) / DB_NAME


def _log_run_summary(ctx: Any) -> None:
    """The ``run finished`` event, last of a run's lines (after its error line, if any)."""
    state = ctx.find_root().obj
    summary = getattr(state, "run_summary", None)
    if summary is None:
        return
    state.run_summary = None
    level = logging.INFO if summary.outcome in ("ok", "rejected") else logging.WARNING
    log.log(level, "run finished", extra=summary.fields())


def print_error(message: str, hint: str | None, code: ExitCode) -> None:
    if json_mode():
        log.error(message, extra={"hint": hint, "exit_code": int(code)})
        return
    # Messages may quote the CRM (its error text, record names): nothing in them acts on the terminal,
    # and only our own line breaks (one problem per line) survive.
    typer.echo(f"error: {printable(message, newlines=True)}", err=True)
    if hint:
        typer.echo(f"  hint: {printable(hint)}", err=True)


def print_warning(message: str) -> None:
    if json_mode():
        log.warning(message)
    else:
        typer.echo(f"warning: {printable(message)}", err=True)


def print_notice(message: str, code: ExitCode) -> None:
    if json_mode():
        log.warning(message, extra={"exit_code": int(code)})
    else:
        typer.echo(message, err=True)


def group(help: str) -> typer.Typer:
    """A command group under the root one."""
    return typer.Typer(cls=Group, help=help, no_args_is_help=True)


@dataclass
class AppState:
    """What the global options decide; settings are loaded on first use so commands that need none
    (``--help``, ``titles classify``) work even when the environment is misconfigured."""

    env_file: Path | None
    log_format: Literal["text", "json"] | None
    verbosity: int
    _settings: Settings | None = field(default=None, repr=False)
    run_summary: Any = field(default=None, repr=False)  # a sync.run.RunSummary, logged at the end

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.env_file)
            configure_logging(self.log_format or self._settings.log_format, self.verbosity)
            add_secrets(self._settings.secret_values())
            if self._settings.state_dir_defaulted:
                from sponsorsync.sync.statedir import migrate_legacy_state

                migrate_legacy_state(self._settings.state_dir, self._settings.crm)
        return self._settings


def app_state(ctx: typer.Context) -> AppState:
    state = ctx.find_root().obj
    assert isinstance(state, AppState)
    return state


def console() -> Console:
    """Rich output; piped or redirected output gets wide lines instead of wrapped table cells."""
    return Console() if sys.stdout.isatty() else Console(width=200)


CrmOption = Annotated[
    str | None, typer.Option("--crm", help="salesforce or hubspot (default: SPONSORSYNC_CRM).")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def settings_and_mapping(ctx: typer.Context) -> tuple[Settings, Any]:
    """The settings and the mapping they name (the built-in one for their CRM by default)."""
    from sponsorsync.mappings.loader import load_mapping

    settings = app_state(ctx).settings
    return settings, load_mapping(settings.mapping, settings.require_crm())


@contextmanager
def connected(ctx: typer.Context, crm: str) -> Iterator[Any]:
    """A connector to the CRM the mapping is for (the settings say how to reach it)."""
    settings = app_state(ctx).settings
    if settings.crm is None:  # the mapping says which CRM; the settings say how to reach it
        settings = settings.model_copy(update={"crm": crm})
    elif settings.crm != crm:
        raise ConfigError(
            f"The mapping is for {crm} but the settings connect to {settings.crm}",
            hint="check SPONSORSYNC_CRM and the mapping file",
        )
    from sponsorsync.connectors.factory import connect

    connector = connect(settings)
    try:
        yield connector
    finally:
        connector.close()


def roster_warnings(mapping: Any, connector: Any) -> None:
    """Warn (stderr) about roster e-mails that match no user / owner the CRM lists."""
    from sponsorsync.mappings.commands import unmatched_roster
    from sponsorsync.sync.sources import sources

    if not mapping.roster.executives:
        return
    users = next(s for s in sources(mapping) if s.kind == "users")
    emails: list[str | None] = []
    for page in connector.pull(users.spec, None, sweep_deletions=False):
        emails += [users.project(record).values.get("email") for record in page.records]
    for warning in unmatched_roster(mapping, emails):
        print_warning(warning)
