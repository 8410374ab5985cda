"""The portfolio, pure: every alliance's figures, a scorecard per sponsor, coverage by tier, overdue
tasks by owner and open escalations, from the model, the plan's views and what sponsorsync wrote.
The report (``sponsorsync report``) and ``sync status --json`` show it; nothing here reads the CRM.

Definitions (the README repeats them for users):

- **Coverage** of a tier: the share of its alliances with an active sponsor *and* an in-SLA
  counterpart pair: the sponsor touched the partner executive counterpart within the tier's
  ``executive_touch_days``.
- **Touches vs cadence**: touches with the partner in the last 365 days, against the touches the
  cadence expects in a year (365 / the tier's ``executive_touch_days``), summed over the sponsor's
  alliances.
- **Updates sent vs missed**: ``sponsor_update`` tasks done, against those closed as missed.
- **Escalations answered within SLA**: ``partner_escalation`` tasks done on or before their due
  date, out of those that came due (done, still open past their due date, or closed unanswered
  when their case closed after it).
- **Critical moments attended**: ``critical_moment`` tasks done, out of those closed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.mappings.model import Mapping
from sponsorsync.sync.assess import AllianceView, is_covered
from sponsorsync.sync.model import Org
from sponsorsync.sync.rules import critical_moment, partner_escalation, sponsor_update
from sponsorsync.sync.task_facts import TaskFact

SPONSOR_UPDATE = sponsor_update.NAME
PARTNER_ESCALATION = partner_escalation.NAME
CRITICAL_MOMENT = critical_moment.NAME
MONTHS = 12


@dataclass(frozen=True, slots=True)
class AllianceRow:
    id: str
    name: str
    tier: str
    manager: str | None
    sponsor: str | None
    sponsor_state: str
    counterpart: str | None
    health: str
    reason: str
    last_touch: date | None
    touches_90: int
    touches_365: int
    open_tasks: int
    overdue_tasks: int
    open_escalations: int
    oldest_escalation_days: int | None
    open_deals: int
    pipeline: float
    covered: bool  # active sponsor and an in-SLA counterpart pair
    months: tuple[int, ...]  # executive touches per month, oldest first (Portfolio.months)


@dataclass(frozen=True, slots=True)
class Ratio:
    done: int
    out_of: int

    @property
    def share(self) -> float | None:
        return self.done / self.out_of if self.out_of else None

    def text(self) -> str:
        share = self.share
        return f"{self.done}/{self.out_of}" + ("" if share is None else f" ({share:.0%})")


@dataclass(frozen=True, slots=True)
class Scorecard:
    sponsor_id: str
    name: str
    email: str | None
    alliances: int
    green: int
    amber: int
    red: int
    touches_365: int
    expected_touches: float
    updates_sent: int
    updates_missed: int
    escalations: Ratio  # answered within SLA / came due
    moments: Ratio  # attended / closed
    # Mean days from sponsorsync first seeing an escalation (its task's creation: due - sponsor_sla_days)
    # to the sponsor marking the task done; and from a case opening to its closing (closed cases).
    days_to_sponsor: float | None = None
    days_to_close: float | None = None

    @property
    def touch_ratio(self) -> float | None:
        return self.touches_365 / self.expected_touches if self.expected_touches else None

    def to_json(self) -> dict[str, Any]:
        ratio = self.touch_ratio
        return {
            "sponsor_id": self.sponsor_id,
            "name": self.name,
            "email": self.email,
            "alliances": self.alliances,
            "health": {"green": self.green, "amber": self.amber, "red": self.red},
            "touches_365": self.touches_365,
            "expected_touches": round(self.expected_touches, 1),
            "touch_ratio": None if ratio is None else round(ratio, 2),
            "updates_sent": self.updates_sent,
            "updates_missed": self.updates_missed,
            "escalations_within_sla": self.escalations.done,
            "escalations_due": self.escalations.out_of,
            "escalation_days_to_sponsor": _round(self.days_to_sponsor),
            "escalation_days_to_close": _round(self.days_to_close),
            "critical_moments_attended": self.moments.done,
            "critical_moments_closed": self.moments.out_of,
        }


@dataclass(frozen=True, slots=True)
class Coverage:
    tier: str  # a tier's name, or "overall"
    alliances: int
    covered: int

    @property
    def share(self) -> float | None:
        return self.covered / self.alliances if self.alliances else None

    def to_json(self) -> dict[str, Any]:
        share = self.share
        return {
            "alliances": self.alliances,
            "covered": self.covered,
            "share": None if share is None else round(share, 4),
        }


@dataclass(frozen=True, slots=True)
class OverdueTask:
    owner: str
    alliance: str
    rule: str
    subject: str
    due: date
    days_overdue: int


@dataclass(frozen=True, slots=True)
class OpenEscalation:
    alliance: str
    sponsor: str | None
    case_id: str
    subject: str
    priority: str | None
    opened_on: date
    age_days: int


@dataclass
class Portfolio:
    today: date
    months: list[str]  # "YYYY-MM", oldest first; the last is the month of ``today``
    alliances: list[AllianceRow]
    scorecards: list[Scorecard]
    coverage: list[Coverage]  # per tier, in the policy's order
    overall: Coverage
    overdue: dict[str, list[OverdueTask]] = field(default_factory=dict)  # owner name -> tasks
    escalations: list[OpenEscalation] = field(default_factory=list)
    owner: str | None = None  # the e-mail the report is limited to

    def summary_json(self) -> dict[str, Any]:
        """The small part ``sync status --json`` carries."""
        return {
            "coverage": {c.tier: c.to_json() for c in [*self.coverage, self.overall]},
            "scorecards": [s.to_json() for s in self.scorecards],
        }


def months_back(today: date, count: int = MONTHS) -> list[str]:
    """The ``count`` calendar months ending with today's, oldest first, as "YYYY-MM"."""
    index = today.year * 12 + today.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - count + 1, index + 1)]


