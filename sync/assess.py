"""The assessment of one alliance, pure: its sponsor, the partner executive counterpart, the last
executive touch, the health colour and its reason, and ranked sponsor candidates where it needs one.
The rules (sync/rules/) decide what to do about it; `sync explain` shows it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

from mappings.model import Mapping
from sync.match import (
    Candidate,
    Counterpart,
    choose_counterpart,
    engagement,
    rank_candidates,
    red_sponsorships,
)
from sync.model import Alliance, Org, Person

if TYPE_CHECKING:
    from sync.plan import DesiredTask

Health = Literal["green", "amber", "red"]
SponsorState = Literal["none", "gone", "ok"]


@dataclass
class AllianceView:
    """Everything decided about one alliance, for `sync explain` and the summary."""

    alliance: Alliance
    manager: Person | None
    sponsor: Person | None
    sponsor_state: SponsorState
    counterpart: Counterpart | None
    executives: int
    last_touch: date | None
    touches_90: int
    touches_365: int
    health: Health
    reason: str
    candidates: list[Candidate] = field(default_factory=list)
    tasks: list[DesiredTask] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def assess(org: Org, mapping: Mapping, alliance: Alliance, reserved: Counter[str]) -> AllianceView:
    today = org.today
    manager = org.users.get(alliance.owner_id or "")
    sponsor = org.users.get(alliance.sponsor_id or "")
    state: SponsorState = (
        "none" if not alliance.sponsor_id else ("ok" if sponsor and sponsor.active else "gone")
    )
    cadence = mapping.cadence.tiers[alliance.tier]
    by_sponsor = mapping.cadence.touch.owner == "sponsor"
    counterpart = (
        choose_counterpart(
            org,
            alliance,
            sponsor,
            mapping.matching,
            touch_days=cadence.executive_touch_days,
            by_sponsor=by_sponsor,
        )
        if state == "ok" and sponsor
        else None
    )
    # Last touch and counts as cadence.touch.counterpart says (default: with any partner executive).
    seen = engagement(org, alliance, sponsor, counterpart, mapping.cadence.touch)
    executives = len(org.executives.get(alliance.id, []))
    last = seen.last_touch
    health: Health
    if state == "none":
        health, reason = "red", "no executive sponsor"
    elif state == "gone":
        health, reason = (
            "red",
            f"the sponsor {sponsor.name if sponsor else alliance.sponsor_id} is no longer active",
        )
    elif counterpart is None:
        health, reason = "amber", "no partner executive on record to pair the sponsor with"
    else:
        days = (today - last).days if last else None
        amber = cadence.executive_touch_days * mapping.cadence.health.amber_after_days_factor
        red = cadence.executive_touch_days * mapping.cadence.health.red_after_days_factor
        who = f"{counterpart.contact.name}"
        if days is None:
            health, reason = "red", f"the sponsor has never met {who}"
        elif days > red:
            health, reason = "red", f"no touch with {who} for {days} days (red after {red:g})"
        elif days > amber:
            health, reason = "amber", f"no touch with {who} for {days} days (amber after {amber:g})"
        else:
            health, reason = "green", f"last touch with {who} {days} days ago"
    view = AllianceView(
        alliance=alliance,
        manager=manager if manager and manager.active else None,
        sponsor=sponsor,
        sponsor_state=state,
        counterpart=counterpart,
        executives=executives,
        last_touch=last,
        touches_90=seen.touches_90,
        touches_365=seen.touches_365,
        health=health,
        reason=reason,
    )
    if state != "ok":
        view.candidates = rank_candidates(
            org,
            alliance,
            mapping.matching,
            reserved,
            exclude=alliance.sponsor_id,
            red=red_sponsorships(org, mapping.cadence, mapping.matching),
        )
        if view.candidates:
            reserved[view.candidates[0].person.id] += 1
    return view
