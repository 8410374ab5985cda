"""The admin's commands: ``check`` (can sponsorsync log in and find everything the mapping needs?),
``setup`` (create the custom fields / properties it lacks) and ``cleanup`` (take back what sponsorsync
wrote). Thin: they load the settings and the mapping, call sync/setup.py and sync/cleanup.py, and print."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.table import Table

from sponsorsync.commands.base import (
    JsonOption,
    connected,
    console,
    group,
    print_warning,
    roster_warnings,
    settings_and_mapping,
)
from sponsorsync.connectors.base import AdminConnector, SetupStep
from sponsorsync.connectors.errors import ConfigError, ExitCode, SponsorsyncError
from sponsorsync.sync.terminal import printable

setup_app = group("Create the custom fields / properties the mapping needs and the CRM lacks.")
cleanup_app = group(
    "Take back what sponsorsync wrote: close or delete its open tasks, clear its account fields."
)
_Delete = Annotated[
    bool, typer.Option("--delete", help="Delete the open tasks instead of closing them as not needed.")
]


class CleanupRefused(SponsorsyncError):
    """The CRM refused some of cleanup's writes (exit 1); the rest is done."""

    exit_code = ExitCode.REJECTED_RECORDS


@contextmanager
def _connected(ctx: typer.Context, mapping: Any) -> Iterator[AdminConnector]:
    with connected(ctx, mapping.crm) as connector:
        yield cast(AdminConnector, connector)


# -- check ---------------------------------------------------------------------------------------
def check(ctx: typer.Context) -> None:
    """Log in, confirm every object and field the mapping needs exists with the access required,
    and print the API usage left."""
    from sponsorsync.mappings.commands import validate_live

    settings, mapping = settings_and_mapping(ctx)
    for warning in mapping.warnings:
        print_warning(warning)
    with connected(ctx, mapping.crm) as connector:
        describe = functools.cache(connector.describe)  # the setup check and the live check share it
        _missing_fields(mapping, describe)
        checked = validate_live(mapping, describe)
        roster_warnings(mapping, connector)
        report = connector.check()
        holidays = _holidays_note(mapping, settings.sync.timezone or connector.org_time_zone())
    typer.echo(f"logged in to {report.crm}: {printable(report.identity)}")
    typer.echo(f"mapping: {checked} objects and every mapped field exist with the access needed")
    if report.api_limit:
        used = report.api_used or 0
        typer.echo(
            f"API usage: {used:,} of {report.api_limit:,} used today ({report.api_limit - used:,} left)"
        )
    for note in [*report.notes, *holidays]:
        typer.echo(f"note: {printable(note)}")


def _holidays_note(mapping: Any, zone: str | None) -> list[str]:
    """With no holiday configured, say so, and which country's public holidays the org's time zone
    suggests: nothing sponsorsync writes is due on a day off, but only the days off it is told of."""
    from sponsorsync.sync.calendar import holiday_region

    cadence = mapping.cadence
    if cadence.holidays or cadence.public_holidays is not None:
        return []
    region = holiday_region(zone) if zone else None
    text = (
        "no holidays are configured (cadence.holidays, cadence.public_holidays), so tasks can fall due on one"
    )
    if region is None:
        return [f"{text}; list your days off in cadence.holidays"]
    return [
        f"{text}; the org works in {zone}: `public_holidays: {region}` under cadence in the mapping makes "
        f"{region}'s public holidays days off (name a subdivision where they differ by region, as in DE-BY; "
        "README: Task lifecycle)"
    ]


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


# -- setup ---------------------------------------------------------------------------------------
def _print_setup_plan(plan: Any) -> None:
    from sponsorsync.mappings.setup import crm_type, noun_for

    noun = noun_for(plan.crm, 1)
    if plan.objects_missing:
        typer.echo(
            f"note: the CRM shows no {', '.join(plan.objects_missing)}: setup creates fields, not objects; "
            "`sponsorsync check` says more",
            err=True,
        )
    if not plan.missing:
        typer.echo(
            f"setup plan ({plan.crm}): nothing to do: every custom {noun} the mapping needs exists "
            f"({plan.objects_checked} objects checked)"
        )
        return
    count = len(plan.missing)
    table = Table(title=f"setup plan ({plan.crm}): {count} custom {noun_for(plan.crm, count)} to create")
    for column in ("object", noun, "label", "type", "used for"):
        table.add_column(column)
    for d in plan.missing:
        table.add_row(d.object, d.name, d.label, crm_type(plan.crm, d), d.purpose)
    console().print(table)
    if plan.crm == "salesforce":
        from sponsorsync.connectors.salesforce_setup import PERMISSION_SET

        typer.echo(
            f"and the permission set {PERMISSION_SET} granting the integration user read and edit on them, "
            "assigned to it (fields created through the API are invisible to everyone until granted)"
        )
    else:
        groups = sorted({f"{d.object}.{d.group}" for d in plan.missing})
        typer.echo(f"in the property group(s) {', '.join(groups)} (created where missing)")


