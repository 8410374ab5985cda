"""Matching, pure and deterministic: each sponsor's partner counterpart, and ranked sponsor
candidates for alliances without one, every choice with its score breakdown and arithmetic.

Parts of a score are in [0, 1]; weights come from the mapping's ``matching.weights``:
- function: 1 for the same business function, 0.5 for related functions (``related_functions``),
  0.25 when either side is general management, else 0;
- seniority: for a counterpart, how close the two levels are; for a candidate, how senior;
- relationship: touches in the last 365 days between the two (6 or more count fully);
- capacity: the share of a candidate's sponsorship capacity still free.

**Counterpart.** An *established* relationship (``matching.established``: at least 3 touches in 365
days, the last within the tier's ``executive_touch_days``) keeps that partner executive as the
counterpart whatever the fit on paper; among several established relationships the strongest (most
touches, then the most recent) wins, and a better fit on paper the sponsor has never met is only
*suggested* (an introduction is worth it only to someone they have not met). With none
established, a *lapsed* relationship (as many touches in 365 days, the last longer ago than the
interval) is kept the same way: the strongest lapsed one is the relationship to revive, so the
counterpart does not switch the day a habit lapses. Without either, the counterpart is the best
score ``(wf*function + ws*seniority + wr*relationship) / (wf + ws + wr)`` among the executives
the sponsor has met in 365 days; with none met in 365 days, among those the sponsor met before (on
record, however long ago: someone they know is worth reviving before a stranger is introduced);
only with none ever met, among all of them. A stranger who fits better on paper is only suggested.
Relationship, the most recent touch, then the id break ties.

**Candidates.** ``wf*function + ws*seniority + wr*relationship + wc*capacity`` where function is the
fit with the alliance: the fit with each partner executive weighted by that executive's seniority
(rank + 1), averaged with the fit with the alliance focus when one is mapped (1 when the candidate's
function serves the focus, 0.5 related, else 0). Candidates who sponsor a red alliance come after
the others, whatever their score. Ties: relationship, then id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from sponsorsync.mappings.policy import Cadence, Matching, Touch
from sponsorsync.mappings.policy import Health as HealthPolicy
from sponsorsync.mappings.vocab import SENIORITY_ORDER, Function, Seniority
from sponsorsync.sync.mirror import TouchAggregate
from sponsorsync.sync.model import Alliance, Org, PartnerContact, Person

RANK = {level: rank for rank, level in enumerate(SENIORITY_ORDER)}
TOP = len(SENIORITY_ORDER) - 1
FULL_RELATIONSHIP = 6
Health = Literal["green", "amber", "red"]


@dataclass(frozen=True, slots=True)
class Score:
    total: float
    function: float
    seniority: float
    relationship: float
    capacity: float
    weights: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # function, seniority, rel, capacity
    divisor: float = 1.0  # the counterpart score is normalised by the weights it uses

    def explain(self) -> str:
        return (
            f"score {self.total:.2f} = function {self.function:.2f}, seniority {self.seniority:.2f}, "
            f"relationship {self.relationship:.2f}, capacity {self.capacity:.2f}"
        )

    def arithmetic(self) -> str:
        """The sum behind the score, e.g. ``(0.4x1.00 + 0.3x0.83 + 0.2x0.50) / 0.9 = 0.83``."""
        parts = zip(("function", "seniority", "relationship", "capacity"), self.weights, strict=True)
        values = {"function": self.function, "seniority": self.seniority}
        values |= {"relationship": self.relationship, "capacity": self.capacity}
        terms = [f"{w:g}x{values[name]:.2f} {name}" for name, w in parts if w]
        text = " + ".join(terms) or "0"
        if abs(self.divisor - 1.0) > 1e-9:
            text = f"({text}) / {self.divisor:g}"
        return f"{text} = {self.total:.2f}"


@dataclass(frozen=True, slots=True)
class Counterpart:
    contact: PartnerContact
    score: Score
    established: bool = False  # kept for the relationship, not for the fit on paper
    touches_365: int = 0  # the sponsor's touches with this executive in the last 365 days
    last_touch: date | None = None
    suggested: PartnerContact | None = None  # a better fit on paper the sponsor has never met
    suggested_score: Score | None = None
    lapsed: bool = False  # enough touches for a relationship, the last longer ago than the interval

    def why(self) -> str:
        """One line for `sync explain`: why this executive is the counterpart."""
        last = self.last_touch.isoformat() if self.last_touch else "never"
        if self.established:
            text = f"established relationship: {self.touches_365} touches in 365 days, last on {last}"
        elif self.lapsed:
            text = (
                f"relationship to revive: {self.touches_365} touches in 365 days, the last on {last}, longer "
                "ago than the touch interval; kept over executives met less often"
            )
        elif self.touches_365:
            text = (
                f"met {self.touches_365} time{'s' if self.touches_365 != 1 else ''} in 365 days, last on "
                f"{last} (not established): kept over executives not met"
            )
        elif self.last_touch is not None:
            text = f"met before, last on {last} (none met in 365 days): kept over executives never met"
        else:
            text = "best fit (no partner executive ever met)"
        text += f"; score {self.score.arithmetic()}"
        if self.suggested is not None and self.suggested_score is not None:
            text += (
                f"; better fit on paper, never met: {self.suggested.name} "
                f"({self.suggested_score.arithmetic()})"
            )
        return text


@dataclass(frozen=True, slots=True)
class Candidate:
    person: Person
    score: Score
    free_capacity: int
    red_sponsored: int = 0  # red alliances this person already sponsors: ranked after the others
    notes: tuple[str, ...] = ()  # e.g. ranked by the alliance focus only: no partner executive


@dataclass(frozen=True, slots=True)
class Engagement:
    """The sponsor's last touch and touch counts with the partner, and with whom."""

    last_touch: date | None
    contact: PartnerContact | None  # who the last touch was with
    touches_90: int
    touches_365: int


