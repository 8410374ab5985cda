"""The synthetic org: its fixed executive team, its shape at several sizes, the references between
its records, the ground truth of the sponsor relationships, and determinism."""

from __future__ import annotations

import dataclasses
import functools
import time
import tracemalloc
import types
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta, timezone

import pytest

from sponsorsync.sandbox.orggen import (
    ALLIANCE_MANAGER_TITLES,
    EXECUTIVES,
    SPONSOR_CAPACITY,
    Org,
    OrgAccount,
    OrgActivity,
    OrgContact,
    OrgUser,
    generate,
)
from sponsorsync.sandbox.orggen_names import FIRST_NAMES, TITLES

NOW = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
DEPARTED = len(EXECUTIVES) - 1
EXECUTIVE_KEYS = range(len(EXECUTIVES))

# Ground truth of the title vocabulary: title -> (language, level, gender) where unambiguous.
TITLE_FACTS = {
    title: (language, level, gender)
    for language, levels in TITLES.items()
    for level, entries in levels.items()
    for title, _, gender in entries
}


@functools.cache
def org(size: int, seed: int = 0) -> Org:
    return generate(size, seed, NOW)


@functools.cache
def activities(size: int, seed: int = 0) -> tuple[OrgActivity, ...]:
    return tuple(org(size, seed).activities())


def alliances(o: Org) -> list[OrgAccount]:
    return [a for a in o.accounts if a.tier is not None]


def contacts_by_account(o: Org) -> dict[int | None, list[OrgContact]]:
    grouped: dict[int | None, list[OrgContact]] = {}
    for c in o.contacts:
        grouped.setdefault(c.account, []).append(c)
    return grouped


def is_executive(title: str | None) -> bool:
    return title is not None and TITLE_FACTS[title][1] == "executive"


def share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


Record = OrgUser | OrgAccount | OrgContact | OrgActivity


def without_times(records: Iterable[Record]) -> list[tuple[object, ...]]:
    return [tuple(v for v in dataclasses.astuple(r) if not isinstance(v, datetime)) for r in records]


# --- the internal company ---------------------------------------------------------------------


def test_the_executive_team_is_the_fixed_roster() -> None:
    assert [(e.first_name, e.last_name, e.email, e.title, e.department) for e in EXECUTIVES] == [
        ("Ava", "Chen", "ava.chen@northwind.example", "Chief Executive Officer", "Executive"),
        ("Marcus", "Reid", "marcus.reid@northwind.example", "Chief Technology Officer", "Engineering"),
        ("Priya", "Natarajan", "priya.natarajan@northwind.example", "Chief Revenue Officer", "Sales"),
        ("Daniel", "Okafor", "daniel.okafor@northwind.example", "Chief Financial Officer", "Finance"),
        ("Sofia", "Lindqvist", "sofia.lindqvist@northwind.example", "Chief Marketing Officer", "Marketing"),
        ("James", "Whitaker", "james.whitaker@northwind.example", "Chief Operating Officer", "Operations"),
        ("Elena", "Petrova", "elena.petrova@northwind.example", "Chief Product Officer", "Product"),
        ("Tom", "Becker", "tom.becker@northwind.example", "EVP, Global Partnerships", "Partnerships"),
        ("Grace", "Liu", "grace.liu@northwind.example", "SVP Engineering", "Engineering"),
        ("Rafael", "Ortega", "rafael.ortega@northwind.example", "SVP Sales, Americas", "Sales"),
        ("Hannah", "Weiss", "hannah.weiss@northwind.example", "SVP Customer Success", "Customer Success"),
        ("Kenji", "Watanabe", "kenji.watanabe@northwind.example", "VP Alliances, APAC", "Partnerships"),
        ("Olivia", "Brooks", "olivia.brooks@northwind.example", "VP Product Marketing", "Marketing"),
        ("Samuel", "Adeyemi", "samuel.adeyemi@northwind.example", "VP Finance", "Finance"),
        ("Claire", "Dubois", "claire.dubois@northwind.example", "VP Sales, EMEA", "Sales"),
        ("Noah", "Fischer", "noah.fischer@northwind.example", "VP Engineering, Platform", "Engineering"),
        ("Isabel", "Moreno", "isabel.moreno@northwind.example", "VP Partnerships, LATAM", "Partnerships"),
        ("Liam", "O'Connor", "liam.oconnor@northwind.example", "VP Operations", "Operations"),
    ]


