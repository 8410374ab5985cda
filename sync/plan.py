"""Planning, pure and deterministic: (model, policy, today) -> desired tasks, closures and account
health values.

Every task carries a sync key derived from what it is about: ``ss1:<rule>:<alliance>:<anchor>``. The
anchor is data the CRM itself holds (the sponsor's id, the counterpart's id and the date of their
last touch, the deadline of a sponsor update), so a second run plans the same keys, and a key
changes exactly when the situation does. The rules themselves live in :mod:`sync.rules`, one module
each; this module runs them and applies what every task shares, the lifecycle:

- **Fixed dates.** A task's due date is set when it is created and never moved by sponsorsync: a
  task already in the CRM keeps the due date the CRM holds. Cadence tasks are due on their
  deadline; nothing is created due in the past (a missed deadline gives ``today + task_due_days``).
  Nothing is due on a day off (``cadence.working_days``, ``holidays``, ``public_holidays``): a
  deadline on one brings it forward to the working day before; any other date goes to the next
  working day, and later where holidays would leave fewer working days than an ordinary week
  (:meth:`sync.calendar.WorkWeek.notice`).
- **People.** A task goes to the rule's person when active, else the alliance manager, else the
  sponsor. A task about the sponsor (brief them, send them the update, check in with them) is never
  addressed to the sponsor themselves: it goes to the owner's manager, or is not written (noted).
- **Intake.** At most ``cadence.intake.max_new_tasks_per_owner`` new tasks per person per run, most
  urgent first; the others wait for the next runs. The first run is a baseline, not a flood.
- **Honest closes.** A task of ours whose condition cleared is closed with the outcome its rule
  gives: done (the thing happened), not needed or missed (a closed status that is not done). Tasks
  of a rule switched off in the mapping are left alone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Literal

from sponsorsync.mappings.model import Mapping
from sponsorsync.mappings.templates import Wording
from sponsorsync.mappings.writeback import decode
from sponsorsync.sync.assess import AllianceView, Health, assess, is_covered
from sponsorsync.sync.calendar import WorkWeek, work_week
from sponsorsync.sync.model import Memory, Org, Person
from sponsorsync.sync.rules import ALERTS, REGISTRY, RULES, escalation, make_key, parse_key
from sponsorsync.sync.rules.base import Context, Outcome, Want

__all__ = [
    "ALERTS",
    "RULES",
    "AccountValues",
    "Closure",
    "DesiredTask",
    "Plan",
    "make_key",
    "parse_key",
    "plan",
]


@dataclass(frozen=True, slots=True)
class DesiredTask:
    key: str
    rule: str
    alliance_id: str
    owner_id: str
    subject: str
    body: str
    due: date
    priority: Literal["high", "normal"]
    contact_id: str | None
    account_id: str
    body_once: bool = False  # the body is written on creation only (a dated snapshot: the sponsor brief)
    related: tuple[str, str] | None = None  # ("case" | "deal", id): the record the task is about


@dataclass(frozen=True, slots=True)
class Closure:
    key: str
    rule: str
    outcome: Outcome
    reason: str  # the rendered reason, for the note and the summary


@dataclass(frozen=True, slots=True)
class AccountValues:
    account_id: str
    health: Health
    last_touch: date | None
    health_reason: str
    covered: bool = False  # an active sponsor who touched the counterpart within the tier's cadence


@dataclass
class Plan:
    today: date
    tasks: list[DesiredTask]
    closures: list[Closure]
    accounts: list[AccountValues]
    views: dict[str, AllianceView]
    memory: dict[str, Memory]
    held_back: list[DesiredTask] = field(default_factory=list)  # new tasks past the intake limit
    switched_off: list[str] = field(default_factory=list)  # open tasks of rules switched off: left alone
    first_run: bool = False


def plan(org: Org, mapping: Mapping, closed_by_us: frozenset[str] = frozenset()) -> Plan:
    today = org.today
    wording = mapping.templates.wording()
    tasks: list[DesiredTask] = []
    accounts: list[AccountValues] = []
    views: dict[str, AllianceView] = {}
    contexts: dict[str, Context] = {}
    memory: dict[str, Memory] = {}
    reserved: Counter[str] = Counter()
    enabled = mapping.cadence.rules
    ladder_wants: list[Want] = []  # one per overdue task and step: grouped into follow-up lists below
    earlier: set[str] = set()  # open escalations of one task written by earlier versions: kept as they are
    for alliance in org.alliances:
        view = assess(org, mapping, alliance, reserved)
        views[alliance.id] = view
        ctx = Context(org, mapping, alliance, view, wording, closed_by_us)
        contexts[alliance.id] = ctx
        for name, rule in REGISTRY.items():
            if not getattr(enabled, name):
                continue
            for want in rule.decide(ctx):
                if name == escalation.NAME:
                    kept = escalation.earlier_escalation(ctx, want)
                    if kept is not None:
                        earlier.add(kept)
                    else:
                        ladder_wants.append(_on_ladder(ctx, want))
                    continue
                task = _task(ctx, name, want)
                if task is not None:
                    view.tasks.append(task)
                    ctx.desired.add(task.key)
        view.ladder = _ladder(ctx, view.tasks)
        tasks.extend(view.tasks)
        covered = is_covered(view, today, ctx.cadence.executive_touch_days)
        accounts.append(AccountValues(alliance.id, view.health, view.last_touch, view.reason, covered))
        sponsor_id = view.sponsor.id if view.sponsor else alliance.sponsor_id
        counterpart_id = view.counterpart.contact.id if view.counterpart else None
        memory[alliance.id] = Memory(sponsor_id, counterpart_id, ctx.sponsor_since(sponsor_id))
    tasks.extend(
        _follow_up(org, mapping, f) for f in escalation.followups(org, mapping, ladder_wants, closed_by_us)
    )
    tasks, held_back = _intake(org, mapping, tasks, views)
    closures, switched_off = _closures(org, mapping, contexts, {t.key for t in tasks} | {t.key for t in held_back} | earlier,
                                       closed_by_us)  # fmt: skip
    return Plan(today, tasks, closures, accounts, views, memory, held_back, switched_off, not org.memory)


# -- the lifecycle every task shares ----------------------------------------------------------------
def _task(ctx: Context, rule: str, want: Want) -> DesiredTask | None:
    owner = _owner(ctx, rule, want)
    if owner is None:
        return None
    key = make_key(rule, ctx.alliance.id, want.anchor)
    due = _due(ctx, key, want)
    values: dict[str, Any] = {**_common(ctx), **want.values}
    if REGISTRY[rule].CADENCE:
        values["deadline"] = due.isoformat()
    return DesiredTask(
        key=key,
        rule=rule,
        alliance_id=ctx.alliance.id,
        owner_id=owner.id,
        subject=_subject(ctx.wording, rule, values),
        body=(_written_body(ctx, key) if want.body_once else None) or _body(ctx.wording, rule, values),
        due=due,
        priority="high" if rule in ALERTS else "normal",
        contact_id=want.contact_id,
        account_id=ctx.alliance.id,
        body_once=want.body_once,
        related=want.related,
    )


def _common(ctx: Context) -> dict[str, Any]:
    """The values every task's wording may use: its alliance, tier, manager and sponsor."""
    return {
        "alliance": ctx.alliance.name,
        "tier": ctx.alliance.tier,
        "manager": ctx.view.manager.name if ctx.view.manager else "",
        "sponsor": ctx.view.sponsor.name if ctx.view.sponsor else "",
    }


