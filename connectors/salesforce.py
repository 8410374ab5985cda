"""The Salesforce connector, on simple-salesforce (unmodified).

Reads go through ``queryAll`` ordered by the watermark (``SystemModstamp``) and Id, so deletions
(``IsDeleted``) and archived activities arrive and every page leaves a safe cursor. Writes use sObject
Collections (200 records a call, ``allOrNone`` off), upserting on the external sync key. Every HTTP
request passes through one ``requests.Session`` of ours: it trusts exactly the configured CAs
(``trust_env`` off, SDK-NOTES S1), carries a default timeout, and its response hook records the
``Date`` and ``Sforce-Limit-Info`` headers and counts calls. SDK exceptions are translated by the
table in :mod:`connectors.salesforce_errors` and never leave this package.
"""

from __future__ import annotations

import logging
import re
import ssl
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from simple_salesforce.api import Salesforce

from sponsorsync.connectors.base import (
    CheckReport,
    CrmName,
    Cursor,
    FieldDefinition,
    FieldSchema,
    ObjectSchema,
    ObjectSpec,
    OrgIdentity,
    Page,
    Record,
    RecordTable,
    SetupStep,
    WriteItem,
    WriteResult,
)
from sponsorsync.connectors.errors import (
    AuthFailed,
    ConfigError,
    CrmRequestError,
    CrmUnreachable,
    Interrupted,
)
from sponsorsync.connectors.paging import CursorTracker, TokenLoopGuard
from sponsorsync.connectors.retry import RetryPolicy, call_with_retry, check_stop
from sponsorsync.connectors.salesforce_auth import SalesforceLogin
from sponsorsync.connectors.salesforce_bulk import BulkJobFailed, BulkQuery, cells_of, eligible, field_types
from sponsorsync.connectors.salesforce_errors import LocatorExpired, SessionExpired, translate
from sponsorsync.connectors.salesforce_ranges import Progress, bounds, parallel_pages, ranges_for, split
from sponsorsync.connectors.throttle import CallBudget, QuotaGuard
from sponsorsync.connectors.timestamps import parse_http_date, parse_instant, soql_datetime
from sponsorsync.connectors.tls import TrustAdapter

log = logging.getLogger(__name__)
T = TypeVar("T")

BATCH_SIZE = 200  # sObject Collections limit
MAX_BATCH = 25  # subrequests of one composite/batch call
# Objects without an IsDeleted field (they are deactivated, not deleted).
NO_IS_DELETED = frozenset({"user", "group", "profile", "userrole", "organization", "recordtype"})
RETRY_RECORD_CODES = frozenset({"UNABLE_TO_LOCK_ROW"})
MAX_RELOGINS = 10  # per run: a session that keeps expiring means something else is wrong
_API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
ORG_TIME_ZONE_SOQL = "SELECT TimeZoneSidKey FROM Organization"  # the org's default time zone
# Field history objects whose name does not follow <Object>History / <Object>Id.
HISTORY_OBJECTS = {"opportunity": ("OpportunityFieldHistory", "OpportunityId")}