def _setup_plan_json(plan: Any) -> dict[str, Any]:
    from dataclasses import asdict

    return {
        "crm": plan.crm,
        "objects_checked": plan.objects_checked,
        "objects_missing": plan.objects_missing,
        "create": [asdict(d) for d in plan.missing],
    }


@setup_app.command("plan")
def setup_plan(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Show the custom fields / properties `setup apply` would create (changes nothing)."""
    from sponsorsync.sync.setup import plan_setup

    _, mapping = settings_and_mapping(ctx)
    with _connected(ctx, mapping) as connector:
        plan = plan_setup(mapping, connector.describe)
    if as_json:
        typer.echo(json.dumps(_setup_plan_json(plan), indent=2))
        return
    _print_setup_plan(plan)
    if plan.missing:
        typer.echo("run `sponsorsync setup apply` to create them")


@setup_app.command("apply")
def setup_apply(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Create what `setup plan` shows; what exists already is left as it is (running it again
    creates nothing). Exit 1 when the CRM refused part of it, naming what was created and what failed."""
    from sponsorsync.sync.setup import apply_setup, plan_setup, raise_if_refused

    _, mapping = settings_and_mapping(ctx)
    with _connected(ctx, mapping) as connector:
        plan = plan_setup(mapping, connector.describe)
        if not as_json:
            _print_setup_plan(plan)
        steps = apply_setup(plan, connector.create_fields)
    if as_json:
        data = _setup_plan_json(plan)
        data["steps"] = [_step_json(s) for s in steps]
        typer.echo(json.dumps(data, indent=2))
    else:
        for step in steps:
            typer.echo(_step_line(step))
        if steps and all(s.ok for s in steps):
            typer.echo("setup complete: run `sponsorsync check`")
    raise_if_refused(steps)


def _step_json(step: SetupStep) -> dict[str, Any]:
    return {
        "what": step.what,
        "ok": step.ok,
        "created": step.created,
        "error_code": step.error_code,
        "message": step.message,
    }


def _step_line(step: SetupStep) -> str:
    if not step.ok:
        return f"failed   {printable(step.what)}: {step.error_code or ''} {printable(step.message)}"
    return f"{'created' if step.created else 'exists '}  {printable(step.what)}"


@setup_app.command("export")
def setup_export(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(help="Directory to write the project into (created if needed).")
    ],
    fmt: Annotated[
        str, typer.Option("--format", help="Output format: sfdx (Salesforce DX source).")
    ] = "sfdx",
) -> None:
    """Write the custom fields and the permission set the mapping needs as a Salesforce DX source
    project, to deploy with the Salesforce CLI (no CRM call)."""
    from sponsorsync.connectors.salesforce_sfdx import export_sfdx
    from sponsorsync.mappings.loader import load_mapping
    from sponsorsync.mappings.setup import needed_fields

    if fmt != "sfdx":
        raise ConfigError(f"--format must be sfdx, not {fmt!r}", hint="sfdx is the only export format")
    settings = ctx.find_root().obj.settings
    mapping = load_mapping(settings.mapping, settings.crm or "salesforce")
    if mapping.crm != "salesforce":
        raise ConfigError(
            f"setup export --format sfdx writes Salesforce metadata; the mapping is for {mapping.crm}",
            hint="use `sponsorsync setup apply` for HubSpot, or a Salesforce mapping",
        )
    if directory.exists() and not directory.is_dir():
        raise ConfigError(f"{directory} exists and is not a directory", hint="give a directory path")
    fields = needed_fields(mapping)
    try:
        written = export_sfdx(fields, directory, settings.salesforce.api_version)
    except OSError as exc:
        raise ConfigError(
            f"cannot write the project into {directory}: {exc.strerror or exc}",
            hint="give a directory this user can write",
        ) from None
    for path in written:
        typer.echo(f"wrote {directory / path}")
    typer.echo(
        f"deploy with: sf project deploy start --source-dir {directory / 'force-app'} (from {directory}), "
        "then assign the permission set to the integration user: "
        "sf org assign permset --name Sponsorsync_Integration --on-behalf-of <integration username>"
    )


