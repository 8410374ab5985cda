"""``sync plan --owner EMAIL``: one person's share of a plan, as that person would see it in the CRM.

Pure: the run's report, the users the mirror knows and the ledger in; the items out. A new task
shows its subject, due date and body; a task sponsorsync would close names the task (its subject as
written) and the alliance, with the reason.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.mappings.model import Mapping as MappingFile
from sponsorsync.sync.ledger import LedgerEntry
from sponsorsync.sync.mirror import Mirror
from sponsorsync.sync.plan import DesiredTask
from sponsorsync.sync.run import RunReport


@dataclass(frozen=True, slots=True)
class Owner:
    id: str
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class OwnerItem:
    """One thing the owner would see change. ``action``: create, update, close, note, held back."""

    action: str
    rule: str
    alliance: str
    subject: str
    due: date | None = None
    body: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "rule": self.rule,
            "alliance": self.alliance,
            "subject": self.subject,
            "due": self.due.isoformat() if self.due else None,
            "body": self.body,
            "reason": self.reason,
        }


def known_people(mirror: Mirror) -> tuple[list[Owner], dict[str, str]]:
    """The users / owners with an e-mail, and the account names, as the mirror holds them."""
    users = [
        Owner(str(row["id"]), str(row.get("name") or row["email"]), str(row["email"]))
        for row in mirror.rows("users")
        if row.get("email")
    ]
    accounts = {str(row["id"]): str(row.get("name") or row["id"]) for row in mirror.rows("accounts")}
    return users, accounts


def find_owner(email: str, users: Iterable[Owner]) -> Owner:
    """The user / owner with ``email`` (case-insensitive); else a ConfigError with the nearest ones."""
    known = [u for u in users if u.email]
    for user in known:
        if user.email.casefold() == email.strip().casefold():
            return user
    emails = sorted({u.email for u in known})
    near = difflib.get_close_matches(email.strip().lower(), [e.lower() for e in emails], n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(near)}?" if near else "check the e-mail"
    raise ConfigError(
        f"No user or owner with the e-mail {email!r} in the CRM",
        hint=f"{hint} (`sponsorsync sync plan` lists every owner's tasks)",
    )


def owner_items(
    report: RunReport,
    owner: Owner,
    ledger: Mapping[str, LedgerEntry],
    mapping: MappingFile,
    alliance_names: Mapping[str, str],
) -> list[OwnerItem]:
    """What ``owner`` would get from this plan: new and changed tasks, tasks closed or noted, and
    new tasks held back by the intake limit, most urgent first."""
    desired = {t.key: t for t in [*report.plan.tasks, *report.plan.held_back]}
    names = dict(alliance_names) | {k: v.alliance.name for k, v in report.plan.views.items()}
    task_fields = mapping.writeback.task.fields
    items: list[OwnerItem] = []

    def task_item(action: str, task: DesiredTask) -> OwnerItem:
        name = names.get(task.alliance_id, task.alliance_id) or "(follow-up list)"
        return OwnerItem(action, task.rule, name, task.subject, task.due, task.body)

    for action, writes in (("create", report.writes.creates), ("update", report.writes.updates)):
        for write in writes:
            task = desired.get(write.key)
            if task is not None and task.owner_id == owner.id:
                items.append(task_item(action, task))
    for task in report.plan.held_back:
        if task.owner_id == owner.id:
            items.append(task_item("held back", task))
    for action, writes in (("close", report.writes.closes), ("note", report.writes.notes)):
        for write in writes:
            entry = ledger.get(write.key)
            if entry is None or entry.fields.get(task_fields.owner_id.field) != owner.id:
                continue
            alliance = names.get(entry.alliance_id or "", entry.alliance_id or "(follow-up list)")
            subject = str(entry.fields.get(task_fields.subject.field) or write.key)
            items.append(OwnerItem(action, write.rule, alliance, subject, reason=write.summary))
    order = {"create": 0, "update": 1, "held back": 2, "close": 3, "note": 4}
    return sorted(items, key=lambda i: (order[i.action], i.due or date.max, i.alliance, i.subject))


def render_lines(owner: Owner, items: list[OwnerItem], *, body_lines: int = 12) -> list[str]:
    """The items as text, one block per task: what the owner reads in the CRM."""
    lines = [f"{owner.name} <{owner.email}>: {len(items)} task change(s) the next run would make"]
    labels = {
        "create": "new task",
        "update": "updated task",
        "held back": "new task, held back by the intake limit (comes in a later run)",
        "close": "closes",
        "note": "adds a note to",
    }
    for item in items:
        lines.append("")
        if item.action in ("close", "note"):
            lines.append(f"{labels[item.action]} {item.subject!r} on {item.alliance} ({item.rule})")
            lines.append(f"  why: {item.reason}")
            continue
        lines.append(f"{labels[item.action]}: {item.subject}")
        lines.append(f"  alliance: {item.alliance}   rule: {item.rule}   due: {item.due}")
        body = (item.body or "").splitlines()
        lines += [f"  | {line}" for line in body[:body_lines]]
        if len(body) > body_lines:
            lines.append(f"  | ... ({len(body) - body_lines} more lines)")
    if not items:
        lines.append("nothing new for them in this plan")
    return lines