class _Session(requests.Session):
    """Our session: a default timeout on every request the SDK sends through it."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, *args, **kwargs)


class SalesforceConnector:
    crm: CrmName = "salesforce"
    # Objects whose records, deleted on their own, leave no IsDeleted row for queryAll (Salesforce
    # sends them to no recycle bin): a deletion sweep reads them in full, and what it does not
    # return is gone.
    full_sweep: frozenset[str] = frozenset({"eventrelation", "taskrelation"})

    def __init__(
        self,
        login: SalesforceLogin,
        *,
        api_version: str,
        verify: ssl.SSLContext | None,
        timeout: float,
        concurrency: int,
        quota_reserve: float,
        lookback: timedelta,
        budget: CallBudget,
        retry: RetryPolicy,
        bulk_threshold: int = 10_000,
    ) -> None:
        self._login = login
        self._bulk_threshold = bulk_threshold
        self._planned: dict[str, ObjectSpec] = {}  # objects this run pulls, described together
        self._types: dict[str, dict[str, str]] = {}  # object (lower case) -> field types
        self._types_lock = threading.Lock()
        self._api_version = api_version
        self._verify = verify
        self._timeout = timeout
        self._concurrency = concurrency
        self._lookback = lookback
        self._budget = budget
        self._retry = retry
        self._guard = QuotaGuard(quota_reserve, "SPONSORSYNC_LIMITS__SALESFORCE_QUOTA_RESERVE")
        self._lock = threading.Lock()  # counters and the server time (taken by the response hook)
        self._renew_lock = threading.Lock()  # one re-login at a time (the login's own responses take _lock)
        self._local = threading.local()
        self._in_flight = threading.BoundedSemaphore(concurrency)  # requests at once, ranges included
        self._calls = 0
        self._server_time: datetime | None = None
        self._session_id, self._instance = login.login(self._new_session())
        self._generation = 0
        self._relogins = 0

    # -- plumbing ------------------------------------------------------------------------------
    def _new_session(self) -> requests.Session:
        session = _Session(self._timeout)
        session.trust_env = False
        if self._verify is None:  # verification turned off (SPONSORSYNC_INSECURE_SKIP_TLS_VERIFY)
            session.verify = False
        else:
            session.mount("https://", TrustAdapter(self._verify))
        session.hooks["response"].append(self._on_response)
        return session

    def _on_response(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        with self._lock:
            self._calls += 1
            when = parse_http_date(response.headers.get("Date"))
            if when is not None:
                self._server_time = when
        usage = response.headers.get("Sforce-Limit-Info", "")
        used: int | None = None
        total: int | None = None
        for part in usage.split(";"):
            name, _, value = part.strip().partition("=")
            if name == "api-usage" and "/" in value:
                used_text, _, total_text = value.partition("/")
                if used_text.isdigit() and total_text.isdigit():
                    used, total = int(used_text), int(total_text)
        self._guard.answered(used, total)  # this call no longer counts as in flight

    def _client(self) -> Salesforce:
        local = self._local
        if getattr(local, "generation", None) != self._generation:
            local.session = self._new_session()
            local.client = Salesforce(
                instance=self._instance,
                session_id=self._session_id,
                session=local.session,
                version=self._api_version,
                object_pairs_hook=dict,
            )
            local.generation = self._generation
        client: Salesforce = local.client
        return client

    def _relogin(self, generation: int) -> None:
        with self._renew_lock:
            if generation != self._generation:
                return  # another thread already renewed the session
            if not self._login.can_renew or self._relogins >= MAX_RELOGINS:
                raise AuthFailed(
                    "Salesforce rejected the session (INVALID_SESSION_ID)",
                    hint=self._login.renew_hint,
                )
            self._relogins += 1
            log.info("Salesforce session expired; logging in again")
            self._session_id, self._instance = self._login.login(self._new_session())
            self._generation += 1

    def _call(self, what: str, fn: Callable[[Salesforce], T]) -> T:
        """One SDK call (one HTTP request): budget and quota checks (calls in flight included), the
        retry layer, error translation, and one re-login when the session expired (login modes only)."""

        def attempt() -> T:
            for renewed in (False, True):
                self._budget.spend()
                generation = self._generation
                try:
                    with self._in_flight, self._guard.slot():  # the quota reserve counts calls in flight
                        check_stop()  # a stop requested while this call waited for its slot
                        return fn(self._client())
                except Exception as exc:  # translated at the boundary: no SDK exception leaves
                    translated = translate(exc, what)
                    if isinstance(translated, SessionExpired) and not renewed:
                        self._relogin(generation)
                        continue
                    if isinstance(translated, SessionExpired):
                        raise AuthFailed(
                            "Salesforce rejected a freshly issued session (INVALID_SESSION_ID)",
                            hint="check that the integration user is active and allowed API access",
                        ) from None
                    raise translated from None
            raise AssertionError("unreachable")

        return call_with_retry(attempt, self._retry, what=what)

    # -- protocol ------------------------------------------------------------------------------
    def api_calls(self) -> int:
        return self._calls

    def server_time(self) -> datetime:
        if self._server_time is None:
            self._restful("reading the API resources", "")
        return self._server_time or datetime.now(UTC)

    def close(self) -> None:
        session = getattr(self._local, "session", None)
        if session is not None:
            session.close()

    def check(self) -> CheckReport:
        limits: dict[str, Any] = self._call("reading the org's limits", lambda sf: sf.limits()) or {}
        daily = limits.get("DailyApiRequests", {})
        maximum, remaining = daily.get("Max"), daily.get("Remaining")
        used = maximum - remaining if isinstance(maximum, int) and isinstance(remaining, int) else None
        return CheckReport(
            crm="salesforce",
            identity=f"{self._instance} ({self._login.kind} login)",
            api_used=used,
            api_limit=maximum if isinstance(maximum, int) else None,
        )

    def identity(self) -> OrgIdentity:
        # The version's resource list names the identity URL: https://host/id/<org id>/<user id>.
        resources: dict[str, Any] = self._restful("reading the API resources", "") or {}
        url = str(resources.get("identity") or "")
        parts = urlsplit(url).path.strip("/").split("/")
        if len(parts) < 3 or parts[-3] != "id" or not parts[-2].startswith("00D"):
            raise CrmRequestError(
                f"Salesforce sent no usable identity URL ({url[:100]!r}) while reading the API resources",
                status=200,
                hint="check SPONSORSYNC_SALESFORCE__INSTANCE_URL points at the org's My Domain",
            )
        return OrgIdentity(org_id=parts[-2], instance_url=f"https://{self._instance}", user_id=parts[-1])

    def org_time_zone(self) -> str | None:
        """The org's default time zone (``Organization.TimeZoneSidKey``, an IANA name or ``GMT``):
        one query. None, with a warning, when the user may not read it or it is empty."""
        try:
            rows = self._soql("reading the org's time zone", ORG_TIME_ZONE_SOQL)
        except CrmRequestError as exc:  # e.g. INVALID_TYPE: Organization hidden from the user
            log.warning(
                "Salesforce refused to tell the org's time zone (%s): the zone read before is kept (none: "
                "UTC); set SPONSORSYNC_SYNC__TIMEZONE to the org's zone",
                exc.error_code or exc.status,
            )
            return None
        zone = rows[0].get("TimeZoneSidKey") if rows else None
        if not isinstance(zone, str) or not zone.strip():
            log.warning("Salesforce's Organization record names no time zone: days are counted in UTC")
            return None
        return zone.strip()

    def describe(self, object_name: str) -> ObjectSchema:
        raw: dict[str, Any] = (
            self._restful(f"describing {object_name}", f"sobjects/{object_name}/describe") or {}
        )
        fields = {
            f["name"]: FieldSchema(
                name=f["name"],
                type=f.get("type", ""),
                label=f.get("label", ""),
                createable=bool(f.get("createable")),
                updateable=bool(f.get("updateable")),
                external_id=bool(f.get("externalId")),
                unique=bool(f.get("unique")),
                picklist_values=tuple(
                    p["value"] for p in f.get("picklistValues") or () if p.get("active", True)
                ),
                reference_to=tuple(f.get("referenceTo") or ()),
            )
            for f in raw.get("fields", [])
        }
        return ObjectSchema(
            name=raw.get("name", object_name),
            fields=fields,
            createable=bool(raw.get("createable")),
            updateable=bool(raw.get("updateable")),
        )

    def field_history(
        self, object_name: str, field: str, ids: Sequence[str], since: datetime
    ) -> dict[str, datetime]:
        """One query (paged) over the object's history rows for ``field`` since ``since``; the
        latest change per record among ``ids``. A field without history tracking has no rows; a
        history object the user cannot see (INVALID_TYPE) gives {} and one warning."""
        for name in (object_name, field):
            if not _API_NAME.match(name):
                raise ConfigError(
                    f"{name!r} is not a Salesforce API name (field history of {object_name}.{field})",
                    hint="check the object and field names in the mapping",
                )
        history, parent = _history_object(object_name)
        wanted = {record_id[:15]: record_id for record_id in ids}
        if not wanted:
            return {}
        since = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
        soql = (
            f"SELECT {parent}, CreatedDate FROM {history} WHERE Field = '{field}' "
            f"AND CreatedDate >= {soql_datetime(since)} ORDER BY CreatedDate DESC"
        )
        what = f"reading the field history of {object_name}.{field}"
        found: dict[str, datetime] = {}
        try:
            for raw in self._history_rows(what, soql):
                record_id = wanted.get(str(raw.get(parent) or "")[:15])
                when = raw.get("CreatedDate")
                if record_id is None or not isinstance(when, str):
                    continue
                changed = parse_instant(when)
                if changed >= since and (record_id not in found or changed > found[record_id]):
                    found[record_id] = changed
        except CrmRequestError as exc:
            if exc.error_code != "INVALID_TYPE":
                raise
            log.warning(
                "Salesforce field history is unavailable (%s cannot be queried by the integration user): "
                "a sponsor appointed recently is not told apart from a long-standing one",
                history,
            )
            return {}
        return found

    def _history_rows(self, what: str, soql: str) -> Iterator[dict[str, Any]]:
        """Every record of ``soql`` (non-deleted rows, ``query``), page after page; a query cursor
        that expired mid-way is read again from the start, once."""
        for attempt in (1, 2):
            rows: list[dict[str, Any]] = []
            result: dict[str, Any] = self._call(what, lambda sf: sf.query(soql))
            guard = TokenLoopGuard(what)
            try:
                while True:
                    rows.extend(result.get("records", []))
                    if result.get("done", True) or not result.get("nextRecordsUrl"):
                        yield from rows
                        return
                    next_url = str(result["nextRecordsUrl"])
                    guard.check(next_url)
                    result = self._query_more(what, next_url)
            except LocatorExpired:
                if attempt == 2:
                    raise CrmUnreachable(
                        f"Salesforce's query cursor expired twice while {what}",
                        hint="run again; if it persists, the org is under heavy load",
                    ) from None
                log.info("query locator expired while %s; reading it again", what)
        raise AssertionError("unreachable")

    def prepare_pulls(self, specs: Sequence[ObjectSpec]) -> None:
        """The objects this run pulls: the first one that goes through Bulk API 2.0 describes them
        all in one composite/batch call (CSV values are typed by the describe)."""
        for spec in specs:
            self._planned.setdefault(spec.name.lower(), spec)

    def pull(
        self,
        spec: ObjectSpec,
        cursor: Cursor | None,
        *,
        sweep_deletions: bool = True,  # noqa: ARG002 (queryAll brings deletions on every pull)
        bulk: bool = True,
    ) -> Iterator[Page]:
        """REST ``queryAll`` pages ordered by the watermark. The first page's ``totalSize`` says how
        many records the pull reads: when at least ``bulk_threshold`` remain after it, the rest is
        read through one Bulk API 2.0 job (see :meth:`_pull_bulk`)."""
        has_deleted = spec.name.lower() not in NO_IS_DELETED
        fields = _pulled_fields(spec, has_deleted)
        soql = f"{_select(spec, fields, cursor, self._lookback)} ORDER BY {spec.watermark} ASC, Id ASC"
        what = f"reading {spec.name}"
        first = self._call(what, lambda sf: sf.query(soql, include_deleted=True))
        until = self._server_time or datetime.now(UTC)
        tracker = CursorTracker(spec.watermark, cursor, until)
        guard = TokenLoopGuard(what)
        result: dict[str, Any] = first
        while True:
            records = []
            for raw in result.get("records", []):
                record = _record(raw, has_deleted)
                if tracker.admit(record.id, raw.get(spec.watermark)):
                    records.append(record)
            done = bool(result.get("done", True)) or not result.get("nextRecordsUrl")
            expected = _total(first) if result is first else None
            if not done and result is first and bulk and self._wants_bulk(spec, fields, first):
                yield Page(records, tracker.cursor(), complete=False, expected=expected)
                yield from self._pull_bulk(spec, fields, tracker, {r.id for r in records})
                return
            parts = self._ranges(first) if not done and result is first and bulk else 1
            if parts > 1:
                yield Page(records, tracker.cursor(), complete=False, expected=expected)
                yield from self._pull_ranges(spec, fields, tracker, first, parts, {r.id for r in records})
                return
            yield Page(
                records, tracker.finished() if done else tracker.cursor(), complete=done, expected=expected
            )
            if done:
                return
            next_url = str(result["nextRecordsUrl"])
            guard.check(next_url)
            try:
                result = self._query_more(what, next_url)
            except LocatorExpired:
                # The query cursor expired (idle too long): resume from the safe cursor so far.
                log.info("query locator for %s expired; resuming from the last cursor", spec.name)
                yield from self.pull(spec, tracker.cursor(), bulk=bulk)
                return

    # -- setup and cleanup (SchemaAdmin; the Tooling API work is in salesforce_setup.py) -------------
    def create_fields(self, fields: Sequence[FieldDefinition]) -> list[SetupStep]:
        from sponsorsync.connectors.salesforce_setup import create_fields

        return create_fields(self._restful, self._soql, fields, self.identity().user_id)

    def keyed_records(self, object_name: str, key_field: str, fields: Sequence[str]) -> list[Record]:
        wanted = list(dict.fromkeys([key_field, *fields]))
        soql = f"SELECT {', '.join(['Id', *wanted])} FROM {object_name} WHERE {key_field} != null"
        records = [_record(raw, False) for raw in self._soql(f"reading {object_name} by {key_field}", soql)]
        return [Record(r.id, {name: r.fields.get(name) for name in wanted}) for r in records]

    def delete(self, object_name: str, ids: Sequence[str]) -> list[WriteResult]:
        results: list[WriteResult] = []
        for start in range(0, len(ids), BATCH_SIZE):
            batch = list(ids[start : start + BATCH_SIZE])
            params = {"ids": ",".join(batch), "allOrNone": "false"}

            def send(sf: Salesforce, params: dict[str, str] = params) -> Any:
                return sf.restful("composite/sobjects", params=params, method="DELETE")

            answer = self._call(f"deleting {object_name} records", send) or []
            results += [
                _write_result(WriteItem(key, {}), raw) for key, raw in zip(batch, answer, strict=False)
            ]
        return results

    def _soql(self, what: str, soql: str) -> list[dict[str, Any]]:
        """Every record a query returns (all its pages)."""
        return [raw for result in self._results(what, soql) for raw in result.get("records", [])]

    def _results(self, what: str, soql: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """Each page of a query's result, as it is read (``include_deleted``: ``queryAll``)."""
        result: dict[str, Any] = self._call(what, lambda sf: sf.query(soql, include_deleted=include_deleted))
        yield result
        guard = TokenLoopGuard(what)
        while not result.get("done", True) and result.get("nextRecordsUrl"):
            guard.check(str(result["nextRecordsUrl"]))
            result = self._query_more(what, str(result["nextRecordsUrl"]))
            yield result

    def _wants_bulk(self, spec: ObjectSpec, fields: Sequence[str], first: dict[str, Any]) -> bool:
        total = int(first.get("totalSize") or 0)
        remaining = total - len(first.get("records", []))
        use = 0 < self._bulk_threshold <= remaining and eligible(fields)
        log.info(
            "Salesforce %s: %d records to read, %s",
            spec.name,
            total,
            f"the {remaining} after the first page through Bulk API 2.0 (threshold {self._bulk_threshold})"
            if use
            else "through REST queryAll pages",
        )
        return use

    def _pull_bulk(
        self, spec: ObjectSpec, fields: Sequence[str], tracker: CursorTracker, seen: set[str]
    ) -> Iterator[Page]:
        """The rest of a pull through one Bulk API 2.0 ``queryAll`` job from the first page's
        cursor (minus the look-back). Its rows come in no useful order, so every page but the last
        keeps that cursor; the last moves it as a complete REST pull would. The first page's records
        are not handed on twice. A job that fails is replaced by REST pages from the same cursor."""
        has_deleted = spec.name.lower() not in NO_IS_DELETED
        hold = tracker.cursor()
        pulled = {name.casefold() for name in fields}
        key = spec.key_field.casefold() if spec.key_field else ""
        keyed = {name.casefold() for name in spec.keyed_fields} - {key} if key in pulled else set()
        soql = _select(spec, [f for f in fields if f.casefold() not in keyed], hold, self._lookback)
        types = self._field_types(spec)
        query = BulkQuery(self._call, self._retry, spec.name)
        deleted = "IsDeleted" if has_deleted else None
        own = False  # a row with a key came: those records are read again with every field
        try:
            chunks = query.run(soql)
            head = next(chunks, None)
            if head is None:  # no result set at all: nothing changed since the first page
                yield Page([], tracker.finished(), complete=True)
                return
            header = head[0]
            cells = cells_of(header, types)
            table = partial(RecordTable, header, cells, deleted_column=deleted)
            at_id, at_mark = header.index("Id"), header.index(spec.watermark)
            at_key = _column(header, spec.key_field) if keyed else None
            mark, admit = cells[at_mark], tracker.admit
            batch: list[list[str]] = []  # handed on when the next rows are in: the last carries the cursor
            for chunk in chunks:  # up to a REST page's size, as parsed
                if seen:
                    chunk = [row for row in chunk if row[at_id] not in seen]
                if tracker.admits_all:  # a full pull: the cursor tracked a page at once
                    tracker.admit_all([row[at_id] for row in chunk], [mark(row[at_mark]) for row in chunk])
                else:
                    chunk = [row for row in chunk if admit(row[at_id], mark(row[at_mark]))]
                if at_key is not None:
                    kept = [row for row in chunk if not row[at_key]]
                    own, chunk = own or len(kept) < len(chunk), kept
                if chunk:
                    if batch:
                        yield Page(table(batch), hold, complete=False)
                    batch = chunk
        except BulkJobFailed as exc:
            log.warning("Bulk API 2.0 could not read %s (%s); reading it through REST", spec.name, exc)
            yield from self.pull(spec, hold, bulk=False)
            return
        if own:
            yield from self._keyed_pages(spec, fields, hold, has_deleted, seen)
        yield Page(table(batch), tracker.finished(), complete=True)

    def _keyed_pages(
        self, spec: ObjectSpec, fields: Sequence[str], hold: Cursor | None, has_deleted: bool, seen: set[str]
    ) -> Iterator[Page]:
        """The records with a key (sponsorsync's own tasks) of a Bulk API 2.0 pull that left out their
        keyed fields, read again through REST ``queryAll`` with every field, as they are now: one call
        per 2,000 of them. A record changed since the job began is read again by the next pull; the
        first page's records (``seen``) are not handed on twice."""
        soql = _select(spec, fields, hold, self._lookback)
        soql += f"{' AND' if ' WHERE ' in soql else ' WHERE'} {spec.key_field} != null"
        what = f"reading {spec.name} records of sponsorsync's own"
        for result in self._results(what, soql, include_deleted=True):
            records = [_record(raw, has_deleted) for raw in result.get("records", [])]
            records = [record for record in records if record.id not in seen]
            if records:
                yield Page(records, hold, complete=False)

    def _ranges(self, first: dict[str, Any]) -> int:
        raw = first.get("records") or []
        remaining = int(first.get("totalSize") or 0) - len(raw)
        return ranges_for(-(-remaining // len(raw)) if raw else 0, self._concurrency)

    def _pull_ranges(
        self,
        spec: ObjectSpec,
        fields: Sequence[str],
        tracker: CursorTracker,
        first: dict[str, Any],
        parts: int,
        seen: set[str],
    ) -> Iterator[Page]:
        """The rest of a REST pull in ``parts`` watermark ranges read at once (see
        :mod:`connectors.salesforce_ranges`); the first page's records are not handed on twice."""
        has_deleted = spec.name.lower() not in NO_IS_DELETED
        low = parse_instant(str(first["records"][-1].get(spec.watermark) or ""))
        starts = split(low, tracker.until, parts)
        held = tracker.cursor()
        trackers = [
            CursorTracker(spec.watermark, held if i == 0 else None, tracker.until) for i in range(len(starts))
        ]
        log.info("Salesforce %s: the rest read in %d watermark ranges at once", spec.name, len(starts))
        what = f"reading {spec.name}"

        def fetch(index: int, stop: threading.Event) -> Iterator[tuple[list[Record], Cursor | None]]:
            range_tracker = trackers[index]
            start, end = bounds(starts, index)
            resume_at = start
            while True:  # once more from the range's cursor if its query locator expires
                where = f"{spec.watermark} >= {soql_datetime(resume_at)}"
                if end is not None:
                    where += f" AND {spec.watermark} < {soql_datetime(end)}"
                soql = f"SELECT {', '.join(fields)} FROM {spec.name} WHERE {where} ORDER BY {spec.watermark} ASC, Id ASC"
                result: dict[str, Any] = self._call(what, partial(_query_all, soql))
                guard = TokenLoopGuard(what)
                try:
                    while not stop.is_set():
                        page = [
                            _record(raw, has_deleted)
                            for raw in result.get("records", [])
                            if range_tracker.admit(str(raw.get("Id")), raw.get(spec.watermark))
                        ]
                        yield page, range_tracker.cursor()
                        if result.get("done", True) or not result.get("nextRecordsUrl"):
                            return
                        next_url = str(result["nextRecordsUrl"])
                        guard.check(next_url)
                        result = self._query_more(what, next_url)
                    return
                except LocatorExpired:
                    reached = range_tracker.cursor()
                    resume_at = parse_instant(reached.last_value) if reached is not None else start
                    log.info(
                        "query locator for %s expired; resuming its range from the last cursor", spec.name
                    )

        for page in parallel_pages(Progress(held, len(starts)), fetch):
            kept = [
                r
                for r in page.records
                if r.id not in seen and tracker.admit(r.id, r.fields.get(spec.watermark))
            ]
            yield Page(kept, page.cursor, complete=False)
        yield Page([], tracker.finished(), complete=True)

    def _field_types(self, spec: ObjectSpec) -> dict[str, str]:
        """Field types of ``spec``'s object; the first call describes every planned object at once."""
        key = spec.name.lower()
        with self._types_lock:
            if key in self._types:
                return self._types[key]
            names = [s.name for k, s in self._planned.items() if k not in self._types and k != key]
            names = [spec.name, *names][:MAX_BATCH]
            version = f"v{self._api_version}"
            body = {
                "batchRequests": [{"method": "GET", "url": f"{version}/sobjects/{n}/describe"} for n in names]
            }
            answer: dict[str, Any] = (
                self._restful(f"describing {', '.join(names)}", "composite/batch", "POST", body) or {}
            )
            for name, result in zip(names, answer.get("results") or [], strict=False):
                if result.get("statusCode") == 200 and isinstance(result.get("result"), dict):
                    self._types[name.lower()] = field_types(result["result"])
            if key not in self._types:
                raw: dict[str, Any] = (
                    self._restful(f"describing {spec.name}", f"sobjects/{spec.name}/describe") or {}
                )
                self._types[key] = field_types(raw)
            return self._types[key]

    def _query_more(self, what: str, next_url: str) -> dict[str, Any]:
        def more(sf: Salesforce) -> dict[str, Any]:
            return dict(sf.query_more(next_url, identifier_is_url=True, include_deleted=True))

        return self._call(what, more)

    def _restful(self, what: str, path: str, method: str = "GET", payload: Any = None) -> Any:
        def call(sf: Salesforce) -> Any:
            if payload is None:
                return sf.restful(path, method=method)
            return sf.restful(path, method=method, json=payload)

        return self._call(what, call)

    def upsert(
        self, object_name: str, key_field: str, items: Sequence[WriteItem]
    ) -> Iterator[list[WriteResult]]:
        def body(batch: Sequence[WriteItem]) -> list[dict[str, Any]]:
            return [
                {"attributes": {"type": object_name}, **item.fields, key_field: item.key} for item in batch
            ]

        yield from self._write(
            items,
            f"writing {object_name} records",
            lambda batch: ("PATCH", f"composite/sobjects/{object_name}/{key_field}", body(batch)),
        )

    def update(self, object_name: str, items: Sequence[WriteItem]) -> Iterator[list[WriteResult]]:
        def body(batch: Sequence[WriteItem]) -> list[dict[str, Any]]:
            return [{"attributes": {"type": object_name}, "id": item.key, **item.fields} for item in batch]

        yield from self._write(
            items,
            f"updating {object_name} records",
            lambda batch: ("PATCH", "composite/sobjects", body(batch)),
        )

    def _write(
        self,
        items: Sequence[WriteItem],
        what: str,
        request: Callable[[Sequence[WriteItem]], tuple[str, str, list[dict[str, Any]]]],
    ) -> Iterator[list[WriteResult]]:
        def send(batch: Sequence[WriteItem]) -> list[WriteResult]:
            method, path, records = request(batch)
            answer = self._restful(what, path, method, {"allOrNone": False, "records": records})
            return [_write_result(item, raw) for item, raw in zip(batch, answer or [], strict=False)]

        batches = [items[i : i + BATCH_SIZE] for i in range(0, len(items), BATCH_SIZE)]
        locked: list[WriteItem] = []
        by_key = {item.key: item for item in items}
        stopped: Interrupted | None = None
        with ThreadPoolExecutor(max_workers=self._concurrency, thread_name_prefix="sf-write") as pool:
            futures = [pool.submit(send, batch) for batch in batches]
            for future in as_completed(futures):
                try:
                    results = future.result()
                except Interrupted as exc:  # a requested stop: hand over what the batches in flight wrote
                    stopped = stopped or exc
                    continue
                retry_later = [r for r in results if not r.ok and r.error_code in RETRY_RECORD_CODES]
                locked.extend(by_key[r.key] for r in retry_later)
                yield [r for r in results if r not in retry_later]
        if stopped is not None:
            raise stopped
        # Rows locked by a concurrent batch: one more pass, one batch at a time.
        for i in range(0, len(locked), BATCH_SIZE):
            yield send(locked[i : i + BATCH_SIZE])


def _query_all(soql: str, sf: Salesforce) -> dict[str, Any]:
    return dict(sf.query(soql, include_deleted=True))


def _column(header: Sequence[str], name: str | None) -> int | None:
    """Where a field is in a Bulk API 2.0 header (names compare as Salesforce compares them)."""
    folded = [column.casefold() for column in header]
    return folded.index(name.casefold()) if name and name.casefold() in folded else None


def _pulled_fields(spec: ObjectSpec, has_deleted: bool) -> list[str]:
    wanted = [spec.watermark, "Id", *(["IsDeleted"] if has_deleted else []), *spec.fields]
    return list(dict.fromkeys(wanted))


def _select(spec: ObjectSpec, fields: Sequence[str], cursor: Cursor | None, lookback: timedelta) -> str:
    where = ""
    if cursor is not None:
        where = f" WHERE {spec.watermark} >= {soql_datetime(parse_instant(cursor.last_value) - lookback)}"
    return f"SELECT {', '.join(fields)} FROM {spec.name}{where}"


def _history_object(object_name: str) -> tuple[str, str]:
    """(history object, its reference to the record): AccountHistory/AccountId for a standard
    object, Foo__History/ParentId for a custom object Foo__c."""
    known = HISTORY_OBJECTS.get(object_name.lower())
    if known is not None:
        return known
    if object_name.lower().endswith("__c"):
        return f"{object_name[:-3]}__History", "ParentId"
    return f"{object_name}History", f"{object_name}Id"


def _flatten(raw: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for key, value in raw.items():
        if key == "attributes":
            continue
        if isinstance(value, dict) and "attributes" in value:
            yield from _flatten(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _total(first: dict[str, Any]) -> int | None:
    """The records a query matches, as its first page says (``totalSize``)."""
    total = first.get("totalSize")
    return int(total) if isinstance(total, int) else None


def _record(raw: dict[str, Any], has_deleted: bool) -> Record:
    fields = dict(_flatten(raw))
    return Record(
        id=str(fields["Id"]),
        fields=fields,
        deleted=bool(fields.get("IsDeleted")) if has_deleted else False,
    )


def _write_result(item: WriteItem, raw: dict[str, Any]) -> WriteResult:
    if raw.get("success"):
        return WriteResult(key=item.key, ok=True, id=raw.get("id"), created=bool(raw.get("created")))
    errors = raw.get("errors") or [{}]
    first = errors[0]
    return WriteResult(
        key=item.key,
        ok=False,
        id=raw.get("id"),
        error_code=first.get("statusCode") or first.get("errorCode") or "UNKNOWN_ERROR",
        message="; ".join(str(e.get("message", "")) for e in errors)[:500],
    )
