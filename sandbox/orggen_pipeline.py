"""The partner pipeline and partner cases of the synthetic org (issue 13), CRM-neutral: deals on
alliances at various stages with amounts, and cases, about one alliance in five with an open
escalation. Generated from its own seeded stream after everything else, so the rest of the org is
exactly what it was without them.

- deals: strategic alliances 3 to 6, key 1 to 3, standard 0 to 2; about two thirds open (closing
  10 to 120 days from now), the rest closed won or lost 5 to 300 days ago. Amounts in thousands,
  larger for higher tiers. Owned by the alliance's owner.
- cases: every alliance 0 to 3 cases, mostly closed; ``round(alliances / 5)`` alliances (at least
  one) have one open escalated case opened 1 to 20 days ago. About one case in ten names only a
  contact of the alliance (no account). Owned by the alliance's owner.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sponsorsync.sandbox.orggen_records import DAY, OrgAccount, OrgContact, round_half_up

DealStage = Literal["prospecting", "qualification", "proposal", "negotiation", "won", "lost"]
OPEN_STAGES: tuple[DealStage, ...] = ("prospecting", "qualification", "proposal", "negotiation")
Priority = Literal["low", "medium", "high", "urgent"]

_DEALS = {"strategic": (3, 6, 50, 500), "key": (1, 3, 20, 200), "standard": (0, 2, 5, 60)}  # count, k-amount
_DEAL_NAMES = (
    "platform renewal", "joint go-to-market", "co-sell expansion", "integration licence", "regional rollout",
    "managed service", "analytics add-on", "support upgrade", "pilot", "enterprise agreement",
)  # fmt: skip
_CASE_SUBJECTS = (
    "Integration failing after upgrade", "Billing dispute on partner invoice", "API rate limits hit in production",
    "Joint customer escalation", "Certification delayed", "Marketplace listing broken", "Data sync errors",
    "Support response too slow", "Licence keys not delivered", "Partner portal access lost",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class OrgDeal:
    key: int
    account: int
    owner: int
    name: str
    stage: DealStage
    amount: int
    close_at: datetime  # expected close (open deals) or when it closed
    created_at: datetime
    modified_at: datetime

    @property
    def closed(self) -> bool:
        return self.stage in ("won", "lost")


@dataclass(frozen=True, slots=True)
class OrgCase:
    key: int
    account: int | None  # None: the case names only a contact of the alliance
    contact: int | None
    owner: int
    subject: str
    priority: Priority
    escalated: bool
    created_at: datetime
    modified_at: datetime
    closed_at: datetime | None = None


def build_pipeline(
    accounts: Sequence[OrgAccount],
    contacts: Sequence[OrgContact],
    rng: random.Random,
    at: Callable[[int], datetime],
) -> tuple[list[OrgDeal], list[OrgCase]]:
    """Deals and cases of the alliances, oldest key first (``at(seconds)`` = now minus seconds)."""
    alliances = [a for a in accounts if a.tier]
    people: dict[int, list[int]] = {}
    for contact in contacts:
        if contact.account is not None:
            people.setdefault(contact.account, []).append(contact.key)
    deals: list[OrgDeal] = []
    for account in alliances:
        low, high, k_low, k_high = _DEALS[account.tier or "standard"]
        for _ in range(rng.randint(low, high)):
            deals.append(_deal(len(deals), account, rng, at, k_low, k_high))
    wanted = max(1, round_half_up(len(alliances) / 5)) if alliances else 0
    escalated = set(rng.sample(range(len(alliances)), wanted))
    cases: list[OrgCase] = []
    for index, account in enumerate(alliances):
        members = people.get(account.key, [])
        if index in escalated:
            opened = rng.randint(1, 20) * DAY - rng.randint(0, DAY // 2)
            cases.append(_case(len(cases), account, members, rng, at, opened, None, escalated=True))
        for _ in range(rng.randint(0, 3)):
            if rng.random() < 0.75:  # most are closed, a few of them were escalations
                opened = rng.randint(30, 400) * DAY
                closed = opened - rng.randint(2, 25) * DAY
                escalation = rng.random() < 0.2
                cases.append(
                    _case(len(cases), account, members, rng, at, opened, closed, escalated=escalation)
                )
            else:  # open, not escalated
                opened = rng.randint(1, 40) * DAY
                cases.append(_case(len(cases), account, members, rng, at, opened, None, escalated=False))
    return deals, cases


def _deal(
    key: int, account: OrgAccount, rng: random.Random, at: Callable[[int], datetime], k_low: int, k_high: int
) -> OrgDeal:
    amount = rng.randint(k_low, k_high) * 1000
    name = f"{account.name} {rng.choice(_DEAL_NAMES)}"
    if rng.random() < 0.66:
        stage: DealStage = rng.choice(OPEN_STAGES)
        close = at(-rng.randint(10, 120) * DAY)
        created = rng.randint(5, 200) * DAY
        modified = rng.randint(0, created)  # changed since (a stage move, an amount)
        return OrgDeal(key, account.key, account.owner, name, stage, amount, close, at(created), at(modified))
    stage = "won" if rng.random() < 0.6 else "lost"
    closed = rng.randint(5, 300) * DAY
    created = closed + rng.randint(20, 180) * DAY
    return OrgDeal(key, account.key, account.owner, name, stage, amount, at(closed), at(created), at(closed))


def _case(
    key: int,
    account: OrgAccount,
    members: list[int],
    rng: random.Random,
    at: Callable[[int], datetime],
    opened: int,
    closed: int | None,
    *,
    escalated: bool,
) -> OrgCase:
    contact = rng.choice(members) if members else None
    contact_only = contact is not None and rng.random() < 0.1
    if escalated:
        priority: Priority = rng.choice(("high", "urgent"))
    else:
        priority = rng.choice(("low", "medium", "medium"))
    modified = closed if closed is not None else max(0, opened - rng.randint(0, DAY))
    return OrgCase(
        key,
        None if contact_only else account.key,
        contact,
        account.owner,
        rng.choice(_CASE_SUBJECTS),
        priority,
        escalated,
        at(opened),
        at(modified),
        None if closed is None else at(closed),
    )
