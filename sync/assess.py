"""The assessment of one alliance, pure: its sponsor, the partner executive counterpart, the last
executive touch, the health colour and its reason, and ranked sponsor candidates where it needs one.
The rules (sync/rules/) decide what to do about it; `sync explain` shows it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Literal

from sponsorsync.mappings.model import Mapping
from sponsorsync.sync.match import (
    Candidate,
    Counterpart,
    choose_counterpart,
    engagement,
    rank_candidates,
    red_sponsorships,
    touch_health,
)
from sponsorsync.sync.model import Alliance, Org, Person

if TYPE_CHECKING:
    from sponsorsync.sync.plan import DesiredTask

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
    last_touch_with: str | None = None  # the partner executive of the last touch
    ladder: list[str] = field(default_factory=list)  # where each open task stands on the escalation ladder


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
    words = mapping.templates.wording()
    limit = cadence.executive_touch_days
    if state == "none":
        health, reason = "red", words.render("health", "none")
    elif state == "gone":
        who = sponsor.name if sponsor else str(alliance.sponsor_id)
        health, reason = "red", words.render("health", "gone", sponsor=who)
    elif counterpart is None:
        health, reason = "amber", words.render("health", "no_executive")
    else:
        # Dates, never day counts: the reason is stored on the account, and a text that changed
        # every day would rewrite every alliance every day.
        who = seen.contact.name if seen.contact else counterpart.contact.name  # whom the last touch was with
        health = touch_health(last, today, limit, mapping.cadence.health)
        if last is None:
            reason = words.render("health", "never", counterpart=who)
        else:
            # Past the interval the touch is overdue, whatever the colour thresholds (amber by
            # default, red past twice it); an early amber is only "due".
            key = "green" if health == "green" else ("overdue" if (today - last).days > limit else "due")
            reason = words.render(
                "health", key, counterpart=who, last_touch=last.isoformat(), limit_days=limit
            )
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
        last_touch_with=seen.contact.name if seen.contact else None,
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


def is_covered(view: AllianceView, today: date, touch_days: int) -> bool:
    """An active sponsor with a counterpart they touched within the tier's executive_touch_days."""
    if view.sponsor_state != "ok" or view.counterpart is None or view.counterpart.last_touch is None:
        return False
    return (today - view.counterpart.last_touch).days <= touch_days
