"""The ``sponsorsync`` command. Thin: parses, calls into sync/, connectors/ and mappings/, prints.

Expected failures are :class:`connectors.errors.SponsorsyncError` subclasses; they become one
message on stderr and the documented exit code in :class:`_Group.invoke`, the only place that
turns errors into exit codes.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import signal
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table
from typer._click import exceptions as click_errors  # typer's vendored click
from typer.core import TyperGroup

from sponsorsync.cli_admin import cleanup_app, setup_app
from sponsorsync.connectors.errors import ConfigError, ExitCode, Interrupted, SponsorsyncError
from sponsorsync.sync.fleet.commands import fleet_app
from sponsorsync.sync.logs import add_secrets, configure_logging, json_mode
from sponsorsync.sync.settings import Settings, describe_settings, load_settings
from sponsorsync.sync.state_errors import state_error
from sponsorsync.sync.store import DB_NAME
from sponsorsync.sync.terminal import printable

log = logging.getLogger("sponsorsync")


def _version() -> str:
    try:
        return version("sponsorsync")
    except PackageNotFoundError:  # running from a source tree without installing
        return "0+unknown"


class _Group(TyperGroup):
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
            _print_error(exc.message, exc.hint, exc.exit_code)
            log.debug("failure detail: %s", exc.detail or "(none)")
            raise typer.Exit(int(exc.exit_code)) from None
        except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Interrupted) at a safe point
            code = exc.exit_code if isinstance(exc, Interrupted) else ExitCode.INTERRUPTED
            what = exc.signal_name if isinstance(exc, Interrupted) else "Ctrl-C"
            _print_notice(f"interrupted by {what}; state is saved, run again to continue", code)
            raise typer.Exit(int(code)) from None
        except click_errors.UsageError as exc:
            if not json_mode() or isinstance(exc, click_errors.NoArgsIsHelpError):
                raise  # click prints usage and the problem (or the help), exit 2
            _print_error(exc.format_message(), "see --help", ExitCode.CONFIG)
            raise typer.Exit(int(ExitCode.CONFIG)) from None
        except (click_errors.ClickException, typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            error = state_error(exc, _database_path(ctx))
            if error is not None:
                _print_error(error.message, error.hint, error.exit_code)
                log.debug("state failure", exc_info=True)
                raise typer.Exit(int(error.exit_code)) from None
            log.debug("internal error", exc_info=True)
            _print_error(
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


def _print_error(message: str, hint: str | None, code: ExitCode) -> None:
    if json_mode():
        log.error(message, extra={"hint": hint, "exit_code": int(code)})
        return
    # Messages may quote the CRM (its error text, record names): nothing in them acts on the terminal,
    # and only our own line breaks (one problem per line) survive.
    typer.echo(f"error: {printable(message, newlines=True)}", err=True)
    if hint:
        typer.echo(f"  hint: {printable(hint)}", err=True)


def _print_warning(message: str) -> None:
    if json_mode():
        log.warning(message)
    else:
        typer.echo(f"warning: {printable(message)}", err=True)


def _print_notice(message: str, code: ExitCode) -> None:
    if json_mode():
        log.warning(message, extra={"exit_code": int(code)})
    else:
        typer.echo(message, err=True)


app = typer.Typer(
    cls=_Group,
    name="sponsorsync",
    help="Keep executive sponsorship of strategic alliances alive inside Salesforce and HubSpot.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
    rich_markup_mode=None,
)
config_app = typer.Typer(cls=_Group, help="Inspect the effective settings.", no_args_is_help=True)
app.add_typer(config_app, name="config")
sandbox_app = typer.Typer(
    cls=_Group, help="The local Salesforce and HubSpot emulators.", no_args_is_help=True
)
app.add_typer(sandbox_app, name="sandbox")
app.add_typer(setup_app, name="setup")
app.add_typer(cleanup_app, name="cleanup")
app.add_typer(fleet_app, name="fleet")


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


def _console() -> Console:
    """Rich output; piped or redirected output gets wide lines instead of wrapped table cells."""
    return Console() if sys.stdout.isatty() else Console(width=200)


def _state(ctx: typer.Context) -> AppState:
    state = ctx.find_root().obj
    assert isinstance(state, AppState)
    return state


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"sponsorsync {_version()}")
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


@config_app.command("show")
def config_show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Print the effective settings, every secret masked, and where each value came from."""
    state = _state(ctx)
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