@pytest.mark.parametrize(("size", "seed"), [(1, 0), (1000, 0), (1000, 7), (20_000, 3)], ids=str)
def test_users_open_with_the_executives_and_only_liam_has_left(size: int, seed: int) -> None:
    o = org(size, seed)
    heads = [
        (u.key, u.first_name, u.last_name, u.email, u.title, u.department) for u in o.users[: len(EXECUTIVES)]
    ]
    assert heads == [
        (k, e.first_name, e.last_name, e.email, e.title, e.department) for k, e in enumerate(EXECUTIVES)
    ]
    assert [u.active for u in o.users[: len(EXECUTIVES)]] == [True] * DEPARTED + [False]
    assert [u.key for u in o.users] == list(range(len(o.users)))
    assert all(u.email.endswith("@northwind.example") for u in o.users)


@pytest.mark.parametrize(
    ("size", "staff"), [(100, 6), (1000, 6), (5000, 25), (20_000, 100), (150_000, 500)], ids=str
)
def test_staff_scales_with_size_and_a_few_have_left(size: int, staff: int) -> None:
    o = org(size) if size <= 20_000 else generate(size, 0, NOW)
    others = o.users[len(EXECUTIVES) :]
    assert len(others) == staff
    titles = Counter(u.title for u in others)
    assert sum(titles[t] for t in ALLIANCE_MANAGER_TITLES) >= 2
    inactive = [u for u in others if not u.active]
    assert 1 <= len(inactive) <= max(1, staff // 20)


# --- shape at several sizes ---------------------------------------------------------------------

SIZES = [1000, 5000, 20_000]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"size={s}")
def test_counts_of_contacts_accounts_and_alliances(size: int) -> None:
    o = org(size)
    assert len(o.contacts) == size
    assert [c.key for c in o.contacts] == list(range(size))
    assert [a.key for a in o.accounts] == list(range(len(o.accounts)))
    assert len(o.accounts) == max(10, round(size / 20))
    tiers = Counter(a.tier for a in alliances(o))
    n = len(alliances(o))
    assert n == min(90, max(6, round(size / 150)))
    assert abs(tiers["strategic"] - 0.20 * n) <= 1
    assert abs(tiers["key"] - 0.35 * n) <= 1
    assert all(a.kind == "partner" for a in alliances(o))
    kinds = Counter(a.kind for a in o.accounts if a.tier is None)
    assert kinds["partner"] >= 1
    assert kinds["customer"] > kinds["prospect"] > kinds["other"] > 0
    orphans = sum(1 for c in o.contacts if c.account is None)
    assert orphans == round(size * 0.01)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"size={s}")