def build_portfolio(
    org: Org,
    mapping: Mapping,
    views: dict[str, AllianceView],
    tasks: Iterable[TaskFact],
    monthly: dict[str, dict[str, int]] | None = None,
    *,
    owner_email: str | None = None,
) -> Portfolio:
    """``monthly``: alliance id -> {"YYYY-MM": executive touches}. ``owner_email``: only the alliances
    this person manages or sponsors, and only their tasks (the scorecards of those alliances' sponsors
    stay whole: a sponsor update is the manager's task but the sponsor's figure)."""
    today = org.today
    months = months_back(today)
    per_month = monthly or {}
    tiers = mapping.cadence.tiers
    owner_id = _owner_id(org, owner_email)
    chosen = [v for v in views.values() if owner_id is None or owner_id in _people(v)]
    ids = {v.alliance.id for v in chosen}
    of_alliances = [t for t in tasks if t.alliance_id in ids]  # scorecards count every task of them
    facts = [t for t in of_alliances if owner_id is None or t.owner_id == owner_id]
    by_alliance: dict[str, list[TaskFact]] = defaultdict(list)
    for fact in facts:
        by_alliance[fact.alliance_id or ""].append(fact)

    rows: list[AllianceRow] = []
    escalations: list[OpenEscalation] = []
    for view in chosen:
        a = view.alliance
        mine = by_alliance.get(a.id, [])
        open_ = [t for t in mine if t.state == "open"]
        overdue = [t for t in open_ if t.due is not None and t.due < today]
        cases = [c for c in org.cases.get(a.id, []) if c.escalated and not c.closed]
        ages = [(today - c.opened_on).days for c in cases]
        deals = [d for d in org.deals.get(a.id, []) if not d.closed]
        sponsor_name = view.sponsor.name if view.sponsor else None
        for case in cases:
            escalations.append(
                OpenEscalation(
                    a.name, sponsor_name, case.id, case.subject, case.priority, case.opened_on,
                    (today - case.opened_on).days,
                )
            )  # fmt: skip
        counts = per_month.get(a.id, {})
        rows.append(
            AllianceRow(
                id=a.id,
                name=a.name,
                tier=a.tier,
                manager=view.manager.name if view.manager else None,
                sponsor=sponsor_name if view.sponsor_state != "none" else None,
                sponsor_state=view.sponsor_state,
                counterpart=view.counterpart.contact.name if view.counterpart else None,
                health=view.health,
                reason=view.reason,
                last_touch=view.last_touch,
                touches_90=view.touches_90,
                touches_365=view.touches_365,
                open_tasks=len(open_),
                overdue_tasks=len(overdue),
                open_escalations=len(cases),
                oldest_escalation_days=max(ages) if ages else None,
                open_deals=len(deals),
                pipeline=float(sum(d.amount or 0.0 for d in deals)),
                covered=is_covered(view, today, tiers[a.tier].executive_touch_days),
                months=tuple(counts.get(m, 0) for m in months),
            )
        )
    escalations.sort(key=lambda e: (-e.age_days, e.alliance.casefold(), e.case_id))

    coverage = []
    for tier in tiers:
        of_tier = [r for r in rows if r.tier == tier]
        coverage.append(Coverage(tier, len(of_tier), sum(r.covered for r in of_tier)))
    overall = Coverage("overall", len(rows), sum(r.covered for r in rows))

    return Portfolio(
        today=today,
        months=months,
        alliances=rows,
        scorecards=_scorecards(org, mapping, chosen, of_alliances),
        coverage=coverage,
        overall=overall,
        overdue=_overdue(org, views, facts, today),
        escalations=escalations,
        owner=owner_email,
    )


def _scorecards(
    org: Org, mapping: Mapping, views: list[AllianceView], facts: list[TaskFact]
) -> list[Scorecard]:
    tiers = mapping.cadence.tiers
    sponsored: dict[str, list[AllianceView]] = defaultdict(list)
    for view in views:
        if view.sponsor_state == "ok" and view.sponsor is not None:
            sponsored[view.sponsor.id].append(view)
    sponsor_of = {v.alliance.id: v.sponsor.id for v in views if v.sponsor is not None}
    by_sponsor: dict[str, list[TaskFact]] = defaultdict(list)
    for fact in facts:
        who = _sponsor_of(fact, sponsor_of)
        if who:
            by_sponsor[who].append(fact)
    cards = []
    for sponsor_id, mine in sponsored.items():
        person = org.users[sponsor_id]
        tasks = by_sponsor.get(sponsor_id, [])
        updates = [t for t in tasks if t.rule == SPONSOR_UPDATE]
        answered = [t for t in tasks if t.rule == PARTNER_ESCALATION]
        came_due = [t for t in answered if _came_due(t, org)]
        in_time = [t for t in came_due if t.state == "done" and t.due and t.done_on and t.done_on <= t.due]
        moments = [
            t for t in tasks if t.rule == CRITICAL_MOMENT and t.state in ("done", "missed", "not_needed")
        ]
        sla = mapping.cadence.escalation.sponsor_sla_days
        to_sponsor = [
            (t.done_on - opened).days
            for t in answered
            if t.state == "done" and t.done_on and (opened := _opened(t, sla)) is not None
        ]
        closed = [
            c
            for v in mine
            for c in org.cases.get(v.alliance.id, [])
            if c.escalated and c.closed and c.closed_on
        ]
        cards.append(
            Scorecard(
                sponsor_id=sponsor_id,
                name=person.name,
                email=person.email,
                alliances=len(mine),
                green=sum(v.health == "green" for v in mine),
                amber=sum(v.health == "amber" for v in mine),
                red=sum(v.health == "red" for v in mine),
                touches_365=sum(v.touches_365 for v in mine),
                expected_touches=sum(365 / tiers[v.alliance.tier].executive_touch_days for v in mine),
                updates_sent=sum(t.state == "done" for t in updates),
                updates_missed=sum(t.state == "missed" for t in updates),
                escalations=Ratio(len(in_time), len(came_due)),
                moments=Ratio(sum(t.state == "done" for t in moments), len(moments)),
                days_to_sponsor=_mean([max(0, d) for d in to_sponsor]),
                days_to_close=_mean([(c.closed_on - c.opened_on).days for c in closed if c.closed_on]),
            )
        )
    cards.sort(key=lambda c: (c.name.casefold(), c.sponsor_id))
    return cards


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _opened(task: TaskFact, sla: int) -> date | None:
    """The day an escalation task was opened: as the state recorded it; for a task written before the
    state kept it, its due date less the SLA (due dates were then never moved to a working day)."""
    if task.opened_on is not None:
        return task.opened_on
    return task.due - timedelta(days=sla) if task.due is not None else None


def _came_due(task: TaskFact, org: Org) -> bool:
    """An escalation task counts once done, once open past its due date, or when it was closed
    unanswered because its case closed after that due date (the key's anchor is the case id)."""
    if task.state == "done":
        return True
    if task.due is None:
        return False
    if task.state == "open":
        return task.due < org.today
    if task.state in ("not_needed", "missed"):
        anchor = task.key.split(":", 3)[-1]
        case = next((c for c in org.cases.get(task.alliance_id or "", []) if c.id == anchor), None)
        closed = case.closed_on if case is not None else None
        return task.state == "missed" or (closed is not None and closed > task.due)
    return False


def _sponsor_of(fact: TaskFact, sponsor_of: dict[str, str]) -> str | None:
    """Whose scorecard a task counts for: a sponsor update for the sponsor its key names (the key's
    anchor is ``<sponsor id>:<deadline>``), escalations and critical moments for their owner (the
    sponsor), anything else for the alliance's sponsor now."""
    if fact.rule == SPONSOR_UPDATE:
        anchor = fact.key.split(":", 3)[-1]
        if ":" in anchor:
            return anchor.split(":", 1)[0]
    if fact.rule in (PARTNER_ESCALATION, CRITICAL_MOMENT) and fact.owner_id:
        return fact.owner_id
    return sponsor_of.get(fact.alliance_id or "")


def _overdue(
    org: Org, views: dict[str, AllianceView], facts: list[TaskFact], today: date
) -> dict[str, list[OverdueTask]]:
    found: dict[str, list[OverdueTask]] = defaultdict(list)
    for fact in facts:
        if fact.state != "open" or fact.due is None or fact.due >= today:
            continue
        person = org.users.get(fact.owner_id or "")
        owner = person.name if person else (fact.owner_id or "(no owner)")
        view = views.get(fact.alliance_id or "")
        alliance = view.alliance.name if view else (fact.alliance_id or "(follow-up list)")
        found[owner].append(
            OverdueTask(owner, alliance, fact.rule, fact.subject, fact.due, (today - fact.due).days)
        )
    return {
        owner: sorted(tasks, key=lambda t: (t.due, t.alliance.casefold(), t.subject))
        for owner, tasks in sorted(found.items(), key=lambda pair: pair[0].casefold())
    }


def _owner_id(org: Org, email: str | None) -> str | None:
    if email is None:
        return None
    wanted = email.strip().casefold()
    for person in org.users.values():
        if (person.email or "").casefold() == wanted:
            return person.id
    raise ConfigError(
        f"No user has the e-mail {email!r} (--owner)",
        hint="give the e-mail of an alliance manager or sponsor as the CRM has it",
    )


def _people(view: AllianceView) -> set[str]:
    return {p.id for p in (view.manager, view.sponsor) if p is not None} | {
        i for i in (view.alliance.owner_id, view.alliance.sponsor_id) if i
    }
