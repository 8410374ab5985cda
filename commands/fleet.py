"""``sponsorsync fleet ...``: the orgs registry, the workers and their status ."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from sponsorsync.commands.base import app_state, group
from sponsorsync.connectors.errors import ConfigError

fleet_app = group("Many orgs from one deployment: PostgreSQL state, a registry of orgs, workers.")


def _url(ctx: typer.Context) -> str:
    settings = app_state(ctx).settings
    if settings.state_url is None or not settings.state_url.get_secret_value():
        raise ConfigError(
            "The fleet needs a PostgreSQL database and SPONSORSYNC_STATE_URL is not set",
            hint="set SPONSORSYNC_STATE_URL=postgresql://user:password@host/db (in the environment or --env-file)",
        )
    url: str = settings.state_url.get_secret_value()
    return url


def _check_org_files(env_file: Path, mapping: Path | None) -> str:
    """The org's CRM, once its env file (and mapping) load: a typo is caught now, not at 3 a.m."""
    from sponsorsync.mappings.loader import load_mapping
    from sponsorsync.sync.settings import load_settings

    if not env_file.is_file():
        raise ConfigError(
            f"Env file {env_file} does not exist or is not a file", hint="check the --env-file path"
        )
    settings = load_settings(env_file, environment=False)
    crm = settings.require_crm()
    if mapping is not None:
        if not mapping.is_file():
            raise ConfigError(f"Mapping file {mapping} does not exist", hint="check the --mapping path")
        load_mapping(mapping, crm)
    return crm


@fleet_app.command("add")
def fleet_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The org's name in the fleet (a-z, 0-9, _).")],
    env_file: Annotated[
        Path,
        typer.Option("--env-file", help="The org's settings and secrets (read by the worker at each run)."),
    ],
    mapping: Annotated[Path | None, typer.Option("--mapping", help="The org's mapping file.")] = None,
    every: Annotated[str, typer.Option("--every", help="How often it syncs: 30m, 1h, 6h, 1d.")] = "1h",
    import_state: Annotated[
        Path | None,
        typer.Option(
            "--import-state", help="Copy this SQLite state directory into the org's PostgreSQL state."
        ),
    ] = None,
) -> None:
    """Register an org: its env file and mapping are referenced by path, never copied."""
    from sponsorsync.sync.fleet.registry import Registry, check_name
    from sponsorsync.sync.fleet.schedule import format_every, parse_every

    url = _url(ctx)
    check_name(name)
    seconds = parse_every(every)
    env_path = env_file.resolve()
    mapping_path = mapping.resolve() if mapping else None
    crm = _check_org_files(env_path, mapping_path)
    with Registry(url) as registry:
        if any(o.name == name for o in registry.orgs()):
            raise ConfigError(
                f"The fleet already has an org named {name}",
                hint=f"pick another name, or `sponsorsync fleet remove {name}` first",
            )
        if import_state is not None:
            from sponsorsync.sync.fleet.importer import import_state as copy_state

            counts = copy_state(import_state, url, name)
            typer.echo(
                f"imported {import_state}: " + ", ".join(f"{t} {n:,}" for t, n in sorted(counts.items()) if n)
            )
        elif registry.has_state(name):
            typer.echo(f"note: the database already holds state for {name}: the org carries on from it")
        entry = registry.add(name, env_path, mapping_path, seconds)
    typer.echo(
        f"added {name} ({crm}, every {format_every(seconds)}, env file {entry.env_file}"
        + (f", mapping {entry.mapping}" if entry.mapping else "")
        + f"); first run after {entry.next_run_at:%Y-%m-%d %H:%M:%S %Z}"
    )


@fleet_app.command("list")
def fleet_list(ctx: typer.Context) -> None:
    """The registered orgs."""
    from sponsorsync.sync.fleet.registry import Registry
    from sponsorsync.sync.fleet.schedule import format_every

    with Registry(_url(ctx)) as registry:
        orgs = registry.orgs()
    if not orgs:
        typer.echo("no orgs yet: `sponsorsync fleet add NAME --env-file FILE`")
    for o in orgs:
        typer.echo(
            f"{o.name}  every {format_every(o.every_seconds)}  env file {o.env_file}"
            + (f"  mapping {o.mapping}" if o.mapping else "")
        )


@fleet_app.command("remove")
def fleet_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The org's name.")],
    drop_state: Annotated[
        bool,
        typer.Option(
            "--drop-state", help="Also delete its state (mirror, ledger, history) from the database."
        ),
    ] = False,
) -> None:
    """Stop syncing an org (its state stays unless --drop-state)."""
    from sponsorsync.sync.fleet.registry import Registry

    with Registry(_url(ctx)) as registry:
        registry.remove(name, drop_state=drop_state)
    typer.echo(f"removed {name}" + (" and its state" if drop_state else "; its state stays in the database"))


@fleet_app.command("run")
def fleet_run(ctx: typer.Context, name: Annotated[str, typer.Argument(help="The org's name.")]) -> None:
    """Queue a run of an org now (and clear its flag after a configuration fix)."""
    from sponsorsync.sync.fleet.registry import Registry
    from sponsorsync.sync.fleet.worker import defer_run, ensure_queue_schema, make_app

    url = _url(ctx)
    with Registry(url) as registry:
        registry.get(name)
        registry.unflag(name)
    ensure_queue_schema(url)
    app = make_app(url)
    with app.open():
        job = defer_run(app, name)
    typer.echo(f"queued a run of {name} (job {job})" if job else f"a run of {name} is already waiting")


@fleet_app.command("worker")
def fleet_worker(
    ctx: typer.Context,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, help="Orgs this worker syncs at once.")
    ] = 1,
    stalled_after: Annotated[
        float,
        typer.Option(
            "--stalled-after",
            min=3,
            help="Seconds without a heartbeat after which a worker's jobs are retried.",
        ),
    ] = 30.0,
) -> None:
    """Run syncs from the queue until stopped (SIGTERM/Ctrl-C: finishes the runs in progress)."""
    from sponsorsync.sync.fleet.registry import Registry, worker_label
    from sponsorsync.sync.fleet.worker import ensure_queue_schema, make_app

    url = _url(ctx)
    Registry(url).close()  # creates the registry's tables on a new database
    ensure_queue_schema(url)
    app = make_app(url, stalled_after=stalled_after)
    typer.echo(f"worker {worker_label()}: concurrency {concurrency}", err=True)
    app.run_worker(
        concurrency=concurrency,
        name=worker_label(),
        update_heartbeat_interval=stalled_after / 3,
        stalled_worker_timeout=stalled_after,
    )


@fleet_app.command("status")
def fleet_status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Each org's last and next run, outcome, failures and queued jobs."""
    from sponsorsync.sync.fleet.registry import Registry

    with Registry(_url(ctx)) as registry:
        orgs = registry.orgs()
        queued = registry.queued()
    rows: list[dict[str, Any]] = [
        {
            "org": o.name,
            "last_started": o.last_started_at,
            "last_ended": o.last_ended_at,
            "last_exit": o.last_exit,
            "last_outcome": o.last_outcome,
            "failures": o.failures,
            "flagged": o.flagged,
            "next_run": o.next_run_at,
            "queue": queued.get(o.name, {}),
        }
        for o in orgs
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    for r in rows:
        last = (
            f"last run {r['last_started']:%Y-%m-%d %H:%M:%S} exit {r['last_exit']} ({r['last_outcome']})"
            if r["last_started"] and r["last_exit"] is not None
            else (
                "running since " + f"{r['last_started']:%Y-%m-%d %H:%M:%S}"
                if r["last_started"]
                else "never run"
            )
        )
        queue = ", ".join(f"{k} {v}" for k, v in sorted(r["queue"].items()))
        typer.echo(
            f"{r['org']}: {last}; failures {r['failures']}; next {r['next_run']:%Y-%m-%d %H:%M:%S}"
            + (f"; jobs {queue}" if queue else "")
            + (f"; FLAGGED: {r['flagged']}" if r["flagged"] else "")
        )