@sandbox_app.command("serve")
def sandbox_serve(
    crm: Annotated[str, typer.Option(help="Which CRM API to emulate: salesforce or hubspot.")],
    host: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port; 0 picks a free one.")] = 0,
    size: Annotated[int, typer.Option(min=1, help="Contacts in the generated org.")] = 300,
    seed: Annotated[
        int, typer.Option(help="Seed of the generated org: the same seed gives the same org.")
    ] = 0,
    data: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Load this JSON org file instead of generating one."),
    ] = None,
    latency_ms: Annotated[float, typer.Option(min=0, help="Added latency per request, in milliseconds.")] = 0,
    env_file: Annotated[
        Path | None,
        typer.Option(help="Write the settings that point sponsorsync at the sandbox to this dotenv file."),
    ] = None,
    ca_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the sandbox CA certificate (default: beside --env-file, or .sponsorsync)."
        ),
    ] = None,
    bare: Annotated[
        bool,
        typer.Option(
            "--bare",
            help="Start without sponsorsync's custom fields / properties (try `sponsorsync setup` on it).",
        ),
    ] = False,
) -> None:
    """Serve a local emulator of the Salesforce or HubSpot API over HTTPS until interrupted."""
    from sponsorsync.sandbox.run import serve

    serve(
        crm=crm,
        host=host,
        port=port,
        size=size,
        seed=seed,
        data=data,
        latency_ms=latency_ms,
        env_file=env_file,
        ca_dir=ca_dir or (env_file.parent if env_file else Path(".sponsorsync")),
        echo=typer.echo,
        bare=bare,
    )


mappings_app = typer.Typer(cls=_Group, help="Create, check and inspect mapping files.", no_args_is_help=True)
app.add_typer(mappings_app, name="mappings")
titles_app = typer.Typer(cls=_Group, help="Try the job title rules.", no_args_is_help=True)
app.add_typer(titles_app, name="titles")

_CrmOption = Annotated[
    str | None, typer.Option("--crm", help="salesforce or hubspot (default: SPONSORSYNC_CRM).")
]


def _load_mapping(ctx: typer.Context, file: Path | None, crm: str | None) -> Any:
    """The given file, else SPONSORSYNC_MAPPING, else the built-in mapping of the chosen CRM."""
    from sponsorsync.mappings.commands import parse_crm
    from sponsorsync.mappings.loader import load_mapping

    chosen = parse_crm(crm)
    if file is None:
        settings = _state(ctx).settings
        file = settings.mapping
        chosen = chosen or (settings.require_crm() if file is None else settings.crm)
    return load_mapping(file, chosen)


