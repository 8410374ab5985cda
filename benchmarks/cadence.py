"""The cadence simulation: one sync a day on the sandbox clock for N days, nobody acting (unless a
scenario says so), and what sponsorsync wrote each day. It answers the questions an alliance
manager asks of a tool that writes into their CRM: do due dates stay put, does anything arrive
overdue, is an unchanged account left alone, does an overdue task reach someone, and when.

Figures come from the write plans sponsorsync sent (and the CRM confirmed), day by day:
``due_moves`` counts updates that carry the due-date field, ``born_overdue`` creates whose due date
lies before the day they were created, ``due_on_day_off`` creates due on a day that is not one of
``cadence.working_days`` (or is a holiday: ``cadence.holidays``, ``public_holidays``), ``idle_account_writes`` account writes beyond the accounts
whose health values actually changed that day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sponsorsync.mappings.loader import load_mapping
from sponsorsync.mappings.model import Mapping
from sponsorsync.sandbox.admin import SandboxAdmin
from sponsorsync.sync.calendar import work_week
from sponsorsync.sync.plan import AccountValues
from sponsorsync.sync.run import RunReport, execute
from sponsorsync.sync.settings import Settings, load_settings


@dataclass
class Day:
    day: int
    today: date
    created: int = 0
    updated: int = 0
    closed: int = 0
    noted: int = 0
    accounts_written: int = 0
    accounts_changed: int = 0  # alliances whose health values differ from the day before
    due_moves: int = 0
    born_overdue: int = 0
    due_on_day_off: int = 0
    held_back: int = 0
    created_by_rule: dict[str, int] = field(default_factory=dict)
    closed_by_outcome: dict[str, int] = field(default_factory=dict)

    @property
    def idle_account_writes(self) -> int:
        return max(0, self.accounts_written - self.accounts_changed)


@dataclass
class Simulation:
    days: list[Day]
    reports: list[RunReport]

    def total(self, name: str) -> int:
        return sum(int(getattr(d, name)) for d in self.days)

    def first_day_of(self, rule: str) -> int | None:
        return next((d.day for d in self.days if d.created_by_rule.get(rule)), None)

    def summary(self) -> dict[str, Any]:
        later = self.days[1:]
        return {
            "days": len(self.days),
            "due_moves": self.total("due_moves"),
            "born_overdue": self.total("born_overdue"),
            "due_on_day_off": self.total("due_on_day_off"),
            "idle_account_writes": sum(d.idle_account_writes for d in self.days),
            "task_updates_after_day_0": sum(d.updated for d in later),
            "writes_per_day_after_day_0": round(
                sum(d.created + d.updated + d.closed + d.noted + d.accounts_written for d in later)
                / max(1, len(later)),
                2,
            ),
            "created": self.total("created"),
            "closed": self.total("closed"),
            "first_escalation_day": self.first_day_of("escalation"),
        }

    def as_rows(self) -> list[dict[str, Any]]:
        return [asdict(d) | {"today": d.today.isoformat()} for d in self.days]


def _account_values(report: RunReport) -> dict[str, AccountValues]:
    return {a.account_id: a for a in report.plan.accounts}


def simulate(
    settings: Settings,
    mapping: Mapping,
    admin: SandboxAdmin,
    days: int,
    on_day: Callable[[int, RunReport | None], None] | None = None,
    keep_reports: int | None = None,
) -> Simulation:
    """Run ``days + 1`` daily syncs (day 0 is the first run), moving the sandbox clock one day
    between them; ``on_day(day, previous report)`` runs before each day's sync (people acting).
    ``keep_reports``: keep only the first N run reports (long simulations of big orgs)."""
    due_field = mapping.writeback.task.fields.due_date.field
    result = Simulation([], [])
    previous: dict[str, AccountValues] = {}
    report: RunReport | None = None
    for number in range(days + 1):
        if number:
            admin.advance_clock(days=1)
        if on_day is not None:
            on_day(number, report)
        report = execute(settings, mapping, mode="run")
        applied = report.applied
        assert applied is not None
        rejected = {r.key for r in applied.rejected}
        today = report.today
        day = Day(
            number, today, applied.created, applied.updated, applied.closed, applied.noted, applied.accounts
        )
        current = _account_values(report)
        day.accounts_changed = sum(1 for k, v in current.items() if previous.get(k) != v)
        previous = current
        for write in report.writes.updates:
            if write.key not in rejected and due_field in write.fields:
                day.due_moves += 1
        for write in report.writes.creates:
            if write.key in rejected:
                continue
            due = report.calendar.day(write.fields.get(due_field))
            if due is not None and due < today:
                day.born_overdue += 1
            if due is not None and not work_week(mapping.cadence, today).works_on(due):
                day.due_on_day_off += 1
            day.created_by_rule[write.rule] = day.created_by_rule.get(write.rule, 0) + 1
        for write in report.writes.closes + report.writes.notes:
            if write.key not in rejected:
                outcome = write.summary.split(":", 1)[0]
                day.closed_by_outcome[outcome] = day.closed_by_outcome.get(outcome, 0) + 1
        day.held_back = len(report.plan.held_back)
        result.days.append(day)
        if keep_reports is None or len(result.reports) < keep_reports:
            result.reports.append(report)
    return result


# -- the benchmark: N days on a generated org, both CRMs --------------------------------------------
def run_cadence(crm: str, size: int, days: int, home: Path) -> dict[str, Any]:
    """The simulation on a generated org of ``size`` contacts, in this process; its summary, the
    first run read per person and the writes of every day."""
    from benchmarks.sandbox import sandbox

    with sandbox(crm, size, home) as box:  # type: ignore[arg-type]
        env_file = box.write_env(f"cadence-{days}.env", home / f"state-{days}")
        settings = load_settings(env_file)
        mapping = load_mapping(None, crm)  # type: ignore[arg-type]
        run = simulate(settings, mapping, box.admin, days, keep_reports=1)
    first = run.reports[0]
    names = {p.id: p.name for v in first.plan.views.values() for p in (v.manager, v.sponsor) if p is not None}
    per_owner: dict[str, int] = {}
    for task in first.plan.tasks:
        per_owner[names.get(task.owner_id, task.owner_id)] = (
            per_owner.get(names.get(task.owner_id, task.owner_id), 0) + 1
        )
    return {
        "crm": crm,
        "size": size,
        "summary": run.summary(),
        "first_run": {
            "alliances": len(first.plan.views),
            "tasks": len(first.plan.tasks),
            "tasks_by_rule": first.counts()["planned_tasks_by_rule"],
            "tasks_per_owner": dict(sorted(per_owner.items(), key=lambda kv: (-kv[1], kv[0]))),
            "held_back": len(first.plan.held_back),
            "held_back_by_owner": first.counts()["held_back_by_owner"],
        },
        "days": run.as_rows(),
    }


def cadence_markdown(results: list[dict[str, Any]]) -> str:
    lines = [
        "## Cadence simulation (one run a day on the sandbox clock, nobody acting)",
        "",
        "| CRM | contacts | days | due-date moves | born overdue | due on a day off | idle account writes "
        "| task updates after day 0 | writes per day after day 0 | first escalation on day |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        s = r["summary"]
        lines.append(
            f"| {r['crm']} | {r['size']:,} | {s['days'] - 1} | {s['due_moves']} | {s['born_overdue']} | "
            f"{s['due_on_day_off']} | {s['idle_account_writes']} | {s['task_updates_after_day_0']} | {s['writes_per_day_after_day_0']} | "
            f"{s['first_escalation_day']} |"
        )
    lines += ["", "First run (a baseline): tasks per person and what the intake limit held back.", ""]
    for r in results:
        f = r["first_run"]
        if r["summary"]["days"] - 1 != max(x["summary"]["days"] - 1 for x in results if x["crm"] == r["crm"]):
            continue
        per = ", ".join(f"{name} {n}" for name, n in f["tasks_per_owner"].items())
        held = ", ".join(f"{name} {n}" for name, n in f["held_back_by_owner"].items()) or "nothing"
        lines.append(
            f"- {r['crm']} {r['size']:,} contacts: {f['alliances']} alliances, {f['tasks']} tasks ({per}); "
            f"held back: {held}."
        )
    return "\n".join(lines) + "\n"