def function_fit(a: Function, b: Function, related: Iterable[tuple[Function, Function]]) -> float:
    if a == b and a != "other":
        return 1.0
    if (a, b) in related or (b, a) in related:
        return 0.5
    if "general_management" in (a, b):
        return 0.25
    return 0.0


def closeness(a: Seniority, b: Seniority) -> float:
    return 1.0 - abs(RANK[a] - RANK[b]) / TOP


def relationship(touches_365: int) -> float:
    return min(touches_365, FULL_RELATIONSHIP) / FULL_RELATIONSHIP


def is_established(touch: TouchAggregate | None, today: date, touch_days: int, matching: Matching) -> bool:
    rule = matching.established
    if touch is None or touch.count_365 < rule.touches:
        return False
    return not rule.within_touch_interval or (today - touch.last_at).days <= touch_days


def _sponsor_touch(
    org: Org, sponsor: Person | None, contact_id: str, by_sponsor: bool
) -> TouchAggregate | None:
    if by_sponsor:
        return org.touch(sponsor.id, contact_id) if sponsor else None
    return org.touch(None, contact_id)


def choose_counterpart(
    org: Org,
    alliance: Alliance,
    sponsor: Person,
    matching: Matching,
    *,
    touch_days: int | None = None,
    by_sponsor: bool = True,
) -> Counterpart | None:
    """The sponsor's counterpart among the alliance's partner executives (see the module docstring).
    ``touch_days``: the tier's executive_touch_days (None: any touch in the year keeps a relationship).
    ``by_sponsor``: only the sponsor's own touches make a relationship (``cadence.touch.owner``)."""
    related = set(matching.related_functions)
    w = matching.weights
    divisor = (w.function + w.seniority + w.relationship) or 1.0
    paper_divisor = (w.function + w.seniority) or 1.0
    weights = (w.function, w.seniority, w.relationship, 0.0)
    days = touch_days if touch_days is not None else 365
    options: list[_Option] = []
    for contact in org.executives.get(alliance.id, []):
        fit = function_fit(sponsor.function, contact.function, related)
        level = closeness(sponsor.seniority, contact.seniority)
        touch = _sponsor_touch(org, sponsor, contact.id, by_sponsor)
        count = touch.count_365 if touch else 0
        rel = relationship(count)
        total = (w.function * fit + w.seniority * level + w.relationship * rel) / divisor
        paper = (w.function * fit + w.seniority * level) / paper_divisor
        score = Score(round(total, 6), fit, level, rel, 0.0, weights, divisor)
        last = touch.last_at if touch else None
        kept = is_established(touch, org.today, days, matching)
        options.append(_Option(contact, score, round(paper, 9), count, last, kept))
    if not options:
        return None
    on_paper = min(options, key=lambda o: (-o.paper, -o.score.total, o.contact.id))
    # A relationship: established, else one that lapsed (enough touches this year, the last longer
    # ago than the interval), which is the sponsor's to revive: a counterpart does not switch to
    # someone met once the day a habit lapses.
    threshold = matching.established.touches
    relationships = [o for o in options if o.established] or [o for o in options if o.count >= threshold]
    if relationships:
        chosen = min(relationships, key=lambda o: (-o.count, -o.last_ordinal, -o.score.total, o.contact.id))
    else:
        # Nobody established: the best score among the executives the sponsor has met this year, else
        # among those they met before (however long ago), so a task never pairs them with a stranger
        # while there is someone they know; with nobody ever met, the best score of all (the fit on
        # paper decides).
        met = [o for o in options if o.count > 0] or [o for o in options if o.last is not None] or options
        chosen = min(
            met, key=lambda o: (-o.score.total, -o.score.relationship, -o.last_ordinal, o.contact.id)
        )
    # An introduction is only worth it to someone the sponsor has never met.
    better = on_paper is not chosen and on_paper.last is None and on_paper.paper > chosen.paper
    return Counterpart(
        chosen.contact,
        chosen.score,
        chosen.established,
        chosen.count,
        chosen.last,
        on_paper.contact if better else None,
        on_paper.score if better else None,
        lapsed=not chosen.established and chosen.count >= threshold,
    )


