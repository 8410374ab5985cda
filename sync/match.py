"""Matching, pure and deterministic: each sponsor's partner counterpart, and ranked sponsor
candidates for alliances without one, every choice with its score breakdown.

Scores are weighted sums of parts in [0, 1] (weights from the mapping's ``matching.weights``):
- function: 1 for the same business function, 0.5 for related functions (``related_functions``),
  0.25 when either side is general management, else 0;
- seniority: for a counterpart, how close the two levels are; for a candidate, how senior;
- relationship: logged touches in the last 365 days (6 or more count fully);
- capacity: the share of a candidate's sponsorship capacity still free.
Ties are broken by relationship, then by id, so the same data always gives the same answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from mappings.policy import Matching
from mappings.vocab import SENIORITY_ORDER, Function, Seniority
from sync.model import Alliance, Org, PartnerContact, Person

RANK = {level: rank for rank, level in enumerate(SENIORITY_ORDER)}
TOP = len(SENIORITY_ORDER) - 1
FULL_RELATIONSHIP = 6


@dataclass(frozen=True, slots=True)
class Score:
    total: float
    function: float
    seniority: float
    relationship: float
    capacity: float

    def explain(self) -> str:
        return (
            f"score {self.total:.2f} = function {self.function:.2f}, seniority {self.seniority:.2f}, "
            f"relationship {self.relationship:.2f}, capacity {self.capacity:.2f}"
        )


@dataclass(frozen=True, slots=True)
class Counterpart:
    contact: PartnerContact
    score: Score


@dataclass(frozen=True, slots=True)
class Candidate:
    person: Person
    score: Score
    free_capacity: int


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


def choose_counterpart(
    org: Org, alliance: Alliance, sponsor: Person, matching: Matching
) -> Counterpart | None:
    """The partner executive who fits the sponsor best by function and seniority. An established
    relationship counts with its weight (a sponsor's regular counterpart can outweigh a slightly
    better fit on paper); the most recent touch, then the id, break remaining ties."""
    related = set(matching.related_functions)
    w = matching.weights
    ranked = []
    for contact in org.executives.get(alliance.id, []):
        fit = function_fit(sponsor.function, contact.function, related)
        level = closeness(sponsor.seniority, contact.seniority)
        touch = org.touch(sponsor.id, contact.id) or org.touch(None, contact.id)
        rel = relationship(touch.count_365 if touch else 0)
        primary = (w.function * fit + w.seniority * level) / ((w.function + w.seniority) or 1)
        last = touch.last_at.toordinal() if touch else 0
        ranked.append(
            (
                (-round(primary, 9), -rel, -last, contact.id),
                Counterpart(contact, Score(primary, fit, level, rel, 0.0)),
            )
        )
    if not ranked:
        return None
    ranked.sort(key=lambda pair: pair[0])
    return ranked[0][1]


def rank_candidates(
    org: Org,
    alliance: Alliance,
    matching: Matching,
    reserved: Counter[str],
    *,
    exclude: str | None = None,
    top: int = 3,
) -> list[Candidate]:
    """The best internal sponsors for an alliance: active, senior enough, with capacity left."""
    related = set(matching.related_functions)
    w = matching.weights
    executives = org.executives.get(alliance.id, [])
    ranked = []
    for person in org.users.values():
        if not (person.active and person.sponsor_level) or person.id == exclude:
            continue
        free = person.capacity - org.sponsorships[person.id] - reserved[person.id]
        if free <= 0:
            continue
        fit = max((function_fit(person.function, e.function, related) for e in executives), default=0.0)
        level = RANK[person.seniority] / TOP
        touches = sum((t.count_365 for e in executives if (t := org.touch(person.id, e.id))), 0)
        rel = relationship(touches)
        cap = free / person.capacity if person.capacity else 0.0
        total = w.function * fit + w.seniority * level + w.relationship * rel + w.capacity * cap
        score = Score(round(total, 6), fit, level, rel, cap)
        ranked.append(((-score.total, -rel, person.id), Candidate(person, score, free)))
    ranked.sort(key=lambda pair: pair[0])
    return [candidate for _, candidate in ranked[:top]]