@mappings_app.command("init")
def mappings_init(
    crm: Annotated[
        str, typer.Option("--crm", envvar="SPONSORSYNC_CRM", help="salesforce or hubspot.")
    ] = "salesforce",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="File to write (default: sponsorsync.<crm>.yaml; - for stdout)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write an editable copy of the default mapping, with comments explaining every section."""
    from sponsorsync.mappings.commands import default_text, init_mapping, parse_crm

    chosen = parse_crm(crm) or "salesforce"
    if out == Path("-"):
        typer.echo(default_text(chosen), nl=False)
        return
    target = out or Path(f"sponsorsync.{chosen}.yaml")
    init_mapping(chosen, target, force=force)
    typer.echo(f"wrote {target} ({chosen}); edit it, check it with `sponsorsync mappings validate {target}`")
    typer.echo(f"and use it with SPONSORSYNC_MAPPING={target}")


@mappings_app.command("validate")
def mappings_validate(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Mapping file (default: SPONSORSYNC_MAPPING or the built-in one).")
    ] = None,
    crm: _CrmOption = None,
    live: Annotated[
        bool, typer.Option("--live", help="Also check every object and field against the CRM.")
    ] = False,
) -> None:
    """Check a mapping file; every problem is listed as file:line:col: field: what to do (exit 2).
    With --live, the problems found against the CRM are listed with the offline ones, under one verdict."""
    from sponsorsync.mappings.commands import parse_crm, summary
    from sponsorsync.mappings.loader import inspect_mapping

    chosen = parse_crm(crm)
    if file is None:
        settings = _state(ctx).settings
        file = settings.mapping
        chosen = chosen or (settings.require_crm() if file is None else settings.crm)
    inspection = inspect_mapping(file, chosen)
    for line in inspection.warning_lines():
        _print_warning(line)
    if not live:
        typer.echo(summary(inspection.valid()))
        return
    from sponsorsync.mappings.live import check_live, describe_objects
    from sponsorsync.mappings.problems import raise_problems

    crm = inspection.sections.crm
    if crm is None:  # which CRM to ask is itself wrong: the offline problems say why
        raise_problems(inspection.source, inspection.problems)
        return
    with _connected(ctx, crm) as connector:
        schemas = describe_objects(inspection.sections, connector.describe)
        # One verdict: the offline and the live problems together, in file order.
        raise_problems(inspection.source, [*inspection.problems, *check_live(inspection.sections, schemas)])
        mapping = inspection.valid()
        _roster_warnings(mapping, connector)
    typer.echo(summary(mapping))
    typer.echo(f"live: {len(schemas)} objects and all their mapped fields match the CRM")


@contextmanager
def _connected(ctx: typer.Context, crm: str) -> Iterator[Any]:
    """A connector to the CRM the mapping is for (the settings say how to reach it)."""
    settings = _state(ctx).settings
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


def _roster_warnings(mapping: Any, connector: Any) -> None:
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
        _print_warning(warning)


@mappings_app.command("show")
def mappings_show(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Mapping file (default: SPONSORSYNC_MAPPING or the built-in one).")
    ] = None,
    crm: _CrmOption = None,
) -> None:
    """Print the effective mapping as YAML, every default filled in."""
    from sponsorsync.mappings.commands import effective_yaml

    typer.echo(effective_yaml(_load_mapping(ctx, file, crm)), nl=False)


@mappings_app.command("schema")
def mappings_schema(
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of mapping files (for editor autocompletion)."""
    from sponsorsync.mappings.commands import schema_text

    if out is None:
        typer.echo(schema_text(), nl=False)
    else:
        out.write_text(schema_text(), encoding="utf-8")
        typer.echo(f"wrote {out}")


@titles_app.command("classify")
def titles_classify(
    titles: Annotated[
        list[str] | None, typer.Argument(help="Job titles (default: one per line on stdin).")
    ] = None,
    mapping_file: Annotated[
        Path | None,
        typer.Option(
            "--mapping", envvar="SPONSORSYNC_MAPPING", help="Mapping file whose title rules to use."
        ),
    ] = None,
    crm: Annotated[
        str,
        typer.Option("--crm", envvar="SPONSORSYNC_CRM", help="Built-in mapping to use without --mapping."),
    ] = "salesforce",
    explain: Annotated[
        bool, typer.Option("--explain", help="Also print the normalised title and the deciding rules.")
    ] = False,
) -> None:
    """Print {"title", "seniority", "function", "is_executive", "confidence"} as one JSON line per title."""
    import sys

    from sponsorsync.mappings.commands import classify_lines, parse_crm, titles_from
    from sponsorsync.mappings.loader import load_mapping

    if not titles and sys.stdin.isatty():
        raise typer.BadParameter("give titles as arguments, or one per line on stdin", param_hint="TITLES")
    mapping = load_mapping(mapping_file, None if mapping_file else parse_crm(crm))
    for line in classify_lines(titles_from(titles or [], sys.stdin), mapping.titles, explain=explain):
        typer.echo(line)


sync_app = typer.Typer(cls=_Group, help="Run the sync and inspect its state.", no_args_is_help=True)
app.add_typer(sync_app, name="sync")


def _run(
    ctx: typer.Context, mode: Literal["run", "dry_run", "plan"], full: bool, max_api_calls: int | None
) -> Any:
    from sponsorsync.mappings.loader import load_mapping
    from sponsorsync.sync.progress import progress_for
    from sponsorsync.sync.run import RunSummary, execute

    state = _state(ctx)
    started = time.monotonic()

    def ended(summary: RunSummary) -> None:
        state.run_summary = summary

    try:
        try:
            settings = state.settings
        except ConfigError as exc:
            _record_refused_run(state.env_file, mode, exc)
            raise
        mapping = load_mapping(settings.mapping, settings.require_crm())
        for warning in mapping.warnings:
            _print_warning(warning)
        with _stop_on_sigterm(), progress_for(sys.stderr, draw=not json_mode()) as progress:
            return execute(
                settings,
                mapping,
                mode=mode,
                full=full,
                max_api_calls=max_api_calls,
                progress=progress,
                version=_version(),
                on_end=ended,
            )
    except SponsorsyncError as exc:
        if state.run_summary is None:  # refused before it started: no run id, no API call
            seconds = time.monotonic() - started
            state.run_summary = RunSummary(
                None, mode, "failed", int(exc.exit_code), 0, seconds, {}, exc.message
            )
        raise


def _log_run_summary(ctx: Any) -> None:
    """The ``run finished`` event, last of a run's lines (after its error line, if any)."""
    state = ctx.find_root().obj
    summary = getattr(state, "run_summary", None)
    if summary is None:
        return
    state.run_summary = None
    level = logging.INFO if summary.outcome in ("ok", "rejected") else logging.WARNING
    log.log(level, "run finished", extra=summary.fields())


def _record_refused_run(env_file: Path | None, mode: str, exc: ConfigError) -> None:
    """Settings that do not load stop a run before it starts; where a state already exists, its
    history shows the refused run (a scheduler's `sync history` then explains the exit 2). A state
    is never created for a configuration that does not load."""
    from sponsorsync.sync.ledger import Ledger
    from sponsorsync.sync.settings import state_dir_of_unloadable
    from sponsorsync.sync.store import DB_NAME, StateStore

    state_dir = state_dir_of_unloadable(env_file)
    if not (state_dir / DB_NAME).is_file():
        return
    try:
        store = StateStore(state_dir)
    except SponsorsyncError:
        return  # the state itself is unusable: the configuration error is the one to report
    try:
        ledger = Ledger(store)
        run_id = ledger.start_run(mode, None)
        ledger.finish_run(run_id, "failed", int(exc.exit_code), 0, {}, exc.message[:500])
    except sqlite3.Error:
        log.debug("could not record the refused run", exc_info=True)
    finally:
        store.close()


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """SIGTERM (Kubernetes, systemd, docker stop) ends a run like Ctrl-C, at a safe point: no CRM
    request is sent after it, the ones in flight finish and are recorded, and the run is recorded as
    interrupted with exit 143. A second SIGTERM stops at once."""
    from sponsorsync.connectors.retry import clear_stop, request_stop, stop_requested

    def on_sigterm(_signum: int, _frame: FrameType | None) -> None:
        stop = Interrupted("SIGTERM", ExitCode.TERMINATED)
        if stop_requested() is not None:
            raise stop
        log.info("SIGTERM received: stopping before the next CRM request")
        request_stop(stop)

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        clear_stop()


_FullOption = Annotated[bool, typer.Option("--full", help="Pull everything again instead of what changed.")]
_MaxCallsOption = Annotated[
    int | None,
    typer.Option("--max-api-calls", min=1, help="Stop cleanly (exit 3) after this many API calls."),
]
_JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


@sync_app.command("run")
def sync_run(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Pull and plan, but write nothing to the CRM.")
    ] = False,
    full: _FullOption = False,
    max_api_calls: _MaxCallsOption = None,
    as_json: _JsonOption = False,
    show_summary: Annotated[
        bool | None,
        typer.Option(
            "--summary/--no-summary",
            help="Print the human summary on stdout (default: yes, but not with --log-format json, "
            "whose 'run finished' record carries the result).",
        ),
    ] = None,
) -> None:
    """Pull what changed, plan tasks, alerts and health fields, write the difference (exit 1 if the
    CRM rejected records)."""
    from sponsorsync.sync import report

    result = _run(ctx, "dry_run" if dry_run else "run", full, max_api_calls)
    if as_json:
        typer.echo(json.dumps(report.plan_json(result), indent=2))
    elif show_summary if show_summary is not None else not json_mode():
        _console().print(report.summary(result))
    raise typer.Exit(int(result.exit_code))