def test_alliances_have_8_to_40_contacts_and_about_a_third_are_executives(size: int) -> None:
    o = org(size)
    grouped = contacts_by_account(o)
    partner_contacts = [c for a in alliances(o) for c in grouped.get(a.key, [])]
    for a in alliances(o):
        assert 8 <= len(grouped.get(a.key, [])) <= 40, a
    executives = sum(1 for c in partner_contacts if is_executive(c.title))
    assert 0.25 <= share(executives, len(partner_contacts)) <= 0.35
    assert sum(1 for c in partner_contacts if c.title is None) <= 0.1 * len(partner_contacts)
    assert 0.01 <= share(sum(1 for c in o.contacts if c.title is None), size) <= 0.08
    foreign = [c for c in partner_contacts if c.title is not None and TITLE_FACTS[c.title][0] != "en"]
    assert 0.04 <= share(len(foreign), len(partner_contacts)) <= 0.25


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"size={s}")
def test_partner_executives_exist_in_every_large_alliance_and_are_missing_in_a_few_small_ones(
    size: int,
) -> None:
    o = org(size)
    grouped = contacts_by_account(o)
    without = []
    for a in alliances(o):
        members = grouped.get(a.key, [])
        if not any(is_executive(c.title) for c in members):
            without.append(a)
            assert len(members) < 12, a
            # not even a title that merely looks senior
            assert not any(c.title and ("Executive" in c.title or "CEO" in c.title) for c in members)
    assert 1 <= len(without) <= max(1, round(len(alliances(o)) / 15))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"size={s}")
def test_three_quarters_of_alliances_have_an_executive_sponsor_strategic_first(size: int) -> None:
    o = org(size)
    sponsored = [a for a in alliances(o) if a.sponsor is not None]
    assert len(sponsored) == round(0.75 * len(alliances(o)) + 0.01)
    assert all(a.sponsor in EXECUTIVE_KEYS for a in sponsored)
    load = Counter(a.sponsor for a in sponsored)
    assert max(load.values()) <= SPONSOR_CAPACITY
    assert load[DEPARTED] >= 1
    unsponsored = Counter(a.tier for a in alliances(o) if a.sponsor is None)
    assert unsponsored["standard"] >= 1
    assert unsponsored["strategic"] <= 1
    assert all(a.sponsor is None for a in o.accounts if a.tier is None)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"size={s}")
def test_about_ten_activities_per_contact_over_two_years(size: int) -> None:
    o = org(size)
    kinds: Counter[str] = Counter()
    ahead = 0
    for activity in o.activities():
        kinds[activity.kind] += 1
        ahead += activity.at > NOW
    assert 7.5 <= o.activity_count / size <= 13
    assert sum(kinds.values()) == o.activity_count
    assert set(kinds) == {"call", "meeting", "email", "task", "note"}
    assert 0.01 <= ahead / o.activity_count <= 0.06


# --- references and invariants -------------------------------------------------------------------

INVARIANT_CASES = [(1, 0), (10, 1), (100, 2), (1000, 0), (1000, 11), (5000, 5)]


@pytest.mark.parametrize(("size", "seed"), INVARIANT_CASES, ids=str)
def test_every_reference_points_at_an_existing_record(size: int, seed: int) -> None:
    o = org(size, seed)
    users, accounts, contacts = range(len(o.users)), range(len(o.accounts)), range(len(o.contacts))
    managers = {u.key for u in o.users if u.title in ALLIANCE_MANAGER_TITLES and u.active}
    for a in o.accounts:
        assert a.owner in users, a
        assert o.users[a.owner].active, a
        assert a.sponsor is None or a.sponsor in EXECUTIVE_KEYS, a
        if a.tier is not None:
            assert a.owner in managers, a
    for c in o.contacts:
        assert c.owner in users, c
        assert c.account is None or c.account in accounts, c
    for x in activities(size, seed):
        assert x.owner in users, x
        if x.owner in EXECUTIVE_KEYS:  # executives own only their touches with a sponsored alliance
            assert x.account in o.relationships, x
            assert o.relationships[x.account].sponsor == x.owner, x
        assert x.contact is None or x.contact in contacts, x
        assert x.account is None or x.account in accounts, x
        if x.contact is not None:
            assert x.account == o.contacts[x.contact].account, x
        else:
            assert x.account is not None, x


