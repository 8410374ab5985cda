"""The activity stream of the synthetic org: about ten calls, meetings, e-mails, tasks and notes per
contact over the two years before ``now``, regenerated lazily on every pass.

How many activities each contact gets is fixed when the org is generated (so the total is known
without iterating); what they are is drawn here from one seeded stream in contact-key order, so
every pass yields the same records and none of them is kept in memory.
"""

from __future__ import annotations

import random
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sponsorsync.sandbox.orggen_names import SPONSOR_SUBJECTS, SUBJECTS
from sponsorsync.sandbox.orggen_records import DAY, ActivityKind, OrgActivity

HISTORY_SECONDS = 730 * DAY  # how far back activities go
HORIZON_SECONDS = 30 * DAY  # how far ahead open tasks and scheduled meetings go
LATEST_PAST = HISTORY_SECONDS - 60  # stays inside the window even when `now` has a fraction of a second
_ACTIVE = -(10**12)  # deactivation "offset" of an active user: every activity is before it

# Mix of ordinary activities: cumulative probability of each kind, and the chance that a call,
# meeting or task lies ahead (scheduled, or an open task) rather than in the past.
_EMAIL, _CALL, _MEETING, _TASK = 0.34, 0.52, 0.68, 0.90  # notes: the rest
_CALL_AHEAD, _MEETING_AHEAD, _TASK_AHEAD = 0.03, 0.06, 0.08
_MEETING_MINUTES = (15, 30, 30, 30, 45, 60, 60, 90)
_OPEN_PAST_TASK = 0.07  # overdue tasks left open
_WITHOUT_CONTACT = 0.04  # account-level notes and tasks
_SPONSOR_MINUTES = (20, 30, 30, 45, 60, 90)


@dataclass(frozen=True, slots=True)
class SponsorTouches:
    """The sponsor's own calls, meetings and e-mails with the partner executive counterpart:
    ``past`` completed ones, the latest exactly ``last_offset`` seconds before now, and possibly one
    meeting scheduled ahead."""

    sponsor: int
    account: int
    contact: int
    past: int
    scheduled: bool
    last_offset: int


@dataclass(frozen=True, slots=True)
class ActivityPlan:
    """Everything the stream needs besides the seed, in flat per-key sequences."""

    base_ts: int  # `now` as whole POSIX seconds
    general: array[int]  # per contact: number of ordinary activities
    window: array[int]  # per contact: seconds of history (shorter for contacts created recently)
    touches: dict[int, SponsorTouches]  # per counterpart contact
    contact_account: Sequence[int | None]
    contact_owner: Sequence[int]
    contact_first_name: Sequence[str]
    account_owner: Sequence[int]
    account_label: Sequence[str]  # short company name used in subjects
    account_pool: Sequence[tuple[int, ...]]  # per account: staff who may own its activities
    orphan_pool: tuple[int, ...]  # staff who may own activities of contacts without an account
    deactivated: Sequence[int]  # per user: seconds before now it was deactivated, or _ACTIVE

    @property
    def count(self) -> int:
        scheduled = sum(1 for t in self.touches.values() if t.scheduled)
        return sum(self.general) + sum(t.past for t in self.touches.values()) + scheduled


def deactivation_offsets(active: Sequence[bool], modified_offsets: Sequence[int]) -> list[int]:
    return [
        _ACTIVE if is_active else offset for is_active, offset in zip(active, modified_offsets, strict=True)
    ]


def stream(plan: ActivityPlan, seed: int) -> Iterator[OrgActivity]:
    rng = random.Random(f"sponsorsync-orggen:{seed}:activities")
    rnd = rng.random
    base = plan.base_ts
    stamp = datetime.fromtimestamp
    deactivated = plan.deactivated
    subjects = {kind: [(s, "{" in s) for s in pool] for kind, pool in SUBJECTS.items()}
    colleagues: dict[int, list[int]] = {}  # per sponsored account: its first contacts, in key order
    sponsored = {t.account for t in plan.touches.values()}
    for contact, account in enumerate(plan.contact_account):
        if account in sponsored and len(colleagues.setdefault(account, [])) < 2:
            colleagues[account].append(contact)
    key = 0
    for contact, general in enumerate(plan.general):
        account = plan.contact_account[contact]
        if account is None:
            main_owner, pool, label = plan.contact_owner[contact], plan.orphan_pool, ""
            if deactivated[main_owner] != _ACTIVE:
                main_owner = pool[contact % len(pool)]
        else:
            main_owner, pool, label = (
                plan.account_owner[account],
                plan.account_pool[account],
                plan.account_label[account],
            )
        contact_owner = plan.contact_owner[contact]
        first = plan.contact_first_name[contact]
        window = plan.window[contact]
        for _ in range(general):
            u = rnd()
            kind: ActivityKind
            if u < _EMAIL:
                kind, future = "email", False
            elif u < _CALL:
                kind, future = "call", rnd() < _CALL_AHEAD
            elif u < _MEETING:
                kind, future = "meeting", rnd() < _MEETING_AHEAD
            elif u < _TASK:
                kind, future = "task", rnd() < _TASK_AHEAD
            else:
                kind, future = "note", False
            if future:
                offset = -60 * (1 + int(rnd() * (HORIZON_SECONDS // 60 - 1)))
            else:
                offset = 60 * int(rnd() * (window // 60))
            u = rnd()
            if u < 0.65:
                owner = main_owner
            elif u < 0.75:
                owner = contact_owner
            else:
                owner = pool[int(rnd() * len(pool))]
            if offset <= deactivated[owner]:  # owner had left by then: the account owner took it
                owner = main_owner
            at = stamp(base - offset, UTC)
            if future:
                completed = False
                created = modified = stamp(base - int(rnd() * 14 * DAY), UTC)
            elif kind == "task" or kind == "meeting":
                completed = kind == "meeting" or rnd() >= _OPEN_PAST_TASK
                created = stamp(base - offset - int(rnd() * 14 * DAY), UTC)
                modified = at if completed else created
            else:
                completed = True
                created = modified = at
            duration = 0
            if kind == "meeting":
                duration = _MEETING_MINUTES[int(rnd() * len(_MEETING_MINUTES))]
            elif kind == "call":
                duration = 5 + int(rnd() * 40)
            pool_subjects = subjects[kind]
            subject, templated = pool_subjects[int(rnd() * len(pool_subjects))]
            if templated:
                subject = subject.format(a=label or first, f=first)
            who: int | None = contact
            if account is not None and (kind == "note" or kind == "task") and rnd() < _WITHOUT_CONTACT:
                who = None
            yield OrgActivity(
                key, kind, subject, at, duration, owner, who, account, completed, created, modified
            )
            key += 1
        touches = plan.touches.get(contact)
        if touches is not None:
            for activity in _sponsor_touches(
                touches, rnd, base, key, plan.account_label[touches.account], first,
                plan.account_owner[touches.account], _colleague(colleagues, touches.account, contact),
            ):  # fmt: skip
                yield activity
                key += 1


def _colleague(colleagues: dict[int, list[int]], account: int, contact: int) -> int | None:
    """Another contact of the same account (its first one in key order), for multi-attendee meetings."""
    return next((c for c in colleagues.get(account, ()) if c != contact), None)


def _sponsor_touches(
    touches: SponsorTouches,
    rnd: Callable[[], float],
    base: int,
    key: int,
    label: str,
    first: str,
    manager: int,
    colleague: int | None,
) -> Iterator[OrgActivity]:
    """The sponsor's touches with the counterpart, oldest first, then the scheduled meeting.

    Who is on a past meeting follows its rank among the sponsor's meetings, not the random stream
    (the rest of the org stays as it was): the 1st, 4th, 7th ... are logged by the alliance manager
    with the sponsor as invitee; the 2nd, 5th, ... have a second partner contact and the manager
    attending too."""
    last = touches.last_offset
    spread = LATEST_PAST - last
    offsets = sorted((last + 60 * int(rnd() * (spread // 60)) for _ in range(touches.past - 1)), reverse=True)
    offsets.append(last)
    stamp = datetime.fromtimestamp
    meetings = 0
    for offset in offsets:
        u = rnd()
        kind: ActivityKind = "meeting" if u < 0.45 else "call" if u < 0.7 else "email"
        at = stamp(base - offset, UTC)
        created = stamp(base - offset - int(rnd() * 14 * DAY), UTC) if kind == "meeting" else at
        duration = 0 if kind == "email" else _SPONSOR_MINUTES[int(rnd() * len(_SPONSOR_MINUTES))]
        subject = _pick(SPONSOR_SUBJECTS[kind], rnd).format(a=label, f=first)
        owner = touches.sponsor
        invitees: tuple[int, ...] = ()
        others: tuple[int, ...] = ()
        if kind == "meeting":
            meetings += 1
            if meetings % 3 == 1 and manager != touches.sponsor:
                owner, invitees = manager, (touches.sponsor,)
            elif meetings % 3 == 2 and colleague is not None:
                invitees, others = ((manager,) if manager != touches.sponsor else ()), (colleague,)
        yield OrgActivity(
            key,
            kind,
            subject,
            at,
            duration,
            owner,
            touches.contact,
            touches.account,
            True,
            created,
            at,
            invitees,
            others,
        )
        key += 1
    if touches.scheduled:
        at = stamp(base + DAY * (1 + int(rnd() * 21)), UTC)
        created = stamp(base - int(rnd() * 7 * DAY), UTC)
        subject = _pick(SPONSOR_SUBJECTS["meeting"], rnd).format(a=label, f=first)
        duration = _SPONSOR_MINUTES[int(rnd() * len(_SPONSOR_MINUTES))]
        yield OrgActivity(
            key,
            "meeting",
            subject,
            at,
            duration,
            touches.sponsor,
            touches.contact,
            touches.account,
            False,
            created,
            created,
        )


def _pick(pool: Sequence[str], rnd: Callable[[], float]) -> str:
    return pool[int(rnd() * len(pool))]
