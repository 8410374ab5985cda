"""The demo's proof that tasks were written: a few of them per owner, as the owner reads them (subject,
due date, the first lines of the body), with the id the CRM gave each, and where to look further."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sponsorsync.sync.ledger import LedgerEntry
from sponsorsync.sync.model import Person
from sponsorsync.sync.plan import DesiredTask
from sponsorsync.sync.run import RunReport


@dataclass(frozen=True, slots=True)
class Sample:
    owner: str
    email: str | None
    crm_id: str
    task: DesiredTask


def samples(
    report: RunReport, ledger: Mapping[str, LedgerEntry], *, per_owner: int = 3, owners: int = 4
) -> tuple[list[Sample], int]:
    """Up to ``per_owner`` tasks the run created and the CRM confirmed (they have its id), for the
    ``owners`` owners with most of them; and how many other owners got tasks."""
    people = {p.id: p for v in report.plan.views.values() for p in (v.manager, v.sponsor) if p is not None}
    desired = {t.key: t for t in report.plan.tasks}
    by_owner: dict[str, list[tuple[str, DesiredTask]]] = {}
    for write in report.writes.creates:
        task, entry = desired.get(write.key), ledger.get(write.key)
        if task is None or entry is None or not entry.crm_id:
            continue
        by_owner.setdefault(task.owner_id, []).append((entry.crm_id, task))
    ranked = sorted(by_owner, key=lambda o: (-len(by_owner[o]), _name(people.get(o), o)))
    found: list[Sample] = []
    for owner_id in ranked[:owners]:
        person = people.get(owner_id)
        tasks = sorted(by_owner[owner_id], key=lambda pair: (pair[1].due, pair[1].subject))
        found += [
            Sample(_name(person, owner_id), person.email if person else None, crm_id, task)
            for crm_id, task in tasks[:per_owner]
        ]
    return found, max(0, len(ranked) - owners)


def _name(person: Person | None, fallback: str) -> str:
    return person.name if person is not None and person.name else fallback


def render(
    found: list[Sample], more_owners: int, record: str, body_lines: int = 2, width: int = 150
) -> list[str]:
    """``record``: what the CRM calls a task record (``Salesforce Task``), before its id."""
    lines: list[str] = []
    owner = None
    for sample in found:
        if sample.owner != owner:
            owner = sample.owner
            lines.append(f"{sample.owner}" + (f" <{sample.email}>" if sample.email else ""))
        task = sample.task
        lines.append(f"  {task.subject}  (due {task.due.isoformat()}; {record} {sample.crm_id})")
        body = [line for line in task.body.splitlines() if line.strip()]
        lines += [f"    {_cut(line, width)}" for line in body[:body_lines]]
        if len(body) > body_lines:
            lines.append("    ...")
    if more_owners:
        lines.append(f"... and {more_owners} more owners with new tasks")
    return lines


def _cut(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 3].rstrip() + "..."