@pytest.mark.parametrize(("size", "seed"), INVARIANT_CASES, ids=str)
def test_timestamps_are_utc_ordered_and_within_the_window(size: int, seed: int) -> None:
    o = org(size, seed)
    records: list[Record] = [*o.users, *o.accounts, *o.contacts]
    for r in records:
        assert r.created_at.tzinfo == UTC, r
        assert r.created_at <= r.modified_at <= NOW, r
    for x in activities(size, seed):
        assert NOW - timedelta(days=730) <= x.at <= NOW + timedelta(days=30), x
        assert x.created_at <= x.modified_at <= NOW, x
        assert x.completed or x.kind in ("task", "meeting", "call"), x
        if x.at > NOW:
            assert not x.completed, x
        if x.kind in ("meeting", "call"):
            assert x.duration_minutes > 0, x
            assert x.completed == (x.at <= NOW), x
        else:
            assert x.duration_minutes == 0, x


@pytest.mark.parametrize(("size", "seed"), INVARIANT_CASES, ids=str)
def test_nobody_owns_an_activity_after_leaving(size: int, seed: int) -> None:
    o = org(size, seed)
    for x in activities(size, seed):
        owner = o.users[x.owner]
        assert owner.active or x.at < owner.modified_at, x


@pytest.mark.parametrize(("size", "seed"), INVARIANT_CASES, ids=str)
def test_activity_count_is_exact_and_the_stream_is_a_fresh_generator(size: int, seed: int) -> None:
    o = org(size, seed)
    stream = o.activities()
    assert isinstance(stream, types.GeneratorType)
    assert [x.key for x in activities(size, seed)] == list(range(o.activity_count))
    assert tuple(o.activities()) == activities(size, seed)


@pytest.mark.parametrize(("size", "seed"), [(1, 0), (1000, 0), (5000, 5), (20_000, 2)], ids=str)
def test_emails_and_company_names_are_unique(size: int, seed: int) -> None:
    o = org(size, seed)
    emails = [u.email for u in o.users] + [c.email for c in o.contacts]
    assert len(set(emails)) == len(emails)
    assert all(e == e.lower() and e.isascii() and e.count("@") == 1 for e in emails)
    assert len({a.name for a in o.accounts}) == len(o.accounts)
    assert len({a.domain for a in o.accounts}) == len(o.accounts)
    assert "Northwind Systems" not in {a.name for a in o.accounts}
    for c in o.contacts:
        if c.account is not None:
            assert c.email.endswith("@" + o.accounts[c.account].domain), c


def test_non_english_titles_go_with_names_of_the_same_language_and_gender() -> None:
    o = org(20_000)
    seen: Counter[str] = Counter()
    for c in o.contacts:
        if c.title is None:
            continue
        language, _, gender = TITLE_FACTS[c.title]
        if language == "en":
            continue
        seen[language] += 1
        names = FIRST_NAMES[language]
        expected = names["f"] if gender == "f" else names["m"] if gender == "m" else names["f"] + names["m"]
        assert c.first_name in expected, c
    assert set(seen) == {"fr", "de", "es"}
    titles = {c.title for c in o.contacts}
    for title in (
        "Directeur Général",
        "Geschäftsführer",
        "Director General",
        "V.P. Business Development",
        "CTO",
    ):
        assert title in titles


# --- sponsor relationships (the ground truth the engine is checked against) ----------------------