def _subject(wording: Wording, rule: str, values: dict[str, Any]) -> str:
    return _clip(wording.render(rule, "subject", **values).replace("\n", " "), 255)


def _body(wording: Wording, rule: str, values: dict[str, Any]) -> str:
    return _clip(wording.render(rule, "body", **values), 30_000)


def _on_ladder(ctx: Context, want: Want) -> Want:
    """The escalation want with the alliance's values a list of one shows (as every task does)."""
    return Want(want.anchor, want.owner, {**_common(ctx), **want.values})


def _follow_up(org: Org, mapping: Mapping, follow_up: escalation.FollowUp) -> DesiredTask:
    """A person's follow-up list of one owner's overdue tasks: about people, not one alliance, so it
    is linked to no account."""
    wording = mapping.templates.wording()
    values = escalation.list_values(follow_up)
    return DesiredTask(
        key=follow_up.key,
        rule=escalation.NAME,
        alliance_id="",
        owner_id=follow_up.person.id,
        subject=_subject(wording, escalation.NAME, values),
        body=_body(wording, escalation.NAME, values),
        due=_held_due(org, mapping, follow_up.key)
        or work_week(mapping.cadence, org.today).notice(org.today, mapping.cadence.task_due_days),
        priority="high",
        contact_id=None,
        account_id="",
    )