@dataclass(frozen=True, slots=True)
class _Option:
    contact: PartnerContact
    score: Score
    paper: float  # fit on paper: function and seniority only
    count: int
    last: date | None
    established: bool

    @property
    def last_ordinal(self) -> int:
        return self.last.toordinal() if self.last else 0


def engagement(
    org: Org,
    alliance: Alliance,
    sponsor: Person | None,
    counterpart: Counterpart | None,
    touch: Touch,
) -> Engagement:
    """Last touch and counts between the sponsor and the partner, as ``cadence.touch`` defines them:
    with the counterpart only (``partner_executive``), with any partner executive of the alliance
    (``any_partner_executive``, the default) or with anyone at the partner (``any_partner_contact``).
    ``touch.owner``: the sponsor's own touches (as owner or attendee) or any internal user's."""
    by_sponsor = touch.owner == "sponsor"
    if touch.counterpart == "partner_executive":
        people = [counterpart.contact] if counterpart else []
    elif touch.counterpart == "any_partner_executive":
        people = list(org.executives.get(alliance.id, []))
        if counterpart and counterpart.contact not in people:
            people.append(counterpart.contact)
    else:
        people = [c for c in org.contacts.values() if c.account_id == alliance.id and not c.deleted]
    last: date | None = None
    who: PartnerContact | None = None
    c90 = c365 = 0
    preferred = counterpart.contact.id if counterpart else None
    for person in sorted(people, key=lambda p: (p.id != preferred, p.id)):
        found = _sponsor_touch(org, sponsor, person.id, by_sponsor)
        if found is None:
            continue
        c90 += found.count_90
        c365 += found.count_365
        if last is None or found.last_at > last:
            last, who = found.last_at, person
    return Engagement(last, who, c90, c365)


def sponsor_health(
    org: Org, alliance: Alliance, sponsor: Person, cadence: Cadence, matching: Matching
) -> Health:
    """The health an active sponsor's alliance has, from the touch rule alone (what candidates are
    judged on: an executive whose alliances are red is not proposed first)."""
    tier = cadence.tiers[alliance.tier]
    counterpart = choose_counterpart(
        org, alliance, sponsor, matching, touch_days=tier.executive_touch_days,
        by_sponsor=cadence.touch.owner == "sponsor",
    )  # fmt: skip
    if counterpart is None:
        return "amber"
    seen = engagement(org, alliance, sponsor, counterpart, cadence.touch)
    return touch_health(seen.last_touch, org.today, tier.executive_touch_days, cadence.health)