@sync_app.command("plan")
def sync_plan(
    ctx: typer.Context,
    full: _FullOption = False,
    max_api_calls: _MaxCallsOption = None,
    as_json: _JsonOption = False,
    owner: Annotated[
        str | None,
        typer.Option(
            "--owner", metavar="EMAIL", help="Only this person's tasks, as they would see them in the CRM."
        ),
    ] = None,
) -> None:
    """Pull, then show what a run would create, update and close, grouped by owner (writes nothing).
    With --owner, each task that person would get (subject, due date, body) and the tasks that would
    close, naming the task and the alliance."""
    from sponsorsync.sync import report

    result = _run(ctx, "plan", full, max_api_calls)
    if owner is not None:
        _plan_for_owner(ctx, result, owner, as_json=as_json)
        return
    if as_json:
        typer.echo(json.dumps(report.plan_json(result), indent=2))
        return
    console = _console()
    console.print(report.plan_by_owner(result))
    console.print(report.summary(result))


def _plan_for_owner(ctx: typer.Context, result: Any, email: str, *, as_json: bool) -> None:
    from sponsorsync.mappings.loader import load_mapping
    from sponsorsync.sync.ledger import Ledger
    from sponsorsync.sync.mirror import Mirror
    from sponsorsync.sync.owner_plan import find_owner, known_people, owner_items, render_lines
    from sponsorsync.sync.store import open_state

    settings = _state(ctx).settings
    mapping = load_mapping(settings.mapping, settings.require_crm())
    store = open_state(settings)
    try:
        users, accounts = known_people(Mirror(store))
        entries = Ledger(store).entries()
    finally:
        store.close()
    person = find_owner(email, users)
    items = owner_items(result, person, entries, mapping, accounts)
    if as_json:
        owner = {"id": person.id, "name": person.name, "email": person.email}
        typer.echo(json.dumps({"owner": owner, "tasks": [i.to_json() for i in items]}, indent=2))
        return
    for line in render_lines(person, items):
        typer.echo(printable(line))


@sync_app.command("status")
def sync_status(ctx: typer.Context, as_json: _JsonOption = False) -> None:
    """The last run, the mirror, the cursors, the ledger and the records the CRM rejected."""
    from sponsorsync.sync.report import status
    from sponsorsync.sync.store import open_state

    settings = _state(ctx).settings
    store = open_state(settings)
    try:
        data = status(store)
        if as_json:
            from sponsorsync.sync.report_command import status_portfolio

            data |= status_portfolio(store, settings.mapping)
    finally:
        store.close()
    if as_json:
        typer.echo(json.dumps(data, indent=2, default=str))
        return
    last = data["last_run"]
    typer.echo(f"state: {data['state_dir']} ({data['crm'] or 'no sync yet'})")
    if last:
        typer.echo(
            f"last run: #{last['id']} {last['mode']} {last['outcome']} (exit {last['exit_code']}), "
            f"started {last['started_at']}, {last['api_calls'] or 0} API calls"
            + (f": {printable(last['message'])}" if last["message"] else "")
        )
    typer.echo("mirror: " + ", ".join(f"{k} {v:,}" for k, v in data["mirror"].items()))
    for key, cursor in data["cursors"].items():
        typer.echo(f"cursor {key}: {cursor['value']} (stored {cursor['updated_at']})")
    typer.echo("ledger: " + (", ".join(f"{k} {v}" for k, v in data["ledger"].items()) or "empty"))
    rejections = data["rejections"]
    typer.echo(f"rejected records waiting for the next run: {len(rejections)}")
    for r in rejections[:20]:
        typer.echo(
            printable(
                f"  {r['sync_key']} ({r['object']}): {r['error_code']} {r['message']} [attempts {r['attempts']}]"
            )
        )


