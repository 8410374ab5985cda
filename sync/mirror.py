"""The mirror: the slice of the CRM the engine needs, projected onto canonical columns.

Pull pages arrive here as canonical values (see :func:`mappings.records.canonical_values`) and are
stored with the page's cursor in one transaction, so a run killed mid-pull resumes from the last
stored page. Reads for the engine stream or aggregate in SQL: a million activities never sit in
memory at once.

Instants (``occurred_at``, ``opened_at``, ``closed_at``) are stored as the org's wall-clock time
(:mod:`sync.calendar`), so a day is the text's first ten characters on the org's calendar, for a
date-only value and a datetime alike; the state records the zone they were stored in
(``calendar_zone``), and a change of zone pulls everything again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sponsorsync.connectors.timestamps import UTC_ZONES, parse_instant
from sponsorsync.sync.calendar import UTC_CALENDAR, Calendar
from sponsorsync.sync.store import StateStore

KINDS = (
    "users",
    "accounts",
    "contacts",
    "account_team",
    "activities",
    "participants",
    "opportunities",
    "cases",
    "opportunity_partners",
)
SOURCED = frozenset({"activities", "participants"})  # kinds whose rows say which CRM object they came from
# Rows per statement when a page is written to SQLite: one statement per row would hand the
# interpreter lock over at every row (sqlite3 releases it around each step), and a pull thread
# parsing the next page makes each hand-back wait; 200 rows x 14 columns stays far below SQLite's
# 32,766 parameters.
CHUNK_ROWS = 200


# A row made from a table row: the mirror tuple (id, columns, deleted, seen_run), then for an activity
# the ids of its contacts and of its attendee users (empty for other kinds).
TableRow = tuple[tuple[Any, ...], Sequence[Any], Sequence[Any]]


@dataclass(frozen=True, slots=True)
class Row:
    """One canonical record for the mirror."""

    id: str
    values: dict[str, Any]
    deleted: bool = False
    extra: dict[str, Any] | None = None  # CRM values kept verbatim (write-back fields, own tasks)


def _flag(value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return int(bool(value))
    return int(str(value).strip().lower() in ("true", "1", "yes"))


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _instant(value: Any) -> str | None:
    """Dates and datetimes as sortable UTC text: ``YYYY-MM-DDTHH:MM:SSZ``; a date (10 characters)
    is that day's midnight."""
    if value is None or value == "":
        return None
    text = str(value)
    if len(text) == 10:
        return f"{text}T00:00:00Z"
    fast = _utc_instant(text)
    if fast is not None:
        return fast
    try:
        return parse_instant(text).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None


def _utc_instant(text: str) -> str | None:
    """The common case of :func:`_instant` without parsing a time zone: a UTC datetime as the CRMs
    send it (``2024-05-01T10:00:00.000+0000``, ``...Z``); None for anything else."""
    head, tail = text[:19], text[19:]
    if tail not in UTC_ZONES and not (tail[:1] == "." and tail[1:4].isdigit() and tail[4:] in UTC_ZONES):
        return None
    try:
        valid = datetime.fromisoformat(head).isoformat() == head
    except ValueError:
        return None
    return f"{head}Z" if valid else None


def _name(values: dict[str, Any]) -> str | None:
    if values.get("name"):
        return str(values["name"])
    parts = [str(values[k]) for k in ("first_name", "last_name") if values.get(k)]
    return " ".join(parts) or None


def _user(row: Row, source: str) -> tuple[Any, ...]:  # noqa: ARG001
    v = row.values
    active = _flag(v.get("active"))
    return (
        _name(v),
        _text(v.get("email")),
        _text(v.get("title")),
        1 if active is None else active,
        _flag(v.get("executive")),
        _text(v.get("manager_id")),
    )


def _account(row: Row, source: str) -> tuple[Any, ...]:  # noqa: ARG001
    v = row.values
    fields = ("name", "owner_id", "type", "tier", "sponsor_id")
    return (*(_text(v.get(f)) for f in fields), json.dumps(row.extra or {}), _text(v.get("focus")))