def touch_health(last: date | None, today: date, touch_days: int, policy: HealthPolicy) -> Health:
    """The colour the days since the last touch give: red when never or past the red factor times
    the tier's touch interval, amber past the amber factor, else green."""
    if last is None:
        return "red"
    days = (today - last).days
    if days > touch_days * policy.red_after_days_factor:
        return "red"
    if days > touch_days * policy.amber_after_days_factor:
        return "amber"
    return "green"


def red_sponsorships(org: Org, cadence: Cadence, matching: Matching) -> Counter[str]:
    """Per active sponsor: how many of the alliances they sponsor are red (once per org)."""
    memo = org.memo.get("red_sponsorships")
    if isinstance(memo, Counter):
        return memo
    red: Counter[str] = Counter()
    for alliance in org.alliances:
        sponsor = org.users.get(alliance.sponsor_id or "")
        if sponsor and sponsor.active and sponsor_health(org, alliance, sponsor, cadence, matching) == "red":
            red[sponsor.id] += 1
    org.memo["red_sponsorships"] = red
    return red


def alliance_fit(
    person: Person, executives: list[PartnerContact], focus: list[Function] | None, matching: Matching
) -> float:
    """How well a candidate's function fits the alliance: the fit with each partner executive
    weighted by seniority (rank + 1), averaged with the fit with the alliance focus when mapped."""
    related = set(matching.related_functions)
    parts: list[float] = []
    if executives:
        weights = [RANK[e.seniority] + 1 for e in executives]
        fits = [function_fit(person.function, e.function, related) for e in executives]
        parts.append(sum(w * f for w, f in zip(weights, fits, strict=True)) / sum(weights))
    if focus:
        if person.function in focus:
            parts.append(1.0)
        elif any((person.function, f) in related or (f, person.function) in related for f in focus):
            parts.append(0.5)
        else:
            parts.append(0.0)
    return sum(parts) / len(parts) if parts else 0.0


def rank_candidates(
    org: Org,
    alliance: Alliance,
    matching: Matching,
    reserved: Counter[str],
    *,
    exclude: str | None = None,
    top: int = 3,
    red: Counter[str] | None = None,
) -> list[Candidate]:
    """The best internal sponsors for an alliance: active, senior enough, with capacity left
    (see the module docstring). ``red``: per person, the red alliances they already sponsor
    (:func:`red_sponsorships`); they are proposed after everyone else."""
    w = matching.weights
    weights = (w.function, w.seniority, w.relationship, w.capacity)
    executives = org.executives.get(alliance.id, [])
    focus = matching.focus_functions.get(alliance.focus or "")
    notes: tuple[str, ...] = ()
    if not executives:
        notes = (
            f"no partner executive on record: ranked by the alliance focus ({alliance.focus}), seniority and capacity"
            if focus
            else "no partner executive on record and no alliance focus: ranked by seniority and capacity only",
        )
    red = red or Counter()
    ranked = []
    for person in org.users.values():
        if not (person.active and person.sponsor_level) or person.id == exclude:
            continue
        free = person.capacity - org.sponsorships[person.id] - reserved[person.id]
        if free <= 0:
            continue
        fit = alliance_fit(person, executives, focus, matching)
        level = RANK[person.seniority] / TOP
        touches = sum((t.count_365 for e in executives if (t := org.touch(person.id, e.id))), 0)
        rel = relationship(touches)
        cap = free / person.capacity if person.capacity else 0.0
        total = w.function * fit + w.seniority * level + w.relationship * rel + w.capacity * cap
        score = Score(round(total, 6), fit, level, rel, cap, weights)
        reds = red[person.id]
        candidate = Candidate(person, score, free, reds, notes)
        ranked.append(((reds > 0, -score.total, -rel, person.id), candidate))
    ranked.sort(key=lambda pair: pair[0])
    return [candidate for _, candidate in ranked[:top]]
