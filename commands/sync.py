"""``sponsorsync sync``: run the sync, plan it, and inspect its state (status, history, explain)."""

from __future__ import annotations

import json
import logging
import signal
import sqlite3
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Annotated, Any, Literal

import typer

from sponsorsync.commands.base import (
    JsonOption,
    app_state,
    console,
    group,
    package_version,
    print_warning,
    settings_and_mapping,
)
from sponsorsync.connectors.errors import ConfigError, ExitCode, Interrupted, SponsorsyncError
from sponsorsync.sync.logs import json_mode
from sponsorsync.sync.terminal import printable

log = logging.getLogger("sponsorsync")

sync_app = group("Run the sync and inspect its state.")


def _run(
    ctx: typer.Context, mode: Literal["run", "dry_run", "plan"], full: bool, max_api_calls: int | None
) -> Any:
    from sponsorsync.mappings.loader import load_mapping
    from sponsorsync.sync.progress import progress_for
    from sponsorsync.sync.run import RunSummary, execute

    state = app_state(ctx)
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
            print_warning(warning)
        with _stop_on_sigterm(), progress_for(sys.stderr, draw=not json_mode()) as progress:
            return execute(
                settings,
                mapping,
                mode=mode,
                full=full,
                max_api_calls=max_api_calls,
                progress=progress,
                version=package_version(),
                on_end=ended,
            )
    except SponsorsyncError as exc:
        if state.run_summary is None:  # refused before it started: no run id, no API call
            seconds = time.monotonic() - started
            state.run_summary = RunSummary(
                None, mode, "failed", int(exc.exit_code), 0, seconds, {}, exc.message
            )
        raise


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


@sync_app.command("run")
def sync_run(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Pull and plan, but write nothing to the CRM.")
    ] = False,
    full: _FullOption = False,
    max_api_calls: _MaxCallsOption = None,
    as_json: JsonOption = False,
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
        console().print(report.summary(result))
    raise typer.Exit(int(result.exit_code))


@sync_app.command("plan")
def sync_plan(
    ctx: typer.Context,
    full: _FullOption = False,
    max_api_calls: _MaxCallsOption = None,
    as_json: JsonOption = False,
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
    out = console()
    out.print(report.plan_by_owner(result))
    out.print(report.summary(result))


def _plan_for_owner(ctx: typer.Context, result: Any, email: str, *, as_json: bool) -> None:
    from sponsorsync.sync.ledger import Ledger
    from sponsorsync.sync.mirror import Mirror
    from sponsorsync.sync.owner_plan import find_owner, known_people, owner_items, render_lines
    from sponsorsync.sync.store import open_state

    settings, mapping = settings_and_mapping(ctx)
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
def sync_status(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The last run, the mirror, the cursors, the ledger and the records the CRM rejected."""
    from sponsorsync.sync.report import status
    from sponsorsync.sync.store import open_state

    settings = app_state(ctx).settings
    store = open_state(settings)
    try:
        data = status(store)
        if as_json:
            from sponsorsync.sync.report_files import status_portfolio

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

    store = open_state(app_state(ctx).settings)
    try:
        console().print(history_table(store, limit))
    finally:
        store.close()


@sync_app.command("explain")
def sync_explain(
    ctx: typer.Context,
    alliance: Annotated[str, typer.Argument(help="Account id or (part of) the alliance's name.")],
) -> None:
    """The model of one alliance (sponsor, counterpart, touches, health, candidates) and the reason
    for each of its tasks and alerts, from local state (no CRM call)."""
    from sponsorsync.sync.report import explain
    from sponsorsync.sync.run import explain_alliance

    settings, mapping = settings_and_mapping(ctx)
    view, tasks = explain_alliance(settings, mapping, alliance)
    console().print(explain(view, tasks))