def _participant(row: Row, source: str) -> tuple[Any, ...]:
    v = row.values
    counted = not (_flag(v.get("is_record")) or _flag(v.get("declined")))
    return (source, _text(v.get("activity_id")), _text(v.get("person_id")), int(counted))


def _number(value: Any) -> float | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _day_by(instant: Callable[[Any], str | None]) -> Callable[[Any], str | None]:
    """A date (or the day of a datetime, as ``instant`` stores it) as ``YYYY-MM-DD``; None when it
    is not one."""

    def day(value: Any) -> str | None:
        text = instant(value)
        try:
            return None if text is None else date.fromisoformat(text[:10]).isoformat()
        except ValueError:
            return None

    return day


def _checked_by(
    instant: Callable[[Any], str | None], day: Callable[[Any], str | None]
) -> Callable[[Any], str | None]:
    """Like ``instant``, but a 10-character text that is no date is None too."""
    return lambda value: instant(value) if day(value) is not None else None


_day = _day_by(_instant)  # the UTC day of a datetime
_checked_instant = _checked_by(_instant, _day)


def _on_calendar(calendar: Calendar) -> dict[Callable[[Any], Any], Callable[[Any], Any]]:
    """The instant converters of :data:`FIELD_COLUMNS` on the org's calendar: an instant becomes
    the org's wall-clock time (:meth:`sync.calendar.Calendar.wall`), a date stays the day it is. The
    UTC calendar's are the converters themselves."""
    if calendar.is_utc:
        return {}
    wall = calendar.wall

    def instant(value: Any) -> str | None:
        if value is None or value == "":
            return None
        text = str(value)
        if len(text) == 10:  # a date (as _instant reads one): the org's day
            return f"{text}T00:00:00Z"
        utc = _instant(text)
        return None if utc is None else wall(utc)

    day = _day_by(instant)
    return {_instant: instant, _day: day, _checked_instant: _checked_by(instant, day)}


SOURCE = "@source"  # the column holds the name of the CRM object the row came from
OWN_EXTRA = "@own_extra"  # the row's kept CRM values as JSON, only with a sync key (sponsorsync's tasks)
# The kinds whose every column is one canonical field through a converter (or one of the two above),
# in column order. Both ways a row is stored are compiled from this (:func:`column_code`): a
# projected :class:`Row` (:func:`_compiled`) and a Bulk API 2.0 table row
# (:meth:`sync.sources.Source.table_rows`), so the two cannot give different tuples.
FIELD_COLUMNS: dict[str, tuple[tuple[str, Callable[[Any], Any] | None], ...]] = {
    "contacts": (
        ("account_id", _text), ("first_name", _text), ("last_name", _text), ("title", _text),
        ("email", _text), ("partner_executive", _flag),
    ),
    "account_team": (("account_id", _text), ("user_id", _text), ("role", _text)),
    "activities": (
        (SOURCE, None), ("kind", _text), ("owner_id", _text), ("account_id", _text),
        ("occurred_at", _instant), ("completed", _flag), ("subject", _text), ("sync_key", _text),
        (OWN_EXTRA, None),
    ),
    "opportunities": (
        ("account_id", _text), ("name", _text), ("stage", _text), ("amount", _number),
        ("close_date", _day), ("closed", _flag), ("won", _flag), ("owner_id", _text),
        ("closed_at", _checked_instant),
    ),
    "cases": (
        ("account_id", _text), ("contact_id", _text), ("subject", _text), ("priority", _text),
        ("escalated", _flag), ("closed", _flag), ("opened_at", _checked_instant),
        ("closed_at", _checked_instant), ("owner_id", _text),
    ),
    "opportunity_partners": (("opportunity_id", _text), ("account_id", _text), ("role", _text)),
}  # fmt: skip


