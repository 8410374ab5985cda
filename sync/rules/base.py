"""What every rule module provides, and the context a rule decides in.

A rule module (one per rule, in this package) defines:

- ``NAME``: the rule's name, the second part of its sync keys (``ss1:<NAME>:<alliance>:<anchor>``);
- ``ALERT``: True when its tasks are alerts (high priority);
- ``CADENCE``: True when its tasks follow a cadence deadline (they appear ``lead_days`` before it);
- ``SPONSOR_IS_SUBJECT``: True when its tasks are about the sponsor themselves (brief them, check in
  with them): the escalation ladder then never takes them to the sponsor;
- ``decide(ctx) -> list[Want]``: the tasks it wants for one alliance now, pure;
- ``close(ctx, anchor) -> Close``: why a task of its own with this anchor is no longer wanted, in
  words that are true for the case, and whether that means done, not needed or missed.

Wording lives in the templates (``mappings/templates/<language>.yaml``) under the rule's name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any, Literal, Protocol

from sponsorsync.mappings.model import Mapping
from sponsorsync.mappings.policy import TierCadence
from sponsorsync.mappings.templates import Wording
from sponsorsync.sync.assess import AllianceView
from sponsorsync.sync.calendar import WorkWeek, work_week
from sponsorsync.sync.model import Alliance, Memory, Org, Person
from sponsorsync.sync.task_facts import completion_date

Outcome = Literal["done", "not_needed", "missed"]
KEY_PREFIX = "ss1"


def make_key(rule: str, alliance_id: str, anchor: str) -> str:
    return f"{KEY_PREFIX}:{rule}:{alliance_id}:{anchor}"


@dataclass(frozen=True, slots=True)
class Want:
    """A task a rule wants: about what (anchor), for whom, with which template values."""

    anchor: str
    owner: Person | None
    values: dict[str, Any] = field(default_factory=dict)
    contact_id: str | None = None
    # The CRM record the task is about besides the account: ("case", id) or ("deal", id); HubSpot
    # links the task to it where the mapping names the association (writeback.task.associations).
    related: tuple[str, str] | None = None
    # The cadence deadline, when there is one: the task is due on it (never before today), or on the
    # last working day before it.
    deadline: date | None = None
    # Else, when set: due this many days from today (an SLA), or on the next working day after.
    due_in: int | None = None
    # The task asks someone to act towards the sponsor: never address it to the sponsor themselves.
    about_sponsor: bool = False
    # The body is a snapshot as of the day the task is written (the sponsor brief): not rewritten later.
    body_once: bool = False


@dataclass(frozen=True, slots=True)
class Close:
    """Why a task is no longer wanted: the outcome and a reason template (``reason.<name>``)."""

    outcome: Outcome
    reason: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    """One alliance as the rules see it."""

    org: Org
    mapping: Mapping
    alliance: Alliance
    view: AllianceView
    wording: Wording
    closed_by_us: frozenset[str] = frozenset()  # keys sponsorsync itself closed (episodes move on)
    desired: set[str] = field(
        default_factory=set
    )  # keys wanted so far for this alliance (escalation reads them)

    @property
    def today(self) -> date:
        return self.org.today

    @cached_property
    def week(self) -> WorkWeek:
        """The days people work around today (``cadence.working_days`` less holidays)."""
        return work_week(self.mapping.cadence, self.today)

    @property
    def cadence(self) -> TierCadence:
        return self.mapping.cadence.tiers[self.alliance.tier]

    @property
    def memory(self) -> Memory | None:
        return self.org.memory.get(self.alliance.id)

    @property
    def sponsor(self) -> Person | None:
        """The sponsor, when active."""
        return self.view.sponsor if self.view.sponsor_state == "ok" else None

    def sponsor_since(self, sponsor_id: str | None) -> date:
        """Since when this sponsor has been in place as far as sponsorsync knows: remembered from an
        earlier run, else the appointment the CRM's history shows (first sight), else today."""
        memory = self.memory
        if memory is not None and memory.sponsor_id == sponsor_id:
            return memory.seen_on
        if memory is None and self.alliance.sponsor_id == sponsor_id:
            return self.org.appointed.get(self.alliance.id, self.today)
        return self.today

    def name_of(self, person_id: str | None) -> str:
        person = self.org.users.get(person_id or "")
        return person.name if person else str(person_id or "nobody")


class Rule(Protocol):
    """The shape of a rule module."""

    NAME: str
    ALERT: bool
    CADENCE: bool
    SPONSOR_IS_SUBJECT: bool

    def decide(self, ctx: Context) -> list[Want]: ...
    def close(self, ctx: Context, anchor: str) -> Close: ...


def sponsor_change(ctx: Context, sponsor_id: str) -> Close | None:
    """The common reason a task about one sponsor is obsolete: the alliance's sponsor changed."""
    current = ctx.view.sponsor
    if ctx.view.sponsor_state == "ok" and current is not None and current.id == sponsor_id:
        return None
    if ctx.view.sponsor_state == "none":
        return Close("not_needed", "sponsor_removed")
    if ctx.view.sponsor_state == "gone" and current is not None and current.id == sponsor_id:
        return Close("not_needed", "situation_changed")
    return Close("not_needed", "sponsor_changed", {"sponsor": ctx.name_of(ctx.alliance.sponsor_id)})


