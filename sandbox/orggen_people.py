"""People of the synthetic org: the internal company's users and the contacts of every account.

Every draw comes from the ``random.Random`` passed in, so the same seed gives the same people; times
are kept as offsets (seconds before ``now``) until the caller turns them into datetimes.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sponsorsync.sandbox.orggen_names import (
    FIRST_NAMES,
    FOREIGN_LANGUAGES,
    LAST_NAMES,
    LOOKALIKE_MARKERS,
    STAFF_ROLES,
    TITLES,
    Gender,
    Language,
    Level,
    TitleEntry,
    ascii_slug,
)
from sponsorsync.sandbox.orggen_records import (
    COMPANY_DOMAIN,
    DAY,
    DEPARTED_EXECUTIVE,
    EXECUTIVES,
    round_half_up,
)

T = TypeVar("T")

MIN_STAFF, MAX_STAFF, CONTACTS_PER_STAFF = 6, 500, 200
OLD = 731 * DAY  # created before the activity history starts

# Seniority mix of contacts (cumulative), None meaning no title at all.
_ALLIANCE_OTHERS: tuple[tuple[Level | None, float], ...] = (
    ("director", 0.30),
    ("manager", 0.63),
    ("individual", 0.95),
    (None, 1.0),
)
_NO_EXECUTIVE: tuple[tuple[Level | None, float], ...] = (("manager", 0.5), ("individual", 0.95), (None, 1.0))
_EVERYONE: tuple[tuple[Level | None, float], ...] = (
    ("executive", 0.10),
    ("director", 0.30),
    ("manager", 0.60),
    ("individual", 0.95),
    (None, 1.0),
)


def _title_pools() -> dict[tuple[Language, Level, Gender, bool], tuple[TitleEntry, ...]]:
    pools: dict[tuple[Language, Level, Gender, bool], tuple[TitleEntry, ...]] = {}
    for language, levels in TITLES.items():
        for level, entries in levels.items():
            for gender in ("f", "m"):
                fitting = tuple(e for e in entries if e[2] in ("", gender))
                plain = tuple(e for e in fitting if not any(m in e[0] for m in LOOKALIKE_MARKERS))
                pools[(language, level, gender, False)] = fitting
                pools[(language, level, gender, True)] = plain
    return pools


_TITLE_POOLS = _title_pools()
_SLUGS: dict[str, str] = {}


def _slug(name: str) -> str:
    slug = _SLUGS.get(name)
    if slug is None:
        slug = _SLUGS[name] = ascii_slug(name)
    return slug


def _unique(local: str, domain: str, used: set[str]) -> str:
    email, n = f"{local}@{domain}", 1
    while email in used:
        n += 1
        email = f"{local}{n}@{domain}"
    used.add(email)
    return email


@dataclass(frozen=True, slots=True)
class UserDraft:
    first_name: str
    last_name: str
    email: str
    title: str
    department: str
    active: bool
    created: int  # seconds before now
    modified: int
    role: str  # "executive" or a key of STAFF_ROLES


def user_drafts(size: int, rng: random.Random) -> list[UserDraft]:
    """The executives (in EXECUTIVES order) then the staff, oldest hire first."""
    drafts = []
    for i, ex in enumerate(EXECUTIVES):
        created = rng.randint(1000 * DAY, 3650 * DAY)
        departed = i == DEPARTED_EXECUTIVE
        modified = rng.randint(30 * DAY, 58 * DAY) if departed else int(created * rng.random() ** 3)
        drafts.append(
            UserDraft(
                ex.first_name,
                ex.last_name,
                ex.email,
                ex.title,
                ex.department,
                not departed,
                created,
                modified,
                "executive",
            )
        )
    n_staff = min(MAX_STAFF, max(MIN_STAFF, round_half_up(size / CONTACTS_PER_STAFF)))
    counts = {
        "alliance": max(2, round_half_up(n_staff * 0.15)),
        "success": max(1, round_half_up(n_staff * 0.2)),
    }
    counts["operations"] = round_half_up(n_staff * 0.05)
    counts["sales"] = n_staff - sum(counts.values())
    roles = [role for role, n in counts.items() for _ in range(n)]
    rng.shuffle(roles)
    leavers = set(
        rng.sample([i for i, r in enumerate(roles) if r == "sales"], max(1, round_half_up(n_staff * 0.04)))
    )
    used = {ex.email for ex in EXECUTIVES}
    staff = []
    for i, role in enumerate(roles):
        gender: Gender = "f" if rng.random() < 0.5 else "m"
        first = rng.choice(FIRST_NAMES["en"][gender])
        last = rng.choice(LAST_NAMES["en"])
        email = _unique(f"{_slug(first)}.{_slug(last)}", COMPANY_DOMAIN, used)
        titles, department = STAFF_ROLES[role]
        created = rng.randint(30 * DAY, 3000 * DAY)
        active = i not in leavers
        modified = int(created * rng.random() ** 3) if active else rng.randint(DAY, max(DAY, created - DAY))
        staff.append(
            UserDraft(first, last, email, rng.choice(titles), department, active, created, modified, role)
        )
    staff.sort(key=lambda d: -d.created)
    return drafts + staff


@dataclass(frozen=True, slots=True)
class AccountSlot:
    """What contact generation needs to know about one account."""

    key: int
    domain: str
    language: Language
    owner: int
    created: int
    contacts: int
    executives: int  # for alliances: how many partner executives; -1 elsewhere (drawn per contact)
    staff_pool: tuple[int, ...]  # who else may own its contacts


@dataclass(frozen=True, slots=True)
class ContactDraft:
    created: int
    account: int | None
    first_name: str
    last_name: str
    email: str
    title: str | None
    phone: str | None
    department: str | None
    owner: int
    modified: int
    executive: bool


def contact_drafts(
    slots: Sequence[AccountSlot], orphans: int, orphan_owners: Sequence[int], rng: random.Random
) -> list[ContactDraft]:
    """Contacts of every account in ``slots`` plus ``orphans`` without one, oldest first."""
    rnd = rng.random
    drafts: list[ContactDraft] = []
    for slot in slots:
        if slot.contacts == 0:
            continue
        used: set[str] = set()
        pattern = _pick((0, 0, 0, 0, 0, 0, 1, 1, 2, 3), rnd)
        executives_left, others_left = slot.executives, slot.contacts - max(slot.executives, 0)
        for _ in range(slot.contacts):
            level: Level | None
            if slot.executives < 0:
                level, plain = _level(_EVERYONE, rnd), False
            elif rnd() * (executives_left + others_left) < executives_left:
                level, plain = "executive", False
                executives_left -= 1
            else:
                mix = _ALLIANCE_OTHERS if slot.executives else _NO_EXECUTIVE
                level, plain = _level(mix, rnd), slot.executives == 0
                others_left -= 1
            if level == "executive" and slot.executives >= 0:
                created = _between(OLD, max(OLD, slot.created), rnd)  # counterparts predate the history
            elif slot.created > OLD and rnd() >= 0.08:
                created = _between(OLD, slot.created, rnd)
            else:
                created = _between(DAY, min(slot.created, 700 * DAY), rnd)
            owner = slot.owner if rnd() < 0.85 else _pick(slot.staff_pool, rnd)
            drafts.append(
                _contact(
                    rnd, slot.key, slot.language, level, plain, pattern, slot.domain, used, owner, created
                )
            )
    used_free: set[str] = set()
    for _ in range(orphans):
        domain = _pick(("mail.example", "inbox.example", "post.example", "webmail.example"), rnd)
        created = _between(DAY, 1500 * DAY, rnd)
        language: Language = _pick(FOREIGN_LANGUAGES, rnd) if rnd() < 0.1 else "en"
        level = _level(_EVERYONE, rnd)
        owner = _pick(orphan_owners, rnd)
        drafts.append(_contact(rnd, None, language, level, False, 0, domain, used_free, owner, created))
    drafts.sort(key=lambda d: -d.created)  # stable: ties keep generation order
    return drafts


def _contact(
    rnd: Callable[[], float],
    account: int | None,
    account_language: Language,
    level: Level | None,
    plain: bool,
    pattern: int,
    domain: str,
    used: set[str],
    owner: int,
    created: int,
) -> ContactDraft:
    if account_language != "en":
        language = account_language if rnd() < 0.25 else "en"
    else:
        language = _pick(FOREIGN_LANGUAGES, rnd) if rnd() < 0.07 else "en"
    gender: Gender = "f" if rnd() < 0.5 else "m"
    first = _pick(FIRST_NAMES[language][gender], rnd)
    last = _pick(LAST_NAMES[language], rnd)
    fs, ls = _slug(first), _slug(last)
    local = (f"{fs}.{ls}", f"{fs[0]}{ls}", f"{fs}_{ls}", fs)[pattern]
    title = department = None
    if level is not None:
        title, department, _ = _pick(_TITLE_POOLS[(language, level, gender, plain)], rnd)
        if rnd() >= 0.85:
            department = None
    phone = _phone(language, rnd) if rnd() < 0.7 else None
    return ContactDraft(
        created,
        account,
        first,
        last,
        _unique(local, domain, used),
        title,
        phone,
        department,
        owner,
        int(created * rnd() ** 3),
        level == "executive",
    )


def _phone(language: Language, rnd: Callable[[], float]) -> str:
    """Numbers from ranges reserved for fiction (NANP 555-01xx, Ofcom-style French 01 99 00, the
    Berlin 030 23125 drama range); the Spanish one simply reuses 555."""
    a, b = int(rnd() * 100), int(rnd() * 100)
    if language == "fr":
        return f"+33 1 99 00 {a:02d} {b:02d}"
    if language == "de":
        return f"+49 30 23125 {a * 10 + b % 10:03d}"
    if language == "es":
        return f"+34 91 555 {a:02d} {b:02d}"
    area = ("212", "303", "312", "404", "415", "512", "617", "206")[b % 8]
    return f"+1 {area} 555-01{a:02d}"


def _level(mix: tuple[tuple[Level | None, float], ...], rnd: Callable[[], float]) -> Level | None:
    u = rnd()
    for level, threshold in mix:
        if u < threshold:
            return level
    return None


def _between(low: int, high: int, rnd: Callable[[], float]) -> int:
    return low + int(rnd() * (high - low + 1)) if high > low else low


def _pick(pool: Sequence[T], rnd: Callable[[], float]) -> T:
    return pool[int(rnd() * len(pool))]