def _written_body(ctx: Context, key: str) -> str | None:
    """The body the CRM holds for a task written once (the sponsor brief, a dated snapshot): plans,
    ``sync plan --owner`` and ``sync explain`` show what its reader sees, not today's figures."""
    spec = ctx.mapping.writeback.task.fields.body
    own = ctx.org.own_tasks.get(key)
    if spec is None or own is None or own.deleted:
        return None
    held = own.crm_values.get(spec.field)
    return decode(spec, held) if isinstance(held, str) and held else None


def _owner(ctx: Context, rule: str, want: Want) -> Person | None:
    view = ctx.view
    owner = want.owner if want.owner and want.owner.active else view.manager or ctx.sponsor
    sponsor = ctx.sponsor
    if owner is not None and want.about_sponsor and sponsor is not None and owner.id == sponsor.id:
        manager = ctx.org.users.get(owner.manager_id or "")
        if manager is not None and manager.active and manager.id != sponsor.id:
            view.notes.append(
                f"{rule}: the alliance manager is the sponsor; addressed to their manager {manager.name}"
            )
            return manager
        view.notes.append(
            f"{rule}: not written: it would ask the sponsor {sponsor.name} to act towards themselves"
        )
        return None
    if owner is None:
        view.notes.append(f"{rule}: nobody active to assign it to (the alliance has no active owner)")
    return owner


def _ladder(ctx: Context, tasks: list[DesiredTask]) -> list[str]:
    """For `sync explain`: when each task would reach whom on the escalation ladder."""
    if not ctx.mapping.cadence.rules.escalation:
        return []
    lines = []
    for task in tasks:
        if task.rule == "escalation":
            continue
        owner = ctx.org.users.get(task.owner_id)
        steps = [
            f"step {rung.number} {rung.person.name if rung.person else '(nobody: passes on)'} from "
            f"{rung.fires_on} ({rung.days} {'working ' if rung.working else ''}days overdue)"
            for rung in escalation.ladder(ctx, task.rule, owner, task.due)
        ]
        if steps:
            lines.append(f"{task.rule} (due {task.due.isoformat()}): " + "; ".join(steps))
    return lines


def _due(ctx: Context, key: str, want: Want) -> date:
    """The CRM's due date for a task it holds (set once, never moved); else the deadline, never
    before today; else the rule's ``due_in`` days (an SLA) or ``task_due_days`` from today. On a
    working day: a deadline comes forward to the working day before it, the others go to the next."""
    held = _held_due(ctx.org, ctx.mapping, key)
    week, today = ctx.week, ctx.today
    deadline = want.deadline if want.deadline is not None and want.deadline >= today else None
    if held is not None:
        if deadline is not None and held != deadline:
            _day_off_note(ctx, key, deadline, held, week)
        return held
    if deadline is not None:
        return _day_off_note(ctx, key, deadline, week.due(deadline, today=today, deadline=True), week)
    days = (
        want.due_in
        if want.due_in is not None and want.deadline is None
        else ctx.mapping.cadence.task_due_days
    )
    return _day_off_note(ctx, key, today + timedelta(days=days), week.notice(today, days), week, notice=True)