# -- cleanup -------------------------------------------------------------------------------------
@contextmanager
def _ledger(settings: Any, *, lock: bool) -> Iterator[list[Any]]:
    """The state's ledger entries (none without a state); ``lock``: hold the run lock meanwhile, so
    no sync writes while cleanup does (another run holding it: exit 5)."""
    from sponsorsync.sync.ledger import Ledger
    from sponsorsync.sync.store import DB_NAME, open_state

    if settings.state_url is None and not (settings.state_dir / DB_NAME).exists():
        yield []
        return
    store = open_state(settings)
    try:
        if lock:
            store.acquire()
        yield list(Ledger(store).entries().values())
    finally:
        store.close()


def _cleanup_plan(connector: AdminConnector, mapping: Any, entries: list[Any], delete: bool) -> Any:
    from sponsorsync.sync.cleanup import account_fields, plan_cleanup, task_fields

    task = mapping.writeback.task
    tasks = connector.keyed_records(task.object, task.key_field, task_fields(mapping))
    accounts: dict[str, Any] = {}
    account = mapping.writeback.account
    for name in account_fields(mapping) if account is not None else []:
        for record in connector.keyed_records(account.object, name, account_fields(mapping)):
            accounts[record.id] = record
    return plan_cleanup(mapping, tasks, list(accounts.values()), entries, delete=delete)


def _print_cleanup_plan(plan: Any) -> None:
    action = "delete" if plan.delete else f"close as {plan.close_status!r}"
    typer.echo(
        f"cleanup plan: {action} {len(plan.tasks)} open {plan.task_object} record(s) carrying a sync key"
    )
    for task in plan.tasks[:20]:
        typer.echo(f"  {task.id}  {printable(task.subject or '')}")
    if len(plan.tasks) > 20:
        typer.echo(f"  ... and {len(plan.tasks) - 20} more (--json lists them all)")
    fields = sum(len(c.fields) for c in plan.clears)
    typer.echo(
        f"clear {fields} field value(s) sponsorsync wrote on {len(plan.clears)} {plan.account_object or 'account'} record(s)"
    )
    if plan.left:
        typer.echo(f"left as they are ({len(plan.left)}):")
        for item in plan.left:
            typer.echo(f"  {printable(item.what)}: {printable(item.why)}")


@cleanup_app.command("plan")
def cleanup_plan(ctx: typer.Context, delete: _Delete = False, as_json: JsonOption = False) -> None:
    """Show what `cleanup apply` would close, delete, clear and leave (changes nothing)."""
    settings, mapping = settings_and_mapping(ctx)
    with _ledger(settings, lock=False) as entries, _connected(ctx, mapping) as connector:
        plan = _cleanup_plan(connector, mapping, entries, delete)
    if as_json:
        typer.echo(json.dumps(plan.to_json(), indent=2))
        return
    _print_cleanup_plan(plan)
    if not plan.empty:
        typer.echo(f"run `sponsorsync cleanup apply{' --delete' if delete else ''} --yes` to do it")


@cleanup_app.command("apply")
def cleanup_apply(
    ctx: typer.Context,
    delete: _Delete = False,
    yes: Annotated[bool, typer.Option("--yes", help="Confirm: change the CRM as the plan says.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Close (or delete) every open task carrying a sync key and clear the account fields that
    still hold sponsorsync's value; needs --yes (it never asks: safe in scripts)."""
    from sponsorsync.sync.cleanup import apply_cleanup

    settings, mapping = settings_and_mapping(ctx)
    with _ledger(settings, lock=True) as entries, _connected(ctx, mapping) as connector:
        plan = _cleanup_plan(connector, mapping, entries, delete)
        if not as_json:
            _print_cleanup_plan(plan)
        if plan.empty:
            if as_json:
                typer.echo(json.dumps({**plan.to_json(), "done": {"tasks": 0, "fields": 0}}, indent=2))
            else:
                typer.echo("nothing to clean up")
            return
        if not yes:
            raise ConfigError(
                "cleanup apply changes the CRM and needs --yes",
                hint=f"check the plan above, then run `sponsorsync cleanup apply{' --delete' if delete else ''} --yes`",
            )
        result = apply_cleanup(plan, mapping, connector.update, connector.delete)
    if as_json:
        done = {"tasks": result.tasks_done, "fields": result.fields_cleared}
        refused = [{"id": r.key, "error_code": r.error_code, "message": r.message} for r in result.refused]
        typer.echo(json.dumps({**plan.to_json(), "done": done, "refused": refused}, indent=2))
    else:
        verb = "deleted" if plan.delete else "closed"
        typer.echo(f"{verb} {result.tasks_done} task(s); cleared {result.fields_cleared} field value(s)")
    if result.refused:
        lines = [f"{r.key}: {r.error_code}: {r.message}" for r in result.refused[:20]]
        raise CleanupRefused(
            f"the CRM refused {len(result.refused)} of cleanup's writes:\n" + "\n".join(lines),
            hint="fix the cause named above and run `sponsorsync cleanup apply --yes` again: what is done stays done",
        )