@pytest.mark.parametrize(("size", "seed"), [(1000, 0), (1000, 1), (1000, 2), (5000, 0), (20_000, 4)], ids=str)
def test_relationship_states_follow_the_sponsor_touches(size: int, seed: int) -> None:
    o = org(size, seed)
    sponsored = {a.key: a for a in alliances(o) if a.sponsor is not None}
    assert set(o.relationships) == set(sponsored)
    assert {r.state for r in o.relationships.values()} == {"active", "cooling", "cold", "never"}
    touches: dict[int, list[OrgActivity]] = {}
    for x in o.activities():
        if x.account in sponsored and sponsored[x.account].sponsor in (x.owner, *x.invitees):
            touches.setdefault(x.account, []).append(x)
    windows = {"active": (0, 30), "cooling": (60, 120), "cold": (200, 700)}
    for key, rel in o.relationships.items():
        assert rel.sponsor == sponsored[key].sponsor
        own = touches.get(key, [])
        assert all(x.contact == rel.contact and x.kind in ("call", "meeting", "email") for x in own), rel
        if rel.contact is not None:
            assert o.contacts[rel.contact].account == key
            assert is_executive(o.contacts[rel.contact].title)
        done = [x.at for x in own if x.completed]
        if rel.state == "never":
            assert rel.last_touch is None, rel
            assert own == [], rel
            continue
        low, high = windows[rel.state]
        assert rel.last_touch == max(done), rel
        assert timedelta(days=low) <= NOW - max(done) <= timedelta(days=high), rel
        if rel.sponsor == DEPARTED:
            assert rel.state != "active"
            assert max(x.at for x in own) < o.users[DEPARTED].modified_at


def test_liam_sponsors_alliances_that_went_quiet_when_he_left() -> None:
    for seed in range(5):
        o = org(1000, seed)
        liam = [r for r in o.relationships.values() if r.sponsor == DEPARTED]
        assert liam, seed
        assert all(r.state != "active" for r in liam)


# --- determinism ------------------------------------------------------------------------------


def test_same_arguments_give_the_same_org() -> None:
    a, b = generate(1000, 3, NOW), generate(1000, 3, NOW)
    assert (a.users, a.accounts, a.contacts, a.relationships) == (
        b.users,
        b.accounts,
        b.contacts,
        b.relationships,
    )
    assert a.activity_count == b.activity_count
    assert list(a.activities()) == list(b.activities())


def test_another_seed_gives_another_org() -> None:
    a, b = org(1000, 0), org(1000, 1)
    assert [c.email for c in a.contacts] != [c.email for c in b.contacts]
    assert {x.name for x in a.accounts} != {x.name for x in b.accounts}
    assert activities(1000, 0)[:50] != activities(1000, 1)[:50]


def test_moving_now_shifts_every_timestamp_and_changes_nothing_else() -> None:
    later = NOW + timedelta(days=45, hours=3, minutes=7)
    a, b = org(1000, 0), generate(1000, 0, later)
    assert b.now == later
    pairs: list[tuple[Sequence[Record], Sequence[Record]]] = [
        (a.users, b.users),
        (a.accounts, b.accounts),
        (a.contacts, b.contacts),
    ]
    for xs, ys in pairs:
        assert without_times(xs) == without_times(ys)
        assert all(y.created_at - x.created_at == later - NOW for x, y in zip(xs, ys, strict=True))
    moved = list(b.activities())
    assert without_times(activities(1000, 0)) == without_times(moved)
    assert all(y.at - x.at == later - NOW for x, y in zip(activities(1000, 0), moved, strict=True))


def test_now_defaults_to_the_current_minute_and_must_be_timezone_aware() -> None:
    before = datetime.now(UTC).replace(second=0, microsecond=0)
    o = generate(50)
    assert before <= o.now <= datetime.now(UTC)
    assert o.now.second == 0
    assert o.now.microsecond == 0
    paris = generate(50, 0, datetime(2026, 6, 1, 11, 30, tzinfo=timezone(timedelta(hours=2))))
    assert paris.now == NOW
    assert paris.now.tzinfo == UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        generate(50, 0, datetime(2026, 6, 1))
    with pytest.raises(ValueError, match="at least 1"):
        generate(0)


# --- scale (deselected by default; run with -m scale) -------------------------------------------


