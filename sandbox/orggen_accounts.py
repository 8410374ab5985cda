"""Accounts of the synthetic org: names, kinds and tiers, owners, executive sponsors, and how many
contacts (and partner executives) each one gets."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import NamedTuple

from sponsorsync.sandbox.orggen_names import (
    COMPANY_NOUNS,
    COMPANY_STEMS,
    FOREIGN_LANGUAGES,
    LEGAL_FORMS,
    Language,
    ascii_slug,
)
from sponsorsync.sandbox.orggen_people import AccountSlot
from sponsorsync.sandbox.orggen_records import (
    DAY,
    DEPARTED_EXECUTIVE,
    EXECUTIVES,
    AccountKind,
    OrgAccount,
    Tier,
    round_half_up,
)

SPONSOR_CAPACITY = 4  # alliances one executive can sponsor
MAX_ALLIANCES = 90
_TIERS: tuple[tuple[Tier, float], ...] = (("strategic", 0.20), ("key", 0.35))
_QUALIFIERS = ("", "Group", "Holdings", "International", "Global", "Nordic", "Pacific", "Atlantic")
# relative number of contacts of non-alliance accounts, by kind
_CONTACT_WEIGHTS: dict[str, float] = {"partner": 1.0, "customer": 1.6, "prospect": 0.7, "other": 0.5}
_ALLIANCE_CONTACTS: dict[Tier, tuple[int, int]] = {
    "strategic": (20, 40),
    "key": (12, 32),
    "standard": (8, 24),
}
# how likely an executive is picked as a sponsor: partnership leaders first, then the C-suite
_SPONSOR_AFFINITY = [
    3.0 if "Partnerships" in e.department else 2.0 if e.title.startswith("Chief") else 1.0 for e in EXECUTIVES
]


class _Draft(NamedTuple):
    created: int  # seconds before now
    order: int  # position in generation order, to break ties
    kind: AccountKind
    tier: Tier | None
    name: str
    label: str  # the name without its legal form, as used in activity subjects
    domain: str
    industry: str
    language: Language


def build_accounts(
    size: int, roles: dict[str, list[int]], rng: random.Random, at: Callable[[int], datetime]
) -> tuple[list[OrgAccount], list[str], list[AccountSlot]]:
    """Accounts (oldest first), their short names, and how their contacts are to be drawn."""
    n_accounts = max(10, round_half_up(size / 20))
    n_alliances = min(MAX_ALLIANCES, max(6, round_half_up(size / 150)))
    rest = n_accounts - n_alliances
    counts: dict[AccountKind, int] = {
        "partner": max(1, round_half_up(rest * 0.08)),
        "customer": round_half_up(rest * 0.5),
    }
    counts["prospect"] = round_half_up(rest * 0.3)
    counts["other"] = rest - sum(counts.values())
    tiers: list[Tier] = [tier for tier, share in _TIERS for _ in range(round_half_up(n_alliances * share))]
    tiers += ["standard"] * (n_alliances - len(tiers))
    specs: list[tuple[AccountKind, Tier | None]] = [("partner", t) for t in tiers]
    specs += [(kind, None) for kind, n in counts.items() for _ in range(n)]
    rng.shuffle(specs)
    drafts: list[_Draft] = []
    domains: set[str] = set()
    for i, ((kind, tier), label, industry) in enumerate(
        zip(specs, *_company_names(n_accounts, rng), strict=True)
    ):
        language: Language = rng.choice(FOREIGN_LANGUAGES) if rng.random() < 0.2 else "en"
        legal = rng.choice(LEGAL_FORMS[language])
        domain = ascii_slug(label, "-")
        while f"{domain}.example" in domains:
            domain += "-x"
        domains.add(f"{domain}.example")
        if tier is not None:
            created = rng.randint(900 * DAY, 3650 * DAY)
        elif rng.random() < 0.12:
            created = rng.randint(20 * DAY, 700 * DAY)
        else:
            created = rng.randint(760 * DAY, 3650 * DAY)
        name = f"{label} {legal}" if legal else label
        drafts.append(_Draft(created, i, kind, tier, name, label, f"{domain}.example", industry, language))
    drafts.sort(key=lambda d: (-d.created, d.order))

    managers = list(roles["active alliance"])
    rng.shuffle(managers)
    alliances = [(key, d.tier) for key, d in enumerate(drafts) if d.tier is not None]
    sponsors = _sponsors(alliances, rng)
    no_executive = set(
        rng.sample([k for k, t in alliances if t == "standard"], max(1, round_half_up(n_alliances / 15)))
    )
    sizes = _alliance_sizes(size, alliances, no_executive, rng)
    pools = {
        "partner": tuple(roles["alliance"] + roles["success"]),
        "customer": tuple(roles["success"] + roles["sales"]),
        "prospect": tuple(roles["sales"]),
        "other": tuple(roles["staff"]),
    }
    others = [key for key, d in enumerate(drafts) if d.tier is None]
    weights = [_CONTACT_WEIGHTS[drafts[k].kind] * min(rng.paretovariate(1.4), 12.0) for k in others]
    assignable = size - round_half_up(size * 0.01)
    spread = _apportion(assignable - sum(sizes.values()), weights)
    sizes.update(zip(others, spread, strict=True))

    accounts: list[OrgAccount] = []
    labels: list[str] = []
    slots: list[AccountSlot] = []
    for key, (created, _, kind, tier, name, label, domain, industry, language) in enumerate(drafts):
        if kind == "partner":
            owner = managers[len(accounts) % len(managers)] if tier else rng.choice(managers)
        elif kind == "customer":
            owner = rng.choice(roles["active success"] if rng.random() < 0.7 else roles["active sales"])
        elif kind == "prospect":
            owner = rng.choice(roles["active sales"])
        else:
            owner = rng.choice(roles["active staff"])
        modified = int(created * rng.random() ** 3)
        sponsor = sponsors.get(key)
        # Sponsored alliances whose key is 4 modulo 9 had their sponsor appointed eight days ago (no
        # random draw: the rest of the org stays as it was).
        since = at(min(created, 8 * DAY)) if sponsor is not None and key % 9 == 4 else None
        accounts.append(
            OrgAccount(
                key, name, domain, industry, kind, tier, owner, sponsor, at(created), at(modified), since
            )
        )
        labels.append(label)
        if tier is None:
            executives = -1
        elif key in no_executive:
            executives = 0
        else:
            executives = min(sizes[key], max(1, round_half_up(sizes[key] * rng.uniform(0.26, 0.38))))
        slots.append(AccountSlot(key, domain, language, owner, created, sizes[key], executives, pools[kind]))
    return accounts, labels, slots


def _company_names(n: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """``n`` distinct "<stem> <noun>[ <qualifier>]" names and the industry each noun stands for."""
    nouns = list(COMPANY_NOUNS)
    combos = len(COMPANY_STEMS) * len(nouns)
    qualifiers = -(-n // combos)
    if qualifiers > len(_QUALIFIERS):
        raise ValueError(f"at most {combos * len(_QUALIFIERS)} accounts can be named, {n} asked for")
    names, industries = [], []
    for index in rng.sample(range(combos * qualifiers), n):
        qualifier, rest = divmod(index, combos)
        stem, noun = divmod(rest, len(nouns))
        words = (COMPANY_STEMS[stem], nouns[noun], _QUALIFIERS[qualifier])
        names.append(" ".join(w for w in words if w))
        industries.append(COMPANY_NOUNS[nouns[noun]])
    return names, industries


def _sponsors(alliances: Sequence[tuple[int, Tier | None]], rng: random.Random) -> dict[int, int]:
    """Alliance key -> executive key: 75% of alliances, strategic first, at most SPONSOR_CAPACITY
    each; the departed executive keeps one or two."""
    order: list[int] = []
    for tier in ("strategic", "key", "standard"):
        same = [key for key, t in alliances if t == tier]
        rng.shuffle(same)
        order += same
    strategic = sum(1 for _, t in alliances if t == "strategic")
    if strategic >= 5:  # a realistic gap: one strategic alliance nobody sponsors
        order.append(order.pop(0))
    sponsored = order[: round_half_up(len(alliances) * 0.75)]
    departed = rng.sample(sponsored, 1 if len(sponsored) < 40 else 2)
    load = [0] * len(EXECUTIVES)
    load[DEPARTED_EXECUTIVE] = len(departed)
    result = dict.fromkeys(departed, DEPARTED_EXECUTIVE)
    for key in sponsored:
        if key in result:
            continue
        free = [e for e in range(len(EXECUTIVES)) if e != DEPARTED_EXECUTIVE and load[e] < SPONSOR_CAPACITY]
        if not free:
            break
        weights = [_SPONSOR_AFFINITY[e] / (1 + load[e]) for e in free]
        chosen = rng.choices(free, weights)[0]
        load[chosen] += 1
        result[key] = chosen
    return result


def _alliance_sizes(
    size: int, alliances: Sequence[tuple[int, Tier | None]], no_executive: set[int], rng: random.Random
) -> dict[int, int]:
    sizes = {
        key: rng.randint(8, 11)
        if key in no_executive
        else rng.randint(*_ALLIANCE_CONTACTS[tier or "standard"])
        for key, tier in alliances
    }
    budget = (size - round_half_up(size * 0.01)) * 6 // 10
    total = sum(sizes.values())
    if total > budget:
        sizes = {key: n * budget // total for key, n in sizes.items()}
    return sizes


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder; the parts sum to ``total``)."""
    scale = total / sum(weights)
    exact = [w * scale for w in weights]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(len(parts)), key=lambda i: parts[i] - exact[i])
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts
