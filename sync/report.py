"""What the sync commands print: the one-screen run summary, the plan grouped by owner, status,
history and the explanation of one alliance. Plain data in, rich renderables or JSON out."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from sponsorsync.sync.assess import AllianceView
from sponsorsync.sync.diff import TaskWrite
from sponsorsync.sync.ledger import STALE, Ledger
from sponsorsync.sync.plan import RULES, DesiredTask
from sponsorsync.sync.run import RunReport
from sponsorsync.sync.store import StateStore
from sponsorsync.sync.terminal import printable


def summary(report: RunReport) -> RenderableType:
    counts = report.counts()
    verb = {"run": "sync", "dry_run": "dry run (nothing written)", "plan": "plan (nothing written)"}[
        report.mode
    ]
    head = Text(
        f"sponsorsync {verb} #{report.run_id} on {report.crm}: {report.outcome}, {report.seconds:.1f}s, "
        f"{report.api_calls} API calls, today = {report.today.isoformat()}",
        style="bold",
    )
    pulled = ", ".join(f"{key.split(':', 1)[1]} {n:,}" for key, n in sorted(report.pull.records.items()) if n)
    views = list(report.plan.views.values())
    tiers: dict[str, int] = defaultdict(int)
    for view in views:
        tiers[view.alliance.tier] += 1
    health = counts["health"]
    lines: list[RenderableType] = [
        head,
        Text(f"pulled {counts['pulled']:,} records" + (f" ({pulled})" if pulled else " (nothing changed)")),
        Text(
            f"alliances {len(views)} ("
            + ", ".join(f"{tier} {n}" for tier, n in sorted(tiers.items()))
            + f"); sponsored {counts['sponsored']}; health: "
            + ", ".join(f"{color} {health.get(color, 0)}" for color in ("green", "amber", "red"))
        ),
    ]
    table = Table(title="tasks and alerts by rule", title_justify="left", show_edge=False)
    done = (
        ("created", "updated", "closed") if report.mode == "run" else ("to create", "to update", "to close")
    )
    for column in ("rule", "planned", *done):
        table.add_column(column, justify="left" if column == "rule" else "right")
    created = _by_rule(report, "create")
    updated = _by_rule(report, "update")
    closed = _by_rule(report, "close")
    planned = counts["planned_tasks_by_rule"]
    for rule in RULES:
        table.add_row(
            rule,
            str(planned.get(rule, 0)),
            str(created.get(rule, 0)),
            str(updated.get(rule, 0)),
            str(closed.get(rule, 0)),
        )
    lines.append(table)
    if report.mode == "run":
        lines.append(Text(f"account health fields written on {counts['accounts_written']} accounts"))
        written = counts["created"] + counts["updated"] + counts["closed"] + counts["accounts_written"]
        if written == 0:
            lines.append(Text("nothing new to write: the CRM already holds the plan", style="green"))
    else:
        lines.append(
            Text(
                f"would create {counts['to_create']}, update {counts['to_update']}, close {counts['to_close']} "
                f"tasks and update {counts['account_updates']} accounts"
            )
        )
    if counts["first_run"]:
        lines.append(
            Text(
                "first run: a baseline. Sponsors already in place are not treated as new; sponsor updates "
                "start on each alliance's own schedule; nothing is created already overdue."
            )
        )
    if counts["held_back"]:
        per = ", ".join(f"{printable(name)} {n}" for name, n in counts["held_back_by_owner"].items())
        lines.append(
            Text(
                f"held back by the intake limit: {counts['held_back']} new tasks ({per}); they come in the "
                "next runs, most urgent first"
            )
        )
    if counts["switched_off"]:
        lines.append(Text(f"left open: {counts['switched_off']} tasks of rules switched off in the mapping"))
    if counts["deleted_by_a_person"]:
        lines.append(
            Text(
                f"{counts['deleted_by_a_person']} of our tasks were deleted by a person: recorded, not recreated"
            )
        )
    if counts["left_alone"]:
        lines.append(
            Text(
                "left alone (people's changes win): "
                + ", ".join(f"{k} {v}" for k, v in counts["left_alone"].items())
            )
        )
    if counts["rejected"]:
        lines.append(
            Text(
                f"{counts['rejected']} records rejected by the CRM: see `sponsorsync sync status`",
                style="red",
            )
        )
    return Group(*lines)


def _by_rule(report: RunReport, action: str) -> dict[str, int]:
    writes = {
        "create": report.writes.creates,
        "update": report.writes.updates,
        "close": report.writes.closes,
    }[action]
    rejected = {r.key for r in report.applied.rejected} if report.applied else set()
    found: dict[str, int] = defaultdict(int)
    for write in writes:
        if write.key not in rejected:
            found[write.rule] += 1
    return found


def plan_by_owner(report: RunReport) -> RenderableType:
    users = {}
    for view in report.plan.views.values():
        for person in (view.manager, view.sponsor):
            if person is not None:
                users[person.id] = person.name
    groups: dict[str, list[tuple[str, TaskWrite]]] = defaultdict(list)
    for action, writes in (
        ("create", report.writes.creates),
        ("update", report.writes.updates),
        ("close", report.writes.closes),
        ("note", report.writes.notes),
    ):
        for write in writes:
            owner = users.get(write.owner_id or "", write.owner_id or "(current owner)")
            groups[owner].append((action, write))
    for task in report.plan.held_back:
        held = TaskWrite(
            task.key, "held back", task.rule, task.alliance_id, task.owner_id, None, {}, summary=task.subject
        )
        groups[users.get(task.owner_id, task.owner_id)].append(("held back", held))
    if not groups:
        return Text("nothing to create, update or close")
    table = Table(show_edge=False)
    for column in ("owner", "action", "rule", "task"):
        table.add_column(column, overflow="fold")
    for owner in sorted(groups):
        for action, write in sorted(groups[owner], key=lambda pair: (pair[0], pair[1].key)):
            table.add_row(Text(printable(owner)), action, write.rule, Text(printable(write.summary)))
    return table


def plan_json(report: RunReport) -> dict[str, Any]:
    def item(action: str, write: TaskWrite) -> dict[str, Any]:
        return {
            "action": action,
            "key": write.key,
            "rule": write.rule,
            "owner_id": write.owner_id,
            "summary": write.summary,
        }

    return {
        "run_id": report.run_id,
        "mode": report.mode,
        "crm": report.crm,
        "today": report.today.isoformat(),
        "exit_code": int(report.exit_code),
        "api_calls": report.api_calls,
        "counts": report.counts(),
        "writes": [item("create", w) for w in report.writes.creates]
        + [item("update", w) for w in report.writes.updates]
        + [item("close", w) for w in report.writes.closes]
        + [item("note", w) for w in report.writes.notes],
        "held_back": [
            {"key": t.key, "rule": t.rule, "owner_id": t.owner_id, "summary": t.subject}
            for t in report.plan.held_back
        ],
        "rejected": [
            {"key": r.key, "error_code": r.error_code, "message": r.message}
            for r in (report.applied.rejected if report.applied else [])
        ],
    }


def _line(text: str, style: str = "") -> Text:
    """One output line holding CRM text (names, titles, subjects): printable, never markup."""
    return Text(printable(text), style=style)


def explain(view: AllianceView, tasks: list[DesiredTask]) -> RenderableType:
    a = view.alliance
    lines: list[RenderableType] = [_line(f"{a.name} ({a.id}), {a.tier} alliance", style="bold")]
    lines.append(_line(f"alliance manager: {view.manager.name if view.manager else 'none active'}"))
    if view.sponsor_state == "none":
        lines.append(_line("sponsor: none"))
    else:
        who = view.sponsor.name if view.sponsor else a.sponsor_id
        title = f", {view.sponsor.title}" if view.sponsor and view.sponsor.title else ""
        lines.append(
            _line(f"sponsor: {who}{title}" + (" (NOT ACTIVE)" if view.sponsor_state == "gone" else ""))
        )
    lines.append(_line(f"partner executives: {view.executives}"))
    if view.counterpart:
        c = view.counterpart
        lines.append(_line(f"counterpart: {c.contact.name}, {c.contact.title or '-'} ({c.why()})"))
        last = view.last_touch.isoformat() if view.last_touch else "never"
        lines.append(
            _line(f"last touch: {last}; touches in 90 days {view.touches_90}, in 365 days {view.touches_365}")
        )
    lines.append(_line(f"health: {view.health} ({view.reason})"))
    if view.candidates:
        lines.append(_line("sponsor candidates:"))
        for i, candidate in enumerate(view.candidates, 1):
            person = candidate.person
            red = (
                f"; sponsors {candidate.red_sponsored} red alliance(s): ranked after the others"
                if candidate.red_sponsored
                else ""
            )
            lines.append(
                _line(
                    f"  {i}. {person.name} ({person.title or person.seniority}): score "
                    f"{candidate.score.arithmetic()}; {candidate.free_capacity} of {person.capacity} free{red}"
                )
            )
        for note in view.candidates[0].notes:
            lines.append(_line(f"  ({note})"))
    if tasks:
        lines.append(_line("tasks and alerts:"))
        for t in tasks:
            lines.append(_line(f"  [{t.rule}] {t.subject} (due {t.due.isoformat()}; key {t.key})"))
            # One paragraph, indented: a line break inside a name must not start a line of its own.
            lines.append(Padding(Text(printable(t.body)), (0, 0, 0, 6)))
    else:
        lines.append(_line("tasks and alerts: none (all in order)"))
    if view.ladder:
        lines.append(_line("escalation ladder (if still open after the due date):"))
        for step in view.ladder:
            lines.append(_line(f"  {step}"))
    for note in view.notes:
        lines.append(_line(f"note: {note}", style="yellow"))
    return Group(*lines)


def status(store: StateStore) -> dict[str, Any]:
    ledger = Ledger(store)
    runs = ledger.runs(1)
    from sponsorsync.sync.mirror import Mirror

    return {
        "state_dir": store.label,
        "crm": store.meta("crm"),
        "time_zone": store.meta("calendar_zone"),  # the days of the last run were counted in it
        "last_run": asdict(runs[0]) if runs else None,
        "mirror": Mirror(store).counts(),
        "cursors": {
            key: {"value": c.last_value, "updated_at": at} for key, (c, at) in store.cursors().items()
        },
        "ledger": ledger.status_counts(),
        "rejections": [asdict(r) for r in ledger.rejections()],
        # Tasks whose condition cleared after a person edited them: noted, left open for the person.
        "stale_edited_by_a_person": [
            {"key": e.sync_key, "crm_id": e.crm_id, "rule": e.rule, "noted_at": e.written_at}
            for e in ledger.with_status(STALE)
        ],
    }


def history_table(store: StateStore, limit: int) -> Table:
    table = Table(show_edge=False)
    for column in (
        "run",
        "started",
        "mode",
        "outcome",
        "exit",
        "API calls",
        "created",
        "updated",
        "closed",
        "rejected",
    ):
        table.add_column(column)
    for run in Ledger(store).runs(limit):
        c = run.counts
        table.add_row(
            str(run.id), run.started_at, run.mode, run.outcome, str(run.exit_code if run.exit_code is not None else "-"),
            str(run.api_calls or 0), str(c.get("created", 0)), str(c.get("updated", 0)), str(c.get("closed", 0)),
            str(c.get("rejected", 0)),
        )  # fmt: skip
    return table
