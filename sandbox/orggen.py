"""The CRM-neutral synthetic org that both CRM emulators render into their own records.

``generate(size, seed, now)`` builds the org of "Northwind Systems" (users ``@northwind.example``):
its fixed executive team (:data:`EXECUTIVES`) and alliance managers, sales reps, customer success
managers and operations staff; partner, customer, prospect and other accounts; exactly ``size``
contacts; and a lazily generated stream of about ten activities per contact.

Shape, for a given ``size`` (number of contacts, exact):

- staff: ``clamp(round(size / 200), 6, 500)`` users besides the 18 executives, about 4% of them
  deactivated sales reps. Liam O'Connor, the last executive, is deactivated in every org and still
  sponsors one alliance (two from 40 sponsored alliances on): the "sponsor gone" case.
- accounts: ``max(10, round(size / 20))``, of which ``clamp(round(size / 150), 6, 90)`` alliances
  (partner accounts with a tier: 20% strategic, 35% key, the rest standard), plus untiered partners,
  customers, prospects and others. Alliances have 8 to 40 contacts (scaled down below about 300
  contacts so that they never take more than 60% of them); 1% of contacts have no account.
- sponsors: 75% of alliances have an executive sponsor, strategic ones first (one strategic
  alliance is left without a sponsor once there are five), at most 4 alliances per executive.
- partner executives: about 30% of an alliance's contacts; every alliance with 12 or more contacts
  has one; about one in 15 alliances (at least one) is small and has none at all, nor any title
  that merely looks senior. About 10% of contacts carry French, German or Spanish names and titles.
- relationships: each sponsored alliance with a partner executive gets a counterpart and a state
  (:attr:`Org.relationships`): "active" (the sponsor's last call, meeting or e-mail with them within
  30 days), "cooling" (60-120 days ago), "cold" (200-700 days ago) or "never"; every state occurs
  once there are four such alliances. The sponsor owns no other activity in that alliance.
- activities: calls, meetings, e-mails, tasks and notes over the 730 days before ``now``, about 3%
  of them open tasks or scheduled meetings and calls up to 30 days ahead.
- deals and cases of the alliances (:mod:`sandbox.orggen_pipeline`): a handful of deals
  per strategic alliance at various stages, a few cases, about one alliance in five with an open
  escalated case.

Deterministic in ``(size, seed)``: keys, names, e-mails, titles and subjects never depend on
``now``; every timestamp is ``now`` minus an offset drawn from the seed, so moving ``now`` shifts
all of them by the same amount. Keys follow creation order, oldest first, as CRM ids do.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta

from sponsorsync.sandbox.orggen_accounts import SPONSOR_CAPACITY, build_accounts
from sponsorsync.sandbox.orggen_activities import (
    HISTORY_SECONDS,
    LATEST_PAST,
    ActivityPlan,
    SponsorTouches,
    deactivation_offsets,
    stream,
)
from sponsorsync.sandbox.orggen_names import (
    ALLIANCE_MANAGER_TITLES,
)
from sponsorsync.sandbox.orggen_people import ContactDraft, UserDraft, contact_drafts, user_drafts
from sponsorsync.sandbox.orggen_pipeline import OrgCase, OrgDeal, build_pipeline
from sponsorsync.sandbox.orggen_records import (
    COMPANY_DOMAIN,
    COMPANY_NAME,
    DAY,
    DEPARTED_EXECUTIVE,
    EXECUTIVES,
    AccountKind,
    ActivityKind,
    Executive,
    OrgAccount,
    OrgActivity,
    OrgContact,
    OrgRelationship,
    OrgUser,
    RelationshipState,
    Tier,
    round_half_up,
)

__all__ = [
    "ALLIANCE_MANAGER_TITLES",
    "COMPANY_DOMAIN",
    "COMPANY_NAME",
    "EXECUTIVES",
    "SPONSOR_CAPACITY",
    "AccountKind",
    "ActivityKind",
    "Executive",
    "Org",
    "OrgAccount",
    "OrgActivity",
    "OrgCase",
    "OrgContact",
    "OrgDeal",
    "OrgRelationship",
    "OrgUser",
    "RelationshipState",
    "Tier",
    "generate",
]

# sponsor's last touch (seconds before now, low and high) and number of past touches, by state
_STATE_SHAPES: dict[RelationshipState, tuple[int, int, int, int]] = {
    "active": (3600, 29 * DAY, 5, 14),
    "cooling": (60 * DAY, 120 * DAY, 3, 9),
    "cold": (200 * DAY, 700 * DAY, 1, 5),
}
# mean activities per contact, by account kind ("alliance" for tiered partners, "" for no account)
_ACTIVITY_MEANS = {
    "alliance": 16.0,
    "partner": 11.0,
    "customer": 13.5,
    "prospect": 7.0,
    "other": 4.5,
    "": 2.5,
}


class Org:
    """One generated org. ``activities()`` regenerates the same stream on every call, ordered by
    key, and ``activity_count`` is exactly how many records it yields."""

    def __init__(
        self,
        *,
        now: datetime,
        seed: int,
        size: int,
        users: list[OrgUser],
        accounts: list[OrgAccount],
        contacts: list[OrgContact],
        relationships: dict[int, OrgRelationship],
        plan: ActivityPlan,
        deals: list[OrgDeal] | None = None,
        cases: list[OrgCase] | None = None,
    ) -> None:
        self.now = now
        self.seed = seed
        self.size = size
        self.users = users
        self.accounts = accounts
        self.contacts = contacts
        self.relationships = relationships  # by alliance account key, for every sponsored alliance
        self._plan = plan
        self.activity_count = plan.count
        self.deals = deals or []  # the partner pipeline (sandbox/orggen_pipeline.py)
        self.cases = cases or []

    def activities(self) -> Iterator[OrgActivity]:
        return stream(self._plan, self.seed)

    def __repr__(self) -> str:
        return (
            f"Org(size={self.size}, seed={self.seed}, now={self.now.isoformat()}, users={len(self.users)}, "
            f"accounts={len(self.accounts)}, activities={self.activity_count})"
        )


def generate(size: int, seed: int = 0, now: datetime | None = None) -> Org:
    """Generate the org with exactly ``size`` contacts. ``now`` (timezone-aware) defaults to the
    current UTC time truncated to the minute."""
    if size < 1:
        raise ValueError(f"size must be at least 1, got {size}")
    if now is None:
        now = datetime.now(UTC).replace(second=0, microsecond=0)
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware, e.g. datetime(2026, 1, 1, tzinfo=UTC)")
    now = now.astimezone(UTC)
    base = now.replace(microsecond=0)

    def at(offset: int) -> datetime:
        return base - timedelta(seconds=offset)

    def rng(part: str) -> random.Random:
        return random.Random(f"sponsorsync-orggen:{seed}:{part}")

    user_rows = user_drafts(size, rng("users"))
    users = [
        OrgUser(
            k,
            u.first_name,
            u.last_name,
            u.email,
            u.title,
            u.department,
            u.active,
            at(u.created),
            at(u.modified),
        )
        for k, u in enumerate(user_rows)
    ]
    roles = _roles(user_rows)
    accounts, labels, slots = build_accounts(size, roles, rng("accounts"), at)
    rows = contact_drafts(slots, round_half_up(size * 0.01), roles["active sales"], rng("contacts"))
    contacts = [
        OrgContact(
            k,
            c.account,
            c.first_name,
            c.last_name,
            c.email,
            c.title,
            c.phone,
            c.department,
            c.owner,
            at(c.created),
            at(c.modified),
        )
        for k, c in enumerate(rows)
    ]
    executives: dict[int, list[int]] = {}
    for k, c in enumerate(rows):
        if c.executive and c.account is not None:
            executives.setdefault(c.account, []).append(k)
    fit = _Fit(user_rows, rows)
    relationships, touches = _relationships(accounts, executives, rng("relationships"), at, fit)
    plan = ActivityPlan(
        base_ts=int(base.timestamp()),
        general=_activity_counts(accounts, rows, rng("activity counts")),
        window=array("q", (min(LATEST_PAST, c.created) for c in rows)),
        touches=touches,
        contact_account=[c.account for c in contacts],
        contact_owner=[c.owner for c in contacts],
        contact_first_name=[c.first_name for c in contacts],
        account_owner=[a.owner for a in accounts],
        account_label=labels,
        account_pool=[slot.staff_pool for slot in slots],
        orphan_pool=tuple(roles["active sales"]),
        deactivated=deactivation_offsets([u.active for u in user_rows], [u.modified for u in user_rows]),
    )
    deals, cases = build_pipeline(accounts, contacts, rng("pipeline"), at)  # last: the rest stays as it was
    return Org(
        now=now,
        seed=seed,
        size=size,
        users=users,
        accounts=accounts,
        contacts=contacts,
        relationships=relationships,
        plan=plan,
        deals=deals,
        cases=cases,
    )


# Words that mark a business function in English, French, German and Spanish titles, per
# department of the internal executives: a sponsor's natural counterpart works in the same field.
_FAMILIES: dict[str, tuple[str, ...]] = {
    "Executive": ("chief executive", "ceo", "president", "general manager", "managing director", "general",
                  "geschaftsfuhrer", "geschäftsführer", "vorstand"),
    "Engineering": ("technolog", "cto", "engineering", "technical", "tecnolog", "technik", "it "),
    "Sales": ("sales", "revenue", "cro", "vertrieb", "ventas", "commercial", "business development"),
    "Finance": ("financ", "cfo", "finanz"),
    "Marketing": ("marketing", "cmo"),
    "Operations": ("operations", "operating", "coo", "opérations", "operaciones"),
    "Product": ("product", "cpo", "produit", "producto"),
    "Partnerships": ("partner", "alliance", "alianza", "channel", "business development"),
    "Customer Success": ("customer", "success", "client"),
}  # fmt: skip
_TOP = ("chief", "ceo", "cto", "cro", "cfo", "cmo", "coo", "cpo", "president", "président", "general",
        "geschäftsführer", "vorstand")  # fmt: skip


class _Fit:
    """Which partner executive a sponsor would naturally pair with: same function, most senior."""

    def __init__(self, users: Sequence[UserDraft], contacts: Sequence[ContactDraft]) -> None:
        self.departments = [u.department for u in users]
        self.titles = [(c.title or "").lower() for c in contacts]

    def counterpart(self, sponsor: int, executives: list[int]) -> int:
        words = _FAMILIES.get(self.departments[sponsor], ())

        def score(contact: int) -> tuple[int, int, int]:
            title = self.titles[contact]
            same_field = any(word in title for word in words)
            top = any(word in title.split() or word in title for word in _TOP)
            return (-int(same_field), -int(top), contact)

        return min(executives, key=score)


def _roles(users: Sequence[UserDraft]) -> dict[str, list[int]]:
    roles: dict[str, list[int]] = {"alliance": [], "sales": [], "success": [], "operations": []}
    for key, user in enumerate(users):
        if user.role != "executive":
            roles[user.role].append(key)
    roles["staff"] = [k for k, u in enumerate(users) if u.role != "executive"]
    for role in ("alliance", "sales", "success", "staff"):
        roles[f"active {role}"] = [k for k in roles[role] if users[k].active]
    return roles


def _relationships(
    accounts: Sequence[OrgAccount],
    executives: dict[int, list[int]],
    rng: random.Random,
    at: Callable[[int], datetime],
    fit: _Fit,
) -> tuple[dict[int, OrgRelationship], dict[int, SponsorTouches]]:
    """Pick each sponsored alliance's counterpart and relationship state, and plan the touches."""
    relationships: dict[int, OrgRelationship] = {}
    paired: list[tuple[int, int]] = []  # (alliance, sponsor) where the alliance has a partner executive
    for account in accounts:
        if account.sponsor is not None:
            relationships[account.key] = OrgRelationship(account.key, account.sponsor, None, "never", None)
            if executives.get(account.key):
                paired.append((account.key, account.sponsor))
    states = _state_mix(len(paired))
    rng.shuffle(states)
    for i, (_, sponsor) in enumerate(paired):  # the departed sponsor cannot have met anyone lately
        if sponsor == DEPARTED_EXECUTIVE and states[i] == "active":
            j = next(j for j, p in enumerate(paired) if p[1] != DEPARTED_EXECUTIVE and states[j] != "active")
            states[i], states[j] = states[j], states[i]
    touches: dict[int, SponsorTouches] = {}
    for (account_key, sponsor), state in zip(paired, states, strict=True):
        contact = fit.counterpart(sponsor, executives[account_key])
        if state == "never":
            relationships[account_key] = OrgRelationship(account_key, sponsor, contact, state, None)
            continue
        low, high, fewest, most = _STATE_SHAPES[state]
        last = 60 * rng.randint(low // 60, high // 60)
        scheduled = state == "active" and sponsor != DEPARTED_EXECUTIVE and rng.random() < 0.5
        touches[contact] = SponsorTouches(
            sponsor, account_key, contact, rng.randint(fewest, most), scheduled, last
        )
        relationships[account_key] = OrgRelationship(account_key, sponsor, contact, state, at(last))
    return relationships, touches


def _state_mix(n: int) -> list[RelationshipState]:
    if n < 4:
        few: list[RelationshipState] = ["cooling", "cold", "never"]
        return few[:n]
    mix: list[RelationshipState] = ["never"] * max(1, round_half_up(n * 0.15))
    mix += ["cold"] * max(1, round_half_up(n * 0.2))
    mix += ["cooling"] * max(1, round_half_up(n * 0.2))
    return mix + ["active"] * (n - len(mix))


def _activity_counts(
    accounts: Sequence[OrgAccount], contacts: Sequence[ContactDraft], rng: random.Random
) -> array[int]:
    """Ordinary activities per contact: exponential around a mean set by the kind of account, cut
    down for contacts created within the history window."""
    means = [_ACTIVITY_MEANS["alliance" if a.tier else a.kind] for a in accounts]
    expo = rng.expovariate
    counts = array("H")
    for c in contacts:
        mean = _ACTIVITY_MEANS[""] if c.account is None else means[c.account]
        share = min(1.0, c.created / HISTORY_SECONDS)
        counts.append(min(10_000, int(expo(1.0 / mean) * share + 0.5)))
    return counts