def column_code(
    kind: str,
    read: Callable[[str], str],
    extra: str,
    scope: dict[str, Any],
    texts: Iterable[str] = (),
    calendar: Calendar = UTC_CALENDAR,
) -> list[str]:
    """Python statements that set ``c0``, ``c1``, ... to the mirror columns of ``kind`` (a
    :data:`FIELD_COLUMNS` kind), with the names they use added to ``scope``. ``read(field)`` is an
    expression of a canonical field's value, ``extra`` one of the row's kept CRM values (a dict or
    None; evaluated only for a row with a sync key), and ``source`` names the CRM object. The
    fields in ``texts`` are known to be a str or None, which :func:`_text` keeps as they are.
    Instants are converted on ``calendar`` (:func:`_on_calendar`)."""
    plain = set(texts)
    bound = _on_calendar(calendar)
    spec = FIELD_COLUMNS[kind]
    keyed = next((i for i, (field, _) in enumerate(spec) if field == "sync_key"), None)
    scope["_dumps"] = json.dumps
    lines = []
    for number, (field, convert) in enumerate(spec):
        if field == SOURCE:
            value = "source"
        elif field == OWN_EXTRA:
            assert keyed is not None, f"{kind}: kept values need a sync key column"
            value = f"(_dumps({extra}) if c{keyed} and ({extra}) is not None else None)"
        elif convert is _text and field in plain:
            value = read(field)
        else:
            scope[f"column{number}"] = bound.get(convert, convert) if convert is not None else convert
            value = f"column{number}({read(field)})"
        lines.append(f"c{number} = {value}")
    return lines


@lru_cache(maxsize=64)
def _compiled(kind: str, calendar: Calendar = UTC_CALENDAR) -> Callable[[Row, str], tuple[Any, ...]]:
    """The columns of a projected :class:`Row` of ``kind``, compiled from :data:`FIELD_COLUMNS`."""
    scope: dict[str, Any] = {}
    lines = column_code(kind, lambda field: f"values.get({field!r})", "row.extra", scope, calendar=calendar)
    names = ", ".join(f"c{i}" for i in range(len(lines)))
    body = "\n    ".join(["values = row.values", *lines, f"return ({names},)"])
    exec(f"def columns(row, source):\n    {body}\n", scope)
    compiled: Callable[[Row, str], tuple[Any, ...]] = scope["columns"]
    return compiled


# Each kind's columns (besides id, deleted, seen_run), in table order.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("name", "email", "title", "active", "executive", "manager_id"),
    "accounts": ("name", "owner_id", "type", "tier", "sponsor_id", "extra", "focus"),
    "participants": ("source", "activity_id", "person_id", "counted"),
    "contacts": ("account_id", "first_name", "last_name", "title", "email", "executive"),
    "account_team": ("account_id", "user_id", "role"),
    "opportunities": (
        "account_id", "name", "stage", "amount", "close_date", "closed", "won", "owner_id", "closed_at"
    ),
    "opportunity_partners": ("opportunity_id", "account_id", "role"),
    "cases": (
        "account_id", "contact_id", "subject", "priority", "escalated", "closed", "opened_at", "closed_at",
        "owner_id",
    ),
    "activities": (
        "source", "kind", "owner_id", "account_id", "occurred_at", "completed", "subject", "sync_key", "extra"
    ),
}  # fmt: skip
# The kinds whose columns are not one field each: projected by hand. The others are compiled from
# FIELD_COLUMNS on the org's calendar (_compiled).
_PROJECTED: dict[str, Callable[[Row, str], tuple[Any, ...]]] = {
    "users": _user,
    "accounts": _account,
    "participants": _participant,
}


@dataclass(frozen=True, slots=True)
class TouchAggregate:
    owner_id: str | None  # an internal user on the activities (owner or attendee); None: anyone's count
    contact_id: str
    last_at: date
    count_90: int
    count_365: int


@dataclass(frozen=True, slots=True)
class OwnTask:
    """A task sponsorsync wrote (it carries a sync key), as the CRM has it now."""

    id: str
    source: str
    sync_key: str
    completed: bool
    deleted: bool
    crm_values: dict[str, Any]