def _day_off_note(
    ctx: Context, key: str, day: date, due: date, week: WorkWeek, *, notice: bool = False
) -> date:
    """``due``; for ``sync explain``, why it is not ``day``: a day off, or (``notice``: a task given
    so many days) holidays before it that would have cut the owner's working days short."""
    why = None
    if notice and due > week.due(day, today=ctx.today, deadline=False):
        why = "holidays before it would leave fewer working days than an ordinary week"
    elif due != day and not week.works_on(day):
        why = "a day off"
    if why is not None:
        rule = key.split(":")[1]
        ctx.view.notes.append(
            f"{rule}: due {due.isoformat()} ({due:%A}), not {day.isoformat()} ({day:%A}): {why} "
            "(cadence.working_days, holidays, public_holidays)"
        )
    return due


def _held_due(org: Org, mapping: Mapping, key: str) -> date | None:
    """The due date the CRM holds for a task of ours, if it holds one."""
    own = org.own_tasks.get(key)
    held = own.crm_values.get(mapping.writeback.task.fields.due_date.field) if own is not None else None
    return org.calendar.day(held)


def _intake(
    org: Org, mapping: Mapping, tasks: list[DesiredTask], views: dict[str, AllianceView]
) -> tuple[list[DesiredTask], list[DesiredTask]]:
    """Keep at most the intake limit of new tasks per owner (alerts first, then the earliest due)."""
    limit = mapping.cadence.intake.max_new_tasks_per_owner
    if limit is None:
        return tasks, []
    new_by_owner: dict[str, list[DesiredTask]] = defaultdict(list)
    for task in tasks:
        if task.key not in org.own_tasks:
            new_by_owner[task.owner_id].append(task)
    held: set[str] = set()
    for queue in new_by_owner.values():
        queue.sort(key=lambda t: (t.priority != "high", t.due, t.key))
        held.update(t.key for t in queue[limit:])
    if not held:
        return tasks, []
    for view in views.values():
        kept = [t for t in view.tasks if t.key not in held]
        if len(kept) != len(view.tasks):
            view.notes.append(
                f"{len(view.tasks) - len(kept)} new task(s) held back by the intake limit "
                f"({limit} new per person per run): they come in the next runs"
            )
            view.tasks = kept
    return [t for t in tasks if t.key not in held], [t for t in tasks if t.key in held]


def _closures(
    org: Org,
    mapping: Mapping,
    contexts: dict[str, Context],
    desired: set[str],
    closed_by_us: frozenset[str],
) -> tuple[list[Closure], list[str]]:
    closures: list[Closure] = []
    switched_off: list[str] = []
    enabled = mapping.cadence.rules
    wording = mapping.templates.wording()
    for key, own in sorted(org.own_tasks.items()):
        parsed = parse_key(key)
        if parsed is None or own.completed or own.deleted or key in desired or key in closed_by_us:
            continue
        rule, alliance_id, anchor = parsed
        if not getattr(enabled, rule):
            switched_off.append(key)  # the admin switched the rule off: not our call to close its tasks
            continue
        ctx = contexts.get(alliance_id)
        if rule == escalation.NAME and escalation.is_list_key(alliance_id):
            close = escalation.close_list(org, anchor)
        elif ctx is None:
            closures.append(Closure(key, rule, "not_needed", wording.render("reason", "not_alliance")))
            continue
        else:
            close = REGISTRY[rule].close(ctx, anchor)
        values = {"sponsor": "", "counterpart": "", "date": "", "owner": "", "rule": rule, "replacement": ""}
        reason = wording.render("reason", close.reason, **(values | close.values))
        closures.append(Closure(key, rule, close.outcome, reason))
    return closures, switched_off


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