@sync_app.command("history")
def sync_history(
    ctx: typer.Context, limit: Annotated[int, typer.Option(min=1, help="How many runs to show.")] = 20
) -> None:
    """Past runs: when, outcome, exit code, API calls, writes."""
    from sponsorsync.sync.report import history_table
    from sponsorsync.sync.store import open_state

    store = open_state(_state(ctx).settings)
    try:
        _console().print(history_table(store, limit))
    finally:
        store.close()


@sync_app.command("explain")
def sync_explain(
    ctx: typer.Context,
    alliance: Annotated[str, typer.Argument(help="Account id or (part of) the alliance's name.")],
) -> None:
    """The model of one alliance (sponsor, counterpart, touches, health, candidates) and the reason
    for each of its tasks and alerts, from local state (no CRM call)."""
    from sponsorsync.mappings.loader import load_mapping
    from sponsorsync.sync.report import explain
    from sponsorsync.sync.run import explain_alliance

    settings = _state(ctx).settings
    mapping = load_mapping(settings.mapping, settings.require_crm())
    view, tasks = explain_alliance(settings, mapping, alliance)
    _console().print(explain(view, tasks))


def _register_report() -> None:
    from sponsorsync.sync.report_command import report

    app.command("report")(report)


_register_report()


@app.command()
def check(ctx: typer.Context) -> None:
    """Log in, confirm every object and field the mapping needs exists with the access required,
    and print the API usage left."""
    from sponsorsync.connectors.factory import connect
    from sponsorsync.mappings.commands import validate_live
    from sponsorsync.mappings.loader import load_mapping

    settings = _state(ctx).settings
    mapping = load_mapping(settings.mapping, settings.require_crm())
    for warning in mapping.warnings:
        _print_warning(warning)
    connector = connect(settings)
    try:
        describe = functools.cache(connector.describe)  # the setup check and the live check share it
        _missing_fields(mapping, describe)
        checked = validate_live(mapping, describe)
        _roster_warnings(mapping, connector)
        report = connector.check()
    finally:
        connector.close()
    typer.echo(f"logged in to {report.crm}: {printable(report.identity)}")
    typer.echo(f"mapping: {checked} objects and every mapped field exist with the access needed")
    if report.api_limit:
        used = report.api_used or 0
        typer.echo(
            f"API usage: {used:,} of {report.api_limit:,} used today ({report.api_limit - used:,} left)"
        )
    for note in report.notes:
        typer.echo(f"note: {printable(note)}")


def _missing_fields(mapping: Any, describe: Any) -> None:
    """A CRM lacking custom fields the mapping needs: name each, and point at `setup`."""
    from sponsorsync.mappings.setup import missing_message
    from sponsorsync.sync.setup import plan_setup

    plan = plan_setup(mapping, describe)
    if plan.missing:
        raise ConfigError(
            missing_message(mapping.crm, plan.missing),
            hint="`sponsorsync setup plan` shows what setup creates; `sponsorsync setup apply` creates it "
            "(or create them by hand: README, Connect your CRM)",
        )


@app.command()
def demo(
    crm: Annotated[
        str, typer.Option(help="Which CRM the sandbox emulates: salesforce or hubspot.")
    ] = "salesforce",
    size: Annotated[int, typer.Option(min=10, help="Contacts in the sandbox org.")] = 300,
    seed: Annotated[int, typer.Option(help="Seed of the sandbox org.")] = 0,
    state_dir: Annotated[
        Path, typer.Option(help="Where the demo keeps its state and sandbox settings (recreated each time).")
    ] = Path(".sponsorsync-demo"),
) -> None:
    """Start the sandbox CRM, run a full sync, show the result, run again to show nothing is written
    twice, and say how to look around."""
    from sponsorsync.sync.demo import run_demo

    run_demo(crm=crm, size=size, seed=seed, root=state_dir, version=_version(), console=_console())


if __name__ == "__main__":
    app()