class Mirror:
    def __init__(self, store: StateStore, calendar: Calendar = UTC_CALENDAR) -> None:
        """``calendar``: the org's, on which the rows written are stored (reading needs none)."""
        self.store = store
        self.calendar = calendar
        self.db = store.db
        self._chunked = isinstance(store.db, sqlite3.Connection)  # PostgreSQL pipelines executemany

    # -- writes (inside the caller's transaction) ----------------------------------------------
    def write(self, kind: str, source: str, rows: Iterable[Row], run_id: int) -> int:
        count = 0
        batch: list[Row] = []  # sent together: one round trip per page, not per row, on a server database
        for row in rows:
            if row.deleted and not row.values:
                self._upsert(kind, batch, source, run_id)
                batch = []
                # A deletion without the record's fields (HubSpot archive sweeps): flag what we have.
                self.db.execute(f"UPDATE {kind} SET deleted = 1, seen_run = ? WHERE id = ?", (run_id, row.id))
                continue
            batch.append(row)
            count += 1
        self._upsert(kind, batch, source, run_id)
        return count

    def write_table(self, kind: str, rows: Sequence[TableRow]) -> int:
        """Rows made straight from a Bulk API 2.0 table (:meth:`sync.sources.Source.table_rows`):
        stored as :meth:`write` stores the rows projected from the same records."""
        contacts = [(r[0][0], str(c)) for r in rows for c in r[1] if c]
        users = [(r[0][0], str(u)) for r in rows for u in r[2] if u]
        self._store(kind, [r[0] for r in rows], contacts, users)
        return len(rows)

    def _upsert(self, kind: str, rows: list[Row], source: str, run_id: int) -> None:
        values_of = _PROJECTED.get(kind) or _compiled(kind, self.calendar)
        tuples = [(r.id, *values_of(r, source), int(r.deleted), run_id) for r in rows]
        linked = kind == "activities"
        contacts = (
            [(r.id, str(c)) for r in rows for c in r.values.get("contact_ids") or [] if c] if linked else []
        )
        users = (
            [(r.id, str(u)) for r in rows for u in r.values.get("attendee_ids") or [] if u] if linked else []
        )
        self._store(kind, tuples, contacts, users)

    def _store(
        self,
        kind: str,
        tuples: list[tuple[Any, ...]],
        contacts: list[tuple[str, str]],
        users: list[tuple[str, str]],
    ) -> None:
        """Rows (id, columns, deleted, seen_run), and for activities everyone on them: the links of
        these ids are replaced."""
        if not tuples:
            return
        self._insert(
            f"INSERT OR REPLACE INTO {kind}({', '.join(('id', *_COLUMNS[kind], 'deleted', 'seen_run'))})",
            tuples,
        )
        if kind == "activities":
            ids = [t[0] for t in tuples]
            self._delete("activity_contacts", "activity_id", ids)
            self._insert("INSERT OR IGNORE INTO activity_contacts(activity_id, contact_id)", contacts)
            self._delete("activity_users", "activity_id", ids)
            self._insert("INSERT OR IGNORE INTO activity_users(activity_id, user_id)", users)

    def _insert(self, head: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """``head`` (``INSERT ... INTO t(columns)``) with every row, in order: as if row by row."""
        if not rows:
            return
        one = f"({', '.join('?' * len(rows[0]))})"
        if not self._chunked:
            self.db.executemany(f"{head} VALUES {one}", rows)
            return
        for start in range(0, len(rows), CHUNK_ROWS):
            chunk = rows[start : start + CHUNK_ROWS]
            self.db.execute(
                f"{head} VALUES {', '.join([one] * len(chunk))}", [v for row in chunk for v in row]
            )

    def _delete(self, table: str, column: str, keys: Sequence[str]) -> None:
        """Every row of ``table`` whose ``column`` is one of ``keys``."""
        if not self._chunked:
            self.db.executemany(f"DELETE FROM {table} WHERE {column} = ?", [(k,) for k in keys])
            return
        for start in range(0, len(keys), CHUNK_ROWS):
            chunk = keys[start : start + CHUNK_ROWS]
            self.db.execute(f"DELETE FROM {table} WHERE {column} IN ({', '.join('?' * len(chunk))})", chunk)

    def sweep_unseen(self, kind: str, source: str, run_id: int) -> int:
        """After a complete full pull: rows of this source the pull did not return are gone."""
        scope = " AND source = ?" if kind in SOURCED else ""
        args: tuple[Any, ...] = (run_id, source) if kind in SOURCED else (run_id,)
        cursor = self.db.execute(
            f"UPDATE {kind} SET deleted = 1 WHERE deleted = 0 AND (seen_run IS NULL OR seen_run < ?){scope}",
            args,
        )
        return cursor.rowcount

    def mark_missing(self, kind: str, present: set[str]) -> int:
        """After a complete snapshot (HubSpot owners): everything not in it is gone."""
        rows = self.db.execute(f"SELECT id FROM {kind} WHERE deleted = 0").fetchall()
        gone = [(r[0],) for r in rows if r[0] not in present]
        self.db.executemany(f"UPDATE {kind} SET deleted = 1 WHERE id = ?", gone)
        return len(gone)

    def merge_task(self, task_id: str, values: dict[str, Any], *, completed: bool) -> None:
        row = self.db.execute("SELECT extra FROM activities WHERE id = ?", (task_id,)).fetchone()
        if row is None:
            return
        extra = json.loads(row[0] or "{}") | values
        self.db.execute(
            "UPDATE activities SET extra = ?, completed = CASE WHEN ? = 1 THEN 1 ELSE completed END WHERE id = ?",
            (json.dumps(extra), int(completed), task_id),
        )

    def forget(self, kinds: Iterable[str]) -> None:
        """Drop every row of these kinds (an object section the mapping no longer has)."""
        for kind in kinds:
            if kind not in KINDS:
                raise ValueError(f"unknown mirror kind {kind!r}")
            self.db.execute(f"DELETE FROM {kind}")

    def mark_deleted(self, kind: str, record_id: str) -> None:
        self.db.execute(f"UPDATE {kind} SET deleted = 1 WHERE id = ?", (record_id,))

    def patch_account_extra(self, account_id: str, values: dict[str, Any]) -> None:
        row = self.db.execute("SELECT extra FROM accounts WHERE id = ?", (account_id,)).fetchone()
        if row is None:
            return
        extra = json.loads(row[0] or "{}") | values
        self.db.execute("UPDATE accounts SET extra = ? WHERE id = ?", (json.dumps(extra), account_id))

    # -- reads ---------------------------------------------------------------------------------
    def rows(self, kind: str) -> Iterator[dict[str, Any]]:
        cursor = self.db.execute(f"SELECT * FROM {kind}")
        names = [d[0] for d in cursor.description]
        for values in cursor:
            yield dict(zip(names, values, strict=True))

    def rows_by_id(self, kind: str, ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        self._load_temp("wanted_ids", ids)
        cursor = self.db.execute(f"SELECT k.* FROM {kind} k JOIN wanted_ids w ON w.id = k.id")
        names = [d[0] for d in cursor.description]
        for values in cursor:
            yield dict(zip(names, values, strict=True))

    def contacts_of(self, account_ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        self._load_temp("wanted_accounts", account_ids)
        cursor = self.db.execute(
            "SELECT c.* FROM contacts c JOIN wanted_accounts w ON w.id = c.account_id ORDER BY c.id"
        )
        names = [d[0] for d in cursor.description]
        for values in cursor:
            yield dict(zip(names, values, strict=True))

    def meetings(
        self, account_ids: Iterable[str], since: date, until: date
    ) -> Iterator[tuple[str, str, str | None, date, str | None, frozenset[str]]]:
        """Meetings between ``since`` and ``until`` (inclusive) on these accounts, directly (the
        activity's account) or through a contact of the account: (id, account id, subject, day,
        owner id, internal users on it: owner, attendees and invitees who did not decline)."""
        self._load_temp("wanted_accounts", account_ids)
        start, end = f"{since.isoformat()}T00:00:00Z", f"{until.isoformat()}T23:59:59Z"
        rows = self.db.execute(
            """
            WITH m AS (
                SELECT id, account_id, subject, occurred_at, owner_id FROM activities
                WHERE kind = 'meeting' AND deleted = 0 AND sync_key IS NULL AND occurred_at BETWEEN ? AND ?
            ),
            linked(id, account_id) AS (
                SELECT m.id, m.account_id FROM m JOIN wanted_accounts w ON w.id = m.account_id
                UNION
                SELECT m.id, c.account_id FROM m JOIN activity_contacts ac ON ac.activity_id = m.id
                JOIN contacts c ON c.id = ac.contact_id JOIN wanted_accounts w ON w.id = c.account_id
                UNION
                SELECT m.id, c.account_id FROM m JOIN participants p ON p.activity_id = m.id
                JOIN contacts c ON c.id = p.person_id JOIN wanted_accounts w ON w.id = c.account_id
                WHERE p.deleted = 0
            )
            SELECT m.id, l.account_id, m.subject, m.occurred_at, m.owner_id
            FROM linked l JOIN m ON m.id = l.id ORDER BY m.occurred_at, m.id, l.account_id
            """,
            (start, end),
        ).fetchall()
        if not rows:
            return
        self._load_temp("wanted_ids", {r[0] for r in rows})
        people: dict[str, set[str]] = {}
        for activity_id, user_id in self.db.execute(
            """
            SELECT au.activity_id, au.user_id FROM activity_users au JOIN wanted_ids w ON w.id = au.activity_id
            UNION
            SELECT p.activity_id, p.person_id FROM participants p JOIN wanted_ids w ON w.id = p.activity_id
            JOIN users u ON u.id = p.person_id WHERE p.deleted = 0 AND p.counted = 1
            """
        ):
            people.setdefault(activity_id, set()).add(user_id)
        for activity_id, account_id, subject, occurred_at, owner_id in rows:
            on_it = people.get(activity_id, set()) | ({owner_id} if owner_id else set())
            yield (
                activity_id,
                account_id,
                subject,
                date.fromisoformat(occurred_at[:10]),
                owner_id,
                frozenset(on_it),
            )

    def opportunities_of(self, account_ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        """The live deals of these accounts: on the account, or naming it as a partner (Salesforce
        OpportunityPartner) while on another account (``alliance_id`` says which account a row
        belongs to; a deal on the account that also names it as partner comes once)."""
        self._load_temp("wanted_accounts", account_ids)
        cursor = self.db.execute(
            """
            SELECT o.*, o.account_id AS alliance_id
            FROM opportunities o JOIN wanted_accounts w ON w.id = o.account_id WHERE o.deleted = 0
            UNION
            SELECT o.*, p.account_id AS alliance_id
            FROM opportunity_partners p JOIN wanted_accounts w ON w.id = p.account_id
            JOIN opportunities o ON o.id = p.opportunity_id
            WHERE p.deleted = 0 AND o.deleted = 0 AND (o.account_id IS NULL OR p.account_id <> o.account_id)
            ORDER BY alliance_id, id
            """
        )
        names = [d[0] for d in cursor.description]
        for values in cursor:
            yield dict(zip(names, values, strict=True))

    def cases_of(self, account_ids: Iterable[str]) -> Iterator[dict[str, Any]]:
        """The live cases of these accounts: on the account, or with no account and a contact of it
        (``alliance_id`` says which account a row belongs to)."""
        self._load_temp("wanted_accounts", account_ids)
        cursor = self.db.execute(
            """
            SELECT k.*, k.account_id AS alliance_id
            FROM cases k JOIN wanted_accounts w ON w.id = k.account_id WHERE k.deleted = 0
            UNION ALL
            SELECT k.*, c.account_id AS alliance_id
            FROM cases k JOIN contacts c ON c.id = k.contact_id JOIN wanted_accounts w ON w.id = c.account_id
            WHERE k.deleted = 0 AND k.account_id IS NULL
            ORDER BY alliance_id, id
            """
        )
        names = [d[0] for d in cursor.description]
        for values in cursor:
            yield dict(zip(names, values, strict=True))

    def touches(
        self,
        contact_ids: Iterable[str],
        kinds: Iterable[str],
        today: date,
        *,
        by_owner: bool,
        completed_only: bool,
    ) -> Iterator[TouchAggregate]:
        """Last touch and touch counts per (internal user, contact) for these contacts, from
        activities of the given kinds on or before ``today`` (not sponsorsync's own tasks).

        Everyone on an activity counts: the partner contacts of its record (WhoId, associations) and
        of its relation records (EventRelation / TaskRelation, declined invitees and record relations
        left out); the internal users who own it, attended it (HubSpot attendee owners) or were
        invited (relation records whose person is a user). With ``by_owner`` false the user is None
        and every activity with the contact counts once."""
        self._load_temp("wanted_contacts", contact_ids)
        kind_list = sorted(set(kinds))
        end = f"{today.isoformat()}T23:59:59Z"
        d90 = f"{(today - timedelta(days=90)).isoformat()}T00:00:00Z"
        d365 = f"{(today - timedelta(days=365)).isoformat()}T00:00:00Z"
        hits = f"""
            WITH pc(activity_id, contact_id) AS (
                SELECT ac.activity_id, ac.contact_id
                FROM wanted_contacts w JOIN activity_contacts ac ON ac.contact_id = w.id
                UNION
                SELECT p.activity_id, p.person_id
                FROM wanted_contacts w JOIN participants p ON p.person_id = w.id
                WHERE p.deleted = 0 AND p.counted = 1
            ),
            hits(activity_id, contact_id, owner_id, occurred_at) AS (
                SELECT pc.activity_id, pc.contact_id, a.owner_id, a.occurred_at
                FROM pc JOIN activities a ON a.id = pc.activity_id
                WHERE a.deleted = 0 AND a.sync_key IS NULL AND a.occurred_at IS NOT NULL
                  AND a.occurred_at <= ? AND a.kind IN ({",".join("?" * len(kind_list))})
                  {"AND a.completed = 1" if completed_only else ""}
            )"""
        if by_owner:
            sql = f"""{hits},
            people(activity_id, user_id, contact_id, occurred_at) AS (
                SELECT activity_id, owner_id, contact_id, occurred_at FROM hits WHERE owner_id IS NOT NULL
                UNION
                SELECT h.activity_id, au.user_id, h.contact_id, h.occurred_at
                FROM hits h JOIN activity_users au ON au.activity_id = h.activity_id
                UNION
                SELECT h.activity_id, p.person_id, h.contact_id, h.occurred_at
                FROM hits h JOIN participants p ON p.activity_id = h.activity_id
                JOIN users u ON u.id = p.person_id
                WHERE p.deleted = 0 AND p.counted = 1
            )
            SELECT user_id, contact_id, MAX(occurred_at), SUM(CASE WHEN occurred_at >= ? THEN 1 ELSE 0 END), SUM(CASE WHEN occurred_at >= ? THEN 1 ELSE 0 END)
            FROM people GROUP BY 1, 2"""
        else:
            sql = f"""{hits}
            SELECT NULL, contact_id, MAX(occurred_at), SUM(CASE WHEN occurred_at >= ? THEN 1 ELSE 0 END), SUM(CASE WHEN occurred_at >= ? THEN 1 ELSE 0 END)
            FROM hits GROUP BY 2"""
        for owner_id, contact_id, last_at, c90, c365 in self.db.execute(sql, (end, *kind_list, d90, d365)):
            yield TouchAggregate(owner_id, contact_id, date.fromisoformat(last_at[:10]), int(c90), int(c365))

    def monthly_touches(
        self,
        executives: dict[str, list[str]],
        kinds: Iterable[str],
        today: date,
        *,
        months: int = 12,
        completed_only: bool = True,
    ) -> dict[str, dict[str, int]]:
        """Executive touches per alliance per calendar month, for the ``months`` months ending with
        today's: activities of the given kinds (completed ones with ``completed_only``; not
        sponsorsync's own tasks) between an internal user (its owner, an attendee or an invitee) and a
        partner executive of the alliance. ``executives``: alliance id -> its partner executives'
        contact ids. Returns alliance id -> {"YYYY-MM": activities}; one SQL aggregate."""
        self.db.execute(
            "CREATE TEMP TABLE IF NOT EXISTS wanted_executives (contact_id TEXT, alliance_id TEXT, "
            "PRIMARY KEY (contact_id, alliance_id)) WITHOUT ROWID"
        )
        self.db.execute("DELETE FROM wanted_executives")
        self.db.executemany(
            "INSERT OR IGNORE INTO wanted_executives(contact_id, alliance_id) VALUES (?, ?)",
            ((c, a) for a, contacts in executives.items() for c in contacts),
        )
        kind_list = sorted(set(kinds))
        index = today.year * 12 + today.month - 1 - (months - 1)
        start = f"{index // 12:04d}-{index % 12 + 1:02d}-01T00:00:00Z"
        end = f"{today.isoformat()}T23:59:59Z"
        sql = f"""
            WITH pc(activity_id, alliance_id) AS (
                SELECT ac.activity_id, w.alliance_id
                FROM wanted_executives w JOIN activity_contacts ac ON ac.contact_id = w.contact_id
                UNION
                SELECT p.activity_id, w.alliance_id
                FROM wanted_executives w JOIN participants p ON p.person_id = w.contact_id
                WHERE p.deleted = 0 AND p.counted = 1
            )
            SELECT pc.alliance_id, substr(a.occurred_at, 1, 7), COUNT(DISTINCT a.id)
            FROM pc JOIN activities a ON a.id = pc.activity_id
            WHERE a.deleted = 0 AND a.sync_key IS NULL AND a.occurred_at >= ? AND a.occurred_at <= ?
              AND a.kind IN ({",".join("?" * len(kind_list))})
              {"AND a.completed = 1" if completed_only else ""}
              AND (a.owner_id IN (SELECT id FROM users)
                   OR EXISTS (SELECT 1 FROM activity_users au WHERE au.activity_id = a.id)
                   OR EXISTS (SELECT 1 FROM participants p JOIN users u ON u.id = p.person_id
                              WHERE p.activity_id = a.id AND p.deleted = 0 AND p.counted = 1))
            GROUP BY 1, 2"""
        found: dict[str, dict[str, int]] = {}
        for alliance_id, month, count in self.db.execute(sql, (start, end, *kind_list)):
            found.setdefault(alliance_id, {})[month] = int(count)
        return found

    def completed_on(self) -> dict[str, date]:
        """For sponsorsync's own tasks the CRM holds completed: the date of the sync that pulled them
        completed (its ``today`` by the CRM's clock, else its start), an upper bound of when they were
        done."""
        rows = self.db.execute(
            "SELECT a.sync_key, COALESCE(json_extract(r.counts, '$.today'), r.started_at) "
            "FROM activities a JOIN runs r ON r.id = a.seen_run WHERE a.sync_key IS NOT NULL AND a.completed = 1"
        )
        return {key: date.fromisoformat(started[:10]) for key, started in rows if started}

    def own_tasks(self) -> Iterator[OwnTask]:
        for row in self.db.execute(
            "SELECT id, source, sync_key, completed, deleted, extra FROM activities WHERE sync_key IS NOT NULL"
        ):
            yield OwnTask(row[0], row[1], row[2], bool(row[3]), bool(row[4]), json.loads(row[5] or "{}"))

    def size(self, kind: str, source: str) -> int:
        """Rows a source left in the mirror (how big its next full pull will be)."""
        if kind in SOURCED:
            row = self.db.execute(f"SELECT COUNT(*) FROM {kind} WHERE source = ?", (source,)).fetchone()
        else:
            row = self.db.execute(f"SELECT COUNT(*) FROM {kind}").fetchone()
        return int(row[0])

    def counts(self) -> dict[str, int]:
        return {
            kind: int(self.db.execute(f"SELECT COUNT(*) FROM {kind} WHERE deleted = 0").fetchone()[0])
            for kind in KINDS
        }

    def _load_temp(self, name: str, ids: Iterable[str]) -> None:
        self.db.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} (id TEXT PRIMARY KEY) WITHOUT ROWID")
        self.db.execute(f"DELETE FROM {name}")
        self.db.executemany(f"INSERT OR IGNORE INTO {name}(id) VALUES (?)", ((i,) for i in ids))