@pytest.mark.scale
def test_a_100k_org_is_ready_in_seconds_and_streams_a_million_activities() -> None:
    started = time.perf_counter()
    o = generate(100_000, 0, NOW)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    count = sum(1 for _ in o.activities())
    streamed = time.perf_counter() - started
    tracemalloc.start()
    try:
        kept = generate(100_000, 0, NOW)
        held, _ = tracemalloc.get_traced_memory()
        del kept
    finally:
        tracemalloc.stop()
    print(
        f"\n100k: generate {generated:.2f} s, {count} activities in {streamed:.2f} s, org {held / 1e6:.0f} MB"
    )
    assert count == o.activity_count
    assert 900_000 <= count <= 1_200_000
    assert generated < 5.0
    assert streamed < 8.0
    assert held < 150e6


@pytest.mark.parametrize(("size", "seed"), [(1000, 0), (5000, 3)], ids=str)
def test_some_sponsor_meetings_are_logged_by_the_manager_and_some_have_several_attendees(
    size: int, seed: int
) -> None:
    o = org(size, seed)
    sponsors = {a.key: a.sponsor for a in alliances(o) if a.sponsor is not None}
    managers = {a.key: a.owner for a in alliances(o)}
    logged_for_sponsor = [
        x for x in o.activities()
        if x.kind == "meeting" and x.account in sponsors and x.invitees == (sponsors[x.account],)
        and x.owner == managers[x.account]
    ]  # fmt: skip
    several = [x for x in o.activities() if x.others]
    assert logged_for_sponsor
    assert several
    for x in several:
        assert x.kind == "meeting"
        assert all(o.contacts[c].account == x.account and c != x.contact for c in x.others), x
    assert [x.key for x in several] == [
        x.key for x in org(size, seed).activities() if x.others
    ]  # deterministic


# --- the partner pipeline and cases (issue 13) -------------------------------------------------


@pytest.mark.parametrize("size", [300, 5000])
def test_alliances_have_deals_at_various_stages_and_a_fifth_an_open_escalation(size: int) -> None:
    o = org(size)
    tiers = {a.key: a.tier for a in alliances(o)}
    per_alliance = Counter(d.account for d in o.deals)
    assert set(per_alliance) <= set(tiers)
    for key, tier in tiers.items():
        low, high = {"strategic": (3, 6), "key": (1, 3), "standard": (0, 2)}[str(tier)]
        assert low <= per_alliance.get(key, 0) <= high
    stages = Counter(d.stage for d in o.deals)
    assert {"won", "lost"} & set(stages)  # some closed ...
    assert len(set(stages) - {"won", "lost"}) >= 3  # ... and open ones at several stages
    if size >= 1000:
        assert {"won", "lost"} <= set(stages)
    assert all(d.amount > 0 and d.amount % 1000 == 0 for d in o.deals)
    assert all((d.close_at <= NOW) == d.closed for d in o.deals)  # closed in the past, open ones ahead
    contact_account = {c.key: c.account for c in o.contacts}
    escalated = {
        c.account if c.account is not None else contact_account[c.contact or -1]
        for c in o.cases
        if c.escalated and c.closed_at is None
    }
    assert escalated <= set(tiers)
    assert len(escalated) == max(1, round(len(tiers) / 5 + 1e-9))
    assert any(c.closed_at is not None for c in o.cases)
    assert any(c.account is None and c.contact is not None for c in o.cases)  # a contact only
    assert all(c.created_at <= c.modified_at <= NOW for c in o.cases)
    assert all(d.created_at <= d.modified_at for d in o.deals)


def test_the_pipeline_is_deterministic_and_moves_with_now() -> None:
    a, b = generate(1000, 3, NOW), generate(1000, 3, NOW)
    assert (a.deals, a.cases) == (b.deals, b.cases)
    later = generate(1000, 3, NOW + timedelta(days=10))
    assert without_times(later.deals) == without_times(a.deals)  # type: ignore[arg-type]
    assert without_times(later.cases) == without_times(a.cases)  # type: ignore[arg-type]
    assert all(
        y.created_at - x.created_at == timedelta(days=10) for x, y in zip(a.deals, later.deals, strict=True)
    )
