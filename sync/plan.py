"""Planning, pure and deterministic: (model, policy, today) -> desired tasks, closures and account
health values.

Every task carries a sync key derived from what it is about: ``ss1:<rule>:<alliance>:<anchor>``. The
anchor is data the CRM itself holds (the sponsor's id, the counterpart's id and the date of their
last touch, the cadence period), so a second run plans the same keys, and a key changes exactly
when the situation does (a new touch, a new sponsor, the next period). Two rules have no natural
anchor (no sponsor, no partner executive): they number their episodes, and a new episode starts
only after sponsorsync itself closed the previous one because the condition had cleared.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from mappings.model import Mapping
from sync.assess import AllianceView, Health, assess
from sync.model import Alliance, Memory, Org, Person

KEY_PREFIX = "ss1"
PERIOD_EPOCH = date(2024, 1, 1)  # sponsor-update periods are counted from here
RULES = (
    "no_sponsor",
    "new_sponsor",
    "sponsor_update",
    "executive_touch",
    "sponsor_inactive",
    "no_partner_executive",
    "counterpart_gone",
    "sponsor_gone",
)
ALERTS = frozenset(
    {"no_sponsor", "sponsor_inactive", "no_partner_executive", "counterpart_gone", "sponsor_gone"}
)

CLOSE_REASONS = {
    "no_sponsor": "an executive sponsor has been appointed",
    "new_sponsor": "the alliance has another sponsor now",
    "sponsor_update": "superseded by the next update period",
    "executive_touch": "the sponsor and the partner executive have connected since",
    "sponsor_inactive": "the sponsor has engaged since",
    "no_partner_executive": "a partner executive is now on record",
    "counterpart_gone": "the situation has changed (new sponsor or the counterpart is back)",
    "sponsor_gone": "the alliance has an active sponsor again",
}


def make_key(rule: str, alliance_id: str, anchor: str) -> str:
    return f"{KEY_PREFIX}:{rule}:{alliance_id}:{anchor}"


def parse_key(key: str) -> tuple[str, str, str] | None:
    parts = key.split(":", 3)
    if len(parts) != 4 or parts[0] != KEY_PREFIX or parts[1] not in RULES:
        return None
    return parts[1], parts[2], parts[3]


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


@dataclass(frozen=True, slots=True)
class Closure:
    key: str
    rule: str
    reason: str


@dataclass(frozen=True, slots=True)
class AccountValues:
    account_id: str
    health: Health
    last_touch: date | None
    health_reason: str


@dataclass
class Plan:
    today: date
    tasks: list[DesiredTask]
    closures: list[Closure]
    accounts: list[AccountValues]
    views: dict[str, AllianceView]
    memory: dict[str, Memory]


def plan(org: Org, mapping: Mapping, closed_by_us: frozenset[str] = frozenset()) -> Plan:
    today = org.today
    tasks: list[DesiredTask] = []
    accounts: list[AccountValues] = []
    views: dict[str, AllianceView] = {}
    memory: dict[str, Memory] = {}
    reserved: Counter[str] = Counter()
    enabled = mapping.cadence.rules
    for alliance in org.alliances:
        view = assess(org, mapping, alliance, reserved)
        views[alliance.id] = view
        planner = _AlliancePlanner(org, mapping, alliance, view, closed_by_us)
        for rule in RULES:
            if getattr(enabled, rule):
                planner.run(rule)
        tasks.extend(view.tasks)
        accounts.append(AccountValues(alliance.id, view.health, view.last_touch, view.reason))
        previous = org.memory.get(alliance.id)
        sponsor_id = view.sponsor.id if view.sponsor else alliance.sponsor_id
        seen_on = previous.seen_on if previous and previous.sponsor_id == sponsor_id else today
        counterpart_id = view.counterpart.contact.id if view.counterpart else None
        memory[alliance.id] = Memory(sponsor_id, counterpart_id, seen_on)
    desired = {t.key for t in tasks}
    closures = []
    for key, own in sorted(org.own_tasks.items()):
        parsed = parse_key(key)
        if parsed is None or own.completed or own.deleted or key in desired:
            continue
        closures.append(Closure(key, parsed[0], CLOSE_REASONS[parsed[0]]))
    return Plan(today, tasks, closures, accounts, views, memory)


class _AlliancePlanner:
    def __init__(
        self, org: Org, mapping: Mapping, alliance: Alliance, view: AllianceView, closed_by_us: frozenset[str]
    ) -> None:
        self.org, self.mapping, self.alliance, self.view = org, mapping, alliance, view
        self.closed_by_us = closed_by_us
        self.today = org.today
        self.cadence = mapping.cadence.tiers[alliance.tier]
        self.due = self.today + timedelta(days=mapping.cadence.task_due_days)

    def run(self, rule: str) -> None:
        getattr(self, rule)()

    # -- helpers -------------------------------------------------------------------------------
    def _add(
        self,
        rule: str,
        anchor: str,
        owner: Person | None,
        subject: str,
        body: str,
        *,
        contact_id: str | None = None,
        due: date | None = None,
    ) -> None:
        owner = (
            owner
            if owner and owner.active
            else self.view.manager or (self.view.sponsor if self.view.sponsor_state == "ok" else None)
        )
        if owner is None:
            self.view.notes.append(
                f"{rule}: nobody active to assign it to (the alliance has no active owner)"
            )
            return
        self.view.tasks.append(
            DesiredTask(
                key=make_key(rule, self.alliance.id, anchor),
                rule=rule,
                alliance_id=self.alliance.id,
                owner_id=owner.id,
                subject=_clip(subject, 255),
                body=_clip(body, 30_000),
                due=due or self.due,
                priority="high" if rule in ALERTS else "normal",
                contact_id=contact_id,
                account_id=self.alliance.id,
            )
        )

    def _episode(self, rule: str) -> str:
        """The current episode of an anchor-less rule: the latest one, unless sponsorsync closed it."""
        prefix = make_key(rule, self.alliance.id, "")
        numbers = sorted(
            int(k[len(prefix) + 1 :])
            for k in self.org.own_tasks
            if k.startswith(prefix + "e") and k[len(prefix) + 1 :].isdigit()
        )
        if not numbers:
            return "e1"
        latest = numbers[-1]
        return (
            f"e{latest + 1}"
            if make_key(rule, self.alliance.id, f"e{latest}") in self.closed_by_us
            else f"e{latest}"
        )

    def _candidates_text(self) -> str:
        if not self.view.candidates:
            return "No internal executive with free sponsorship capacity was found."
        lines = ["Candidates, best first:"]
        for i, c in enumerate(self.view.candidates, 1):
            p = c.person
            lines.append(
                f"{i}. {p.name}, {p.title or p.seniority} ({c.score.explain()}; {c.free_capacity} of {p.capacity} sponsorships free)"
            )
        return "\n".join(lines)

    # -- the rules -----------------------------------------------------------------------------
    def no_sponsor(self) -> None:
        if self.view.sponsor_state != "none":
            return
        name = self.alliance.name
        self._add(
            "no_sponsor",
            self._episode("no_sponsor"),
            self.view.manager,
            f"Appoint an executive sponsor for {name}",
            f"{name} ({self.alliance.tier} alliance) has no executive sponsor. An active sponsor unblocks issues, "
            f"advocates for the alliance and shows up at critical moments.\n\n{self._candidates_text()}",
        )

    def sponsor_gone(self) -> None:
        if self.view.sponsor_state != "gone":
            return
        who = self.view.sponsor.name if self.view.sponsor else f"user {self.alliance.sponsor_id}"
        self._add(
            "sponsor_gone",
            str(self.alliance.sponsor_id),
            self.view.manager,
            f"Replace {who} as executive sponsor of {self.alliance.name}",
            f"The executive sponsor of {self.alliance.name}, {who}, is no longer an active user. "
            f"Appoint a new sponsor.\n\n{self._candidates_text()}",
        )

    def new_sponsor(self) -> None:
        sponsor = self.view.sponsor
        if self.view.sponsor_state != "ok" or sponsor is None:
            return
        key = make_key("new_sponsor", self.alliance.id, sponsor.id)
        previous = self.org.memory.get(self.alliance.id)
        is_new = previous is None or previous.sponsor_id != sponsor.id
        if not is_new and key not in self.org.own_tasks and key not in self.org.pending:
            return
        counterpart = self.view.counterpart
        meet = (
            f" and introduce them to {counterpart.contact.name}, {counterpart.contact.title or 'their counterpart'}"
            if counterpart
            else ""
        )
        self._add(
            "new_sponsor",
            sponsor.id,
            self.view.manager,
            f"Brief {sponsor.name} on sponsoring {self.alliance.name}",
            f"{sponsor.name} is the new executive sponsor of {self.alliance.name}. Brief them on what is expected: "
            f"unblock issues, advocate for the alliance, show up at critical moments and meet the partner's "
            f"executive counterpart{meet}.",
        )

    def sponsor_update(self) -> None:
        sponsor = self.view.sponsor
        if self.view.sponsor_state != "ok" or sponsor is None:
            return
        every = self.cadence.sponsor_update_days
        period = (self.today - PERIOD_EPOCH).days // every
        start = PERIOD_EPOCH + timedelta(days=period * every)
        self._add(
            "sponsor_update",
            f"{sponsor.id}:p{period}",
            self.view.manager,
            f"Send the sponsor update for {self.alliance.name} to {sponsor.name}",
            f"Send {sponsor.name} a concise, strategic update on {self.alliance.name} for the period starting "
            f"{start.isoformat()}: progress, risks, where the sponsor's help is needed. "
            f"{self.alliance.tier.capitalize()} alliances get one every {every} days.",
            due=start + timedelta(days=self.mapping.cadence.task_due_days),
        )

    def executive_touch(self) -> None:
        sponsor, counterpart = self.view.sponsor, self.view.counterpart
        if self.view.sponsor_state != "ok" or sponsor is None or counterpart is None:
            return
        last = self.view.last_touch
        if last is not None and (self.today - last).days <= self.cadence.executive_touch_days:
            return
        contact = counterpart.contact
        since = last.isoformat() if last else "never"
        when = f"You last met on {last.isoformat()}." if last else "You have no logged touch with them yet."
        self._add(
            "executive_touch",
            f"{sponsor.id}:{contact.id}:{since}",
            sponsor,
            f"Connect with {contact.name}, {contact.title or 'executive'} at {self.alliance.name}",
            f"{contact.name} is your executive counterpart at {self.alliance.name} ({counterpart.score.explain()}). "
            f"{when} {self.alliance.tier.capitalize()} alliances need a touch every "
            f"{self.cadence.executive_touch_days} days.",
            contact_id=contact.id,
        )

    def sponsor_inactive(self) -> None:
        sponsor, counterpart = self.view.sponsor, self.view.counterpart
        if self.view.sponsor_state != "ok" or sponsor is None or counterpart is None:
            return
        last = self.view.last_touch
        limit = self.cadence.inactive_after_days
        if last is not None:
            if (self.today - last).days <= limit:
                return
        else:
            memory = self.org.memory.get(self.alliance.id)
            if (
                memory is None
                or memory.sponsor_id != sponsor.id
                or (self.today - memory.seen_on).days < limit
            ):
                return
        since = last.isoformat() if last else "never"
        self._add(
            "sponsor_inactive",
            f"{sponsor.id}:{counterpart.contact.id}:{since}",
            self.view.manager,
            f"Sponsor inactive: {sponsor.name} on {self.alliance.name}",
            f"{sponsor.name} has had no logged touch with {counterpart.contact.name} "
            + (f"since {last.isoformat()}" if last else "at all")
            + f", longer than the {limit} days allowed for a {self.alliance.tier} alliance. "
            "Check in with the sponsor: is the alliance still a priority for them?",
        )

    def no_partner_executive(self) -> None:
        if self.view.executives:
            return
        self._add(
            "no_partner_executive",
            self._episode("no_partner_executive"),
            self.view.manager,
            f"Identify a partner executive at {self.alliance.name}",
            f"No contact at {self.alliance.name} has a title at or above "
            f"{self.mapping.titles.executive_threshold}. Add the partner's executive sponsor to the CRM (with "
            "their title) so the sponsor has a counterpart.",
        )

    def counterpart_gone(self) -> None:
        """The counterpart remembered from the last run (or named by an open alert) left."""
        sponsor = self.view.sponsor
        if sponsor is None or self.view.sponsor_state != "ok":
            return
        memory = self.org.memory.get(self.alliance.id)
        suspects = (
            {memory.counterpart_id}
            if memory and memory.counterpart_id and memory.sponsor_id == sponsor.id
            else set()
        )
        prefix = make_key("counterpart_gone", self.alliance.id, "")
        suspects |= {
            key[len(prefix) :]
            for key, own in self.org.own_tasks.items()
            if key.startswith(prefix) and not own.completed
        }
        suspects |= {key[len(prefix) :] for key in self.org.pending if key.startswith(prefix)}
        for contact_id in sorted(suspects):
            old = self.org.contacts.get(contact_id)
            if old is None or old.deleted:
                what = "was removed from the CRM"
            elif old.account_id != self.alliance.id:
                what = "moved to another account"
            elif not old.executive:
                what = f"is no longer an executive (title now: {old.title or 'none'})"
            else:
                continue
            name = old.name if old else f"contact {contact_id}"
            replacement = self.view.counterpart
            nxt = f" The best remaining counterpart is {replacement.contact.name}." if replacement else ""
            self._add(
                "counterpart_gone",
                contact_id,
                self.view.manager,
                f"Counterpart gone: {name} at {self.alliance.name}",
                f"{name}, the partner executive counterpart of {sponsor.name}, {what}.{nxt} "
                "Make sure the sponsor has a direct relationship with the partner's executive.",
            )


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