def episode(ctx: Context, rule: str) -> str:
    """The current episode of a rule with no natural anchor (no sponsor, no partner executive): the
    latest one, unless sponsorsync closed it because the condition had cleared."""
    prefix = make_key(rule, ctx.alliance.id, "")
    numbers = sorted(
        int(k[len(prefix) + 1 :])
        for k in ctx.org.own_tasks
        if k.startswith(prefix + "e") and k[len(prefix) + 1 :].isdigit()
    )
    if not numbers:
        return "e1"
    latest = numbers[-1]
    closed = make_key(rule, ctx.alliance.id, f"e{latest}") in ctx.closed_by_us
    return f"e{latest + 1}" if closed else f"e{latest}"


def wanted_episode(ctx: Context, rule: str) -> tuple[str, str] | None:
    """The episode to ask for while the condition holds, and the day its last task was marked done
    (empty if it was not). A task a person marked done with the condition still there is taken at
    their word for the tier's ``sponsor_update_days`` (the alliance's own rhythm): nothing until
    then (None), then the next episode, which says so. Never sooner, and never not at all."""
    anchor = episode(ctx, rule)
    done = done_by_person(ctx, make_key(rule, ctx.alliance.id, anchor))
    return _after_rhythm(ctx, anchor if done is None else f"e{int(anchor[1:]) + 1}", done)


def marked_chain(ctx: Context, rule: str, base: str) -> tuple[str, date | None]:
    """The first of ``base``, ``base+1``, ``base+2``, ... whose task no person marked done, and the
    day the one before it was marked done (None when ``base`` itself was not)."""
    anchor, marked, count = base, None, 0
    while (done := done_by_person(ctx, make_key(rule, ctx.alliance.id, anchor))) is not None:
        marked, count = done, count + 1
        anchor = f"{base}+{count}"
    return anchor, marked


def after_marked(ctx: Context, rule: str, base: str) -> tuple[str, str] | None:
    """For a rule whose anchor (``base``) stays while the condition holds: the anchor to ask for,
    and the day its last task was marked done (empty if none was). A task a person marked done with
    the condition still there is taken at their word for the tier's ``sponsor_update_days``: nothing
    until then (None), then ``<base>+<n>``, the n-th task since. Never sooner, never not at all."""
    return _after_rhythm(ctx, *marked_chain(ctx, rule, base))


def _after_rhythm(ctx: Context, anchor: str, marked: date | None) -> tuple[str, str] | None:
    """``anchor`` and the day the task before it was marked done, once the tier's
    ``sponsor_update_days`` have passed since that day (None before)."""
    if marked is not None and ctx.today < marked + timedelta(days=ctx.cadence.sponsor_update_days):
        return None
    return anchor, marked.isoformat() if marked else ""


def done_by_person(ctx: Context, key: str) -> date | None:
    """The day a person marked the task with this key done: it is closed in the CRM, not deleted,
    and sponsorsync did not close it. The CRM's completion date, else the task's due date, else
    today. None when no person closed it."""
    task = ctx.org.own_tasks.get(key)
    if task is None or not task.completed or task.deleted or key in ctx.closed_by_us:
        return None
    due = task.crm_values.get(ctx.mapping.writeback.task.fields.due_date.field)
    calendar = ctx.org.calendar
    return completion_date(ctx.mapping, task, calendar) or calendar.day(due) or ctx.today


def newly_appointed(ctx: Context, rule: str, sponsor: Person) -> bool:
    """Whether ``sponsor`` is new on the alliance for ``rule``'s purposes: an appointment sponsorsync
    saw happen between runs, one the CRM's field history dates recently on first sight, or one a task
    of ``rule`` already exists for (so it stays wanted until done). A sponsor in place on the first
    run is not new: installing sponsorsync does not flood anyone with briefings."""
    key = make_key(rule, ctx.alliance.id, sponsor.id)
    memory = ctx.memory
    appointed_now = memory is not None and memory.sponsor_id != sponsor.id
    recent_in_history = memory is None and ctx.alliance.id in ctx.org.appointed
    return appointed_now or recent_in_history or key in ctx.org.own_tasks or key in ctx.org.pending


def counterpart_values(ctx: Context) -> dict[str, Any]:
    counterpart = ctx.view.counterpart
    return {
        "counterpart": counterpart.contact.name if counterpart else "",
        "counterpart_title": (counterpart.contact.title or "") if counterpart else "",
    }


def charter_values(ctx: Context) -> dict[str, Any]:
    """What a sponsor of this tier commits to (the briefing and the charter task)."""
    cadence = ctx.mapping.cadence
    return {
        "touch_days": ctx.cadence.executive_touch_days,
        "update_days": ctx.cadence.sponsor_update_days,
        "sla_days": cadence.escalation.sponsor_sla_days,
        "lookahead_days": cadence.critical.lookahead_days,
    }


def candidate_values(ctx: Context) -> dict[str, Any]:
    """Template values listing the sponsor candidates (manager-facing; no scores: `sync explain` has them)."""
    listed = [
        {
            "name": c.person.name,
            "title": c.person.title or "",
            "free": c.free_capacity,
            "capacity": c.person.capacity,
        }
        for c in ctx.view.candidates
    ]
    if not listed:
        note = ctx.wording.render("candidates", "none")
    elif ctx.view.executives:
        note = ctx.wording.render("candidates", "some")
    elif ctx.alliance.focus and ctx.alliance.focus in ctx.mapping.matching.focus_functions:
        note = ctx.wording.render("candidates", "by_focus", focus=ctx.alliance.focus)
    else:
        note = ctx.wording.render("candidates", "by_seniority")
    return {"candidates": listed, "candidates_note": note}
