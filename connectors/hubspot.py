"""The HubSpot connector, on hubspot-api-client (unmodified).

Full pulls list objects 100 a page with their associations inline; incremental pulls search on the
modified-date property, 200 a page, sorted ascending, every page re-anchored on the last timestamp
reached (never an offset, which skips records edited during the pull; see
:mod:`connectors.hubspot_search`); associations of searched records are read in batches, following
each record's own paging past 500. Archived records are listed when the engine asks for a deletion
sweep. Writes are batch creates (100 a call) keyed by the unique sync-key property: a key that
already exists (a retried or repeated write) is found by a batch read on that property and updated
instead, so no write ever creates a second record. Batch updates have no partial success: a batch
HubSpot refuses for one bad input is narrowed down to that input, which alone is rejected. A
field's history (when a sponsor was appointed) is a batch read with ``propertiesWithHistory``.

Calls go through the SDK's generated APIs with ``_preload_content=False``: the SDK builds and sends
the request; we read the status, headers (rate limits, ``Date``) and JSON ourselves, which also
avoids the SDK's slow model deserialisation. The SDK's urllib3 retries are off: the one retry layer
is :mod:`connectors.retry`.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from hubspot import HubSpot
from hubspot.crm.objects import BatchReadInputSimplePublicObjectId, SimplePublicObjectId
from urllib3.util.retry import Retry

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
    SetupStep,
    WriteItem,
    WriteResult,
)
from sponsorsync.connectors.errors import AuthFailed, CrmRequestError, Interrupted
from sponsorsync.connectors.hubspot_errors import HubSpotRejected, translate
from sponsorsync.connectors.hubspot_search import next_after, search_changes
from sponsorsync.connectors.paging import CursorTracker, TokenLoopGuard
from sponsorsync.connectors.retry import RetryPolicy, call_with_retry, check_stop
from sponsorsync.connectors.throttle import CallBudget, QuotaGuard, WindowLimiter
from sponsorsync.connectors.timestamps import parse_http_date, parse_instant
from sponsorsync.connectors.tls import verify_with

log = logging.getLogger(__name__)

LIST_LIMIT = 100
BATCH_SIZE = 100
OWNERS_LIMIT = 500
ASSOCIATION_READ_LIMIT = 1000
OWNERS = "owners"
OWNER_FIELDS = ("id", "email", "firstName", "lastName", "userId", "archived", "createdAt", "updatedAt")


@dataclass(frozen=True)
class _Answer:
    status: int
    data: Any


class _Apis:
    """The generated API objects one thread uses (each holds its own connection pool)."""

    def __init__(self, client: HubSpot, trust: ssl.SSLContext | None) -> None:
        crm = client.crm
        self.objects = crm.objects.basic_api
        self.search = crm.objects.search_api
        self.batch = crm.objects.batch_api
        self.owners = crm.owners.owners_api
        self.properties = crm.properties.core_api
        self.groups = crm.properties.groups_api
        self.associations = crm.associations.v4.batch_api
        if trust is not None:
            for api in (
                self.objects,
                self.search,
                self.batch,
                self.owners,
                self.properties,
                self.groups,
                self.associations,
            ):
                verify_with(api, trust)


class HubSpotConnector:
    crm: CrmName = "hubspot"

    def __init__(
        self,
        *,
        access_token: str,
        base_url: str,
        verify: ssl.SSLContext | None,
        timeout: float,
        concurrency: int,
        requests_per_10s: int,
        search_per_second: int,
        quota_reserve: float,
        lookback: timedelta,
        budget: CallBudget,
        retry: RetryPolicy,
    ) -> None:
        options: dict[str, Any] = {
            "access_token": access_token,
            "host": base_url,
            "retry": Retry(total=0, connect=0, read=0, redirect=0, status=0, other=0, raise_on_status=False),
        }
        if verify is None:  # verification turned off (SPONSORSYNC_INSECURE_SKIP_TLS_VERIFY)
            options["verify_ssl"] = False
        self._trust = verify
        self._client = HubSpot(**options)
        self._base_url = base_url
        self._timeout = timeout
        self._concurrency = concurrency
        self._lookback = lookback
        self._budget = budget
        self._retry = retry
        self._limiter = WindowLimiter(requests_per_10s, 10.0)
        self._search_limiter = WindowLimiter(search_per_second, 1.0)
        self._guard = QuotaGuard(quota_reserve, "SPONSORSYNC_LIMITS__HUBSPOT_QUOTA_RESERVE")
        self._local = threading.local()
        self._lock = threading.Lock()
        self._calls = 0
        self._server_time: datetime | None = None

    # -- plumbing ------------------------------------------------------------------------------
    def _apis(self) -> _Apis:
        apis = getattr(self._local, "apis", None)
        if apis is None:
            apis = self._local.apis = _Apis(self._client, self._trust)
        assert isinstance(apis, _Apis)
        return apis

    def _observe(self, headers: Any) -> None:
        if headers is None:
            return

        def number(name: str) -> int | None:
            value = headers.get(name)
            return int(value) if value is not None and str(value).isdigit() else None

        when = parse_http_date(headers.get("Date"))
        with self._lock:
            if when is not None:
                self._server_time = when
        self._limiter.observe(
            number("X-HubSpot-RateLimit-Max"),
            number("X-HubSpot-RateLimit-Interval-Milliseconds"),
            number("X-HubSpot-RateLimit-Remaining"),
        )
        daily, daily_left = number("X-HubSpot-RateLimit-Daily"), number("X-HubSpot-RateLimit-Daily-Remaining")
        if daily is not None and daily_left is not None:
            self._guard.answered(daily - daily_left, daily)  # this call no longer counts as in flight

    def _call(self, what: str, fn: Callable[[_Apis], Any], *, search: bool = False) -> _Answer:
        def attempt() -> _Answer:
            self._budget.spend()
            # In flight against the daily reserve until answered; then paced to the rate limits.
            with (
                self._guard.slot(),
                self._limiter.slot(),
                self._search_limiter.slot() if search else nullcontext(),
            ):
                check_stop()  # a stop requested while this call waited for its turn
                with self._lock:
                    self._calls += 1
                try:
                    response = fn(self._apis())
                except Exception as exc:  # translated at the boundary: no SDK exception leaves
                    self._observe(getattr(exc, "headers", None))
                    raise translate(exc, what) from None
                self._observe(response.headers)  # in the slot: the usage it reports now counts this call
            raw = response.data
            try:
                return _Answer(response.status, json.loads(raw) if raw else None)
            except ValueError as exc:
                raise translate(exc, what) from None

        return call_with_retry(attempt, self._retry, what=what)

    def _kw(self) -> dict[str, Any]:
        return {"_preload_content": False, "_request_timeout": self._timeout}

    # -- protocol ------------------------------------------------------------------------------
    def api_calls(self) -> int:
        return self._calls

    def server_time(self) -> datetime:
        if self._server_time is None:
            self._call("reading the owners", self._owners_page(None, False))
        return self._server_time or datetime.now(UTC)

    def close(self) -> None:
        """Connection pools belong to the per-thread API objects; nothing to release explicitly."""

    def check(self) -> CheckReport:
        self._call("reading the owners", lambda api: api.owners.get_page(limit=1, **self._kw()))
        notes = () if self._guard.total else ("HubSpot sent no daily usage headers (normal for OAuth apps)",)
        return CheckReport(
            crm="hubspot",
            identity=f"{self._base_url} (private app token)",
            api_used=self._guard.used,
            api_limit=self._guard.total,
            notes=notes,
        )

    def identity(self) -> OrgIdentity:
        # The account information API (hubspot-api-client has no module for it): its portal id.
        def details(api: _Apis) -> Any:
            return api.owners.api_client.call_api(
                "/account-info/v3/details",
                "GET",
                header_params={"Accept": "application/json"},
                auth_settings=["oauth2"],
                _preload_content=False,
                _request_timeout=self._timeout,
            )

        data = self._call("reading the account details", details).data or {}
        portal = data.get("portalId") if isinstance(data, dict) else None
        if not isinstance(portal, int) or isinstance(portal, bool):
            raise CrmRequestError(
                "HubSpot sent no portal id while reading the account details",
                status=200,
                hint="check SPONSORSYNC_HUBSPOT__BASE_URL points at the HubSpot API",
            )
        return OrgIdentity(org_id=str(portal), instance_url=self._base_url)

    def describe(self, object_name: str) -> ObjectSchema:
        if object_name == OWNERS:
            fields = {name: FieldSchema(name=name, type="string") for name in OWNER_FIELDS}
            return ObjectSchema(name=OWNERS, fields=fields)
        answer = self._call(
            f"reading the {object_name} properties",
            lambda api: api.properties.get_all(object_name, **self._kw()),
        )
        fields = {}
        for prop in (answer.data or {}).get("results", []):
            meta = prop.get("modificationMetadata") or {}
            writable = not meta.get("readOnlyValue", False) and not prop.get("calculated", False)
            fields[prop["name"]] = FieldSchema(
                name=prop["name"],
                type=prop.get("type", ""),
                label=prop.get("label", ""),
                createable=writable,
                updateable=writable,
                external_id=bool(prop.get("hasUniqueValue")),
                unique=bool(prop.get("hasUniqueValue")),
                picklist_values=tuple(str(o.get("value")) for o in prop.get("options") or ()),
                reference_to=(str(prop["referencedObjectType"]),) if prop.get("referencedObjectType") else (),
            )
        return ObjectSchema(name=object_name, fields=fields, createable=True, updateable=True)

    def field_history(
        self, object_name: str, field: str, ids: Sequence[str], since: datetime
    ) -> dict[str, datetime]:
        """When ``field`` got its current value, for the records among ``ids`` where that was on or
        after ``since``: a batch read with ``propertiesWithHistory`` per 100 ids, the newest version
        counting only when it holds the current value. A portal that refuses history (a 4xx, a
        missing scope) is logged once and gives no dates: nothing is then treated as recent."""
        found: dict[str, datetime] = {}
        unique = list(dict.fromkeys(ids))
        for i in range(0, len(unique), BATCH_SIZE):
            body = BatchReadInputSimplePublicObjectId(
                properties=[field],
                properties_with_history=[field],
                inputs=[SimplePublicObjectId(id=record_id) for record_id in unique[i : i + BATCH_SIZE]],
            )
            try:
                answer = self._call(
                    f"reading the history of {object_name} {field}",
                    self._batch_read(object_name, body),
                )
            except (HubSpotRejected, AuthFailed) as exc:
                log.warning(
                    "HubSpot gave no history of %s %s (%s); no change of it counts as recent",
                    object_name,
                    field,
                    exc.message,
                )
                return {}
            for raw in (answer.data or {}).get("results", []):
                when = _last_change(raw, field)
                if when is not None and when >= since:
                    found[str(raw["id"])] = when
        return found

    def _batch_read(self, object_name: str, body: Any) -> Callable[[_Apis], Any]:
        kwargs = self._kw()
        return lambda api: api.batch.read(object_name, body, **kwargs)

    def pull(
        self, spec: ObjectSpec, cursor: Cursor | None, *, sweep_deletions: bool = True
    ) -> Iterator[Page]:
        if spec.name == OWNERS:
            yield from self._pull_owners(spec, archived_too=cursor is None or sweep_deletions)
            return
        if cursor is None:
            last = yield from self._full_pull(spec)
        else:
            last = yield from self._incremental_pull(spec, cursor)
        if sweep_deletions:
            yield from self._archived(spec, last)

    # -- reads ---------------------------------------------------------------------------------
    def _pull_owners(self, spec: ObjectSpec, *, archived_too: bool) -> Iterator[Page]:
        """The owners API has no change feed: every pull lists the active owners (a snapshot: an
        owner missing from it was deactivated). Deactivated (archived) owners are listed too on a
        first pull and on deletion sweeps, so their names stay known."""
        records: list[Record] = []
        for archived in (False, True) if archived_too else (False,):
            after: str | None = None
            guard = TokenLoopGuard("owners")
            while True:
                answer = self._call("reading the owners", self._owners_page(after, archived))
                data = answer.data or {}
                for owner in data.get("results", []):
                    fields = {k: owner.get(k) for k in (*OWNER_FIELDS, *spec.fields)}
                    fields["archived"] = archived or bool(owner.get("archived"))
                    if "teams" in spec.fields:  # the owner's team names, ';'-separated like multi-values
                        fields["teams"] = ";".join(str(t.get("name")) for t in owner.get("teams") or ())
                    records.append(Record(id=str(owner["id"]), fields=fields))
                after = next_after(data)
                if after is None:
                    break
                guard.check(after)
        started = CursorTracker(spec.watermark, None, self._now()).at_until()
        yield Page(records, started, complete=True, snapshot=True)

    def _owners_page(self, after: str | None, archived: bool) -> Callable[[_Apis], Any]:
        kwargs: dict[str, Any] = {"limit": OWNERS_LIMIT, "archived": archived, **self._kw()}
        if after:
            kwargs["after"] = after
        return lambda api: api.owners.get_page(**kwargs)

    def _full_pull(self, spec: ObjectSpec) -> Generator[Page, None, Cursor | None]:
        properties = list(dict.fromkeys((*spec.fields, spec.watermark)))
        after: str | None = None
        guard = TokenLoopGuard(spec.name)
        tracker: CursorTracker | None = None
        while True:
            answer = self._call(f"reading {spec.name}", self._list(spec, properties, after, archived=False))
            if tracker is None:
                tracker = CursorTracker(spec.watermark, None, self._now())
            data = answer.data or {}
            records = [_record(raw, spec) for raw in data.get("results", [])]
            after = next_after(data)
            done = after is None
            # A list is not ordered by modification, so only a complete pull leaves a cursor.
            yield Page(records, tracker.at_until() if done else None, complete=done)
            if after is None:
                return tracker.at_until()
            guard.check(after)

    def _list(
        self, spec: ObjectSpec, properties: list[str], after: str | None, *, archived: bool
    ) -> Callable[[_Apis], Any]:
        kwargs: dict[str, Any] = {
            "limit": LIST_LIMIT,
            "properties": properties,
            "archived": archived,
            **self._kw(),
        }
        if spec.associations and not archived:
            kwargs["associations"] = list(spec.associations)
        if after:
            kwargs["after"] = after
        return lambda api: api.objects.get_page(spec.name, **kwargs)

    def _incremental_pull(self, spec: ObjectSpec, cursor: Cursor) -> Generator[Page, None, Cursor | None]:
        start = parse_instant(cursor.last_value) - self._lookback
        tracker: CursorTracker | None = None
        held: list[tuple[list[dict[str, Any]], Cursor | None]] = []  # pages waiting for their associations
        for raw_page in search_changes(lambda body: self._search(spec, body), spec, start):
            if tracker is None:
                tracker = CursorTracker(spec.watermark, cursor, self._now())
            # Only what is kept: the boundary records seen last time cost no association read.
            admitted = [
                raw
                for raw in raw_page
                if tracker.admit(str(raw["id"]), (raw.get("properties") or {}).get(spec.watermark))
            ]
            held.append((admitted, tracker.cursor()))
            if sum(len(page) for page, _ in held) >= ASSOCIATION_READ_LIMIT or not spec.associations:
                yield from self._with_associations(spec, held)
                held = []
        yield from self._with_associations(spec, held)
        # The searches have answered by now, so the CRM's clock is that of this pull.
        final = (tracker or CursorTracker(spec.watermark, cursor, self._now())).finished()
        yield Page([], final, complete=True)
        return final

    def _with_associations(
        self, spec: ObjectSpec, held: list[tuple[list[dict[str, Any]], Cursor | None]]
    ) -> Iterator[Page]:
        """Search pages, their associations read together (up to 1,000 ids a call)."""
        ids = [str(raw["id"]) for page, _ in held for raw in page]
        associations = self._read_associations(spec, ids) if ids else {}
        for page, page_cursor in held:
            yield Page(
                [_record(raw, spec, associations.get(str(raw["id"]), {})) for raw in page], page_cursor
            )

    # -- setup and cleanup (SchemaAdmin; the properties API work is in hubspot_setup.py) -------------
    def create_fields(self, fields: Sequence[FieldDefinition]) -> list[SetupStep]:
        from sponsorsync.connectors.hubspot_setup import create_fields

        return create_fields(lambda what, fn: self._call(what, fn).data, fields, self._kw())

    def keyed_records(self, object_name: str, key_field: str, fields: Sequence[str]) -> list[Record]:
        from sponsorsync.connectors.hubspot_setup import keyed_records

        spec = ObjectSpec(object_name, tuple(fields), "hs_lastmodifieddate")
        found = keyed_records(lambda _name, body: self._search(spec, body), object_name, key_field, fields)
        wanted = list(dict.fromkeys([key_field, *fields]))
        return [
            Record(str(raw["id"]), {name: (raw.get("properties") or {}).get(name) for name in wanted})
            for raw in found
        ]

    def delete(self, object_name: str, ids: Sequence[str]) -> list[WriteResult]:
        from sponsorsync.connectors.hubspot_setup import archive

        archive(lambda what, fn: self._call(what, fn).data, object_name, ids, self._kw())
        return [WriteResult(key=i, ok=True, id=i) for i in ids]

    def _search(self, spec: ObjectSpec, body: dict[str, Any]) -> dict[str, Any]:
        answer = self._call(
            f"searching {spec.name}",
            lambda api: api.search.do_search(spec.name, body, **self._kw()),
            search=True,
        )
        data = answer.data or {}
        assert isinstance(data, dict)
        return data

    def _read_associations(self, spec: ObjectSpec, ids: list[str]) -> dict[str, dict[str, tuple[str, ...]]]:
        """Associations of up to 1,000 records a call. Each result row holds at most 500 of one
        record's associations and pages on its own (``paging.next.after`` per row): the rows with
        more are read again together, each input with its ``after``."""
        found: dict[str, dict[str, dict[str, None]]] = {}
        for to_type in spec.associations:
            guard = TokenLoopGuard(f"{spec.name} associations to {to_type}")
            for i in range(0, len(ids), ASSOCIATION_READ_LIMIT):
                pending: list[dict[str, str]] = [
                    {"id": record_id} for record_id in ids[i : i + ASSOCIATION_READ_LIMIT]
                ]
                while pending:
                    answer = self._call(
                        f"reading {spec.name} associations to {to_type}",
                        self._association_page(spec.name, to_type, {"inputs": pending}),
                    )
                    pending = []
                    for row in (answer.data or {}).get("results", []):
                        from_id = str((row.get("from") or {}).get("id"))
                        linked = found.setdefault(from_id, {}).setdefault(to_type, {})
                        linked.update(dict.fromkeys(str(t["toObjectId"]) for t in row.get("to", [])))
                        after = next_after(row)
                        if after is not None:
                            guard.check(f"{from_id}:{after}")
                            pending.append({"id": from_id, "after": after})
        return {
            from_id: {to_type: tuple(linked) for to_type, linked in by_type.items()}
            for from_id, by_type in found.items()
        }

    def _association_page(self, from_type: str, to_type: str, body: dict[str, Any]) -> Callable[[_Apis], Any]:
        kwargs = self._kw()
        return lambda api: api.associations.get_page(from_type, to_type, body, **kwargs)

    def _archived(self, spec: ObjectSpec, cursor: Cursor | None) -> Iterator[Page]:
        after: str | None = None
        guard = TokenLoopGuard(f"archived {spec.name}")
        properties = [spec.watermark]
        while True:
            answer = self._call(
                f"reading archived {spec.name}", self._list(spec, properties, after, archived=True)
            )
            data = answer.data or {}
            records = [Record(id=str(raw["id"]), fields={}, deleted=True) for raw in data.get("results", [])]
            after = next_after(data)
            yield Page(records, cursor, complete=after is None)
            if after is None:
                return
            guard.check(after)

    def _now(self) -> datetime:
        return self._server_time or datetime.now(UTC)

    # -- writes --------------------------------------------------------------------------------
    def upsert(
        self, object_name: str, key_field: str, items: Sequence[WriteItem]
    ) -> Iterator[list[WriteResult]]:
        yield from self._batches(items, lambda batch: self._create_or_update(object_name, key_field, batch))

    def update(self, object_name: str, items: Sequence[WriteItem]) -> Iterator[list[WriteResult]]:
        yield from self._batches(items, lambda batch: self._update_by_id(object_name, batch))

    def _batches(
        self, items: Sequence[WriteItem], send: Callable[[Sequence[WriteItem]], list[WriteResult]]
    ) -> Iterator[list[WriteResult]]:
        batches = [items[i : i + BATCH_SIZE] for i in range(0, len(items), BATCH_SIZE)]
        stopped: Interrupted | None = None
        with ThreadPoolExecutor(max_workers=self._concurrency, thread_name_prefix="hs-write") as pool:
            for future in as_completed([pool.submit(send, batch) for batch in batches]):
                try:
                    results = future.result()
                except Interrupted as exc:  # a requested stop: hand over what the batches in flight wrote
                    stopped = stopped or exc
                    continue
                yield results
        if stopped is not None:
            raise stopped

    def _create_or_update(
        self, object_name: str, key_field: str, batch: Sequence[WriteItem], *, resolved: bool = False
    ) -> list[WriteResult]:
        """Create by key; on 409 read the keys back and update the ones that exist. ``resolved``:
        the keys were read back already and none of this batch exists, so a 409 now comes from
        something the read cannot see (an archived record keeping the value): the batch is split
        until each refused input is rejected with HubSpot's message, never read back again."""
        inputs = [
            {
                "objectWriteTraceId": item.key,  # errors of a batch name their input by this
                "properties": dict(item.fields) | {key_field: item.key},
                "associations": [
                    {
                        "to": {"id": to_id},
                        "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": type_id}],
                    }
                    for _, to_id, type_id in item.associations
                ],
            }
            for item in batch
        ]
        try:
            answer = self._call(
                f"creating {object_name}",
                lambda api: api.batch.create(object_name, {"inputs": inputs}, **self._kw()),
            )
        except CrmRequestError as exc:
            if exc.status != 409:
                raise
            if resolved:
                return _isolate(
                    batch,
                    exc,
                    lambda part: self._create_or_update(object_name, key_field, part, resolved=True),
                )
            # Some keys exist already (an earlier run wrote them but did not record it): update those.
            return self._resolve_existing(object_name, key_field, batch)
        by_key = {
            str((raw.get("properties") or {}).get(key_field)): raw
            for raw in (answer.data or {}).get("results", [])
        }
        return [
            WriteResult(key=item.key, ok=True, id=str(by_key[item.key]["id"]), created=True)
            if item.key in by_key
            else _failure(item.key, answer.data)
            for item in batch
        ]

    def _resolve_existing(
        self, object_name: str, key_field: str, batch: Sequence[WriteItem]
    ) -> list[WriteResult]:
        body = {
            "idProperty": key_field,
            "inputs": [{"id": item.key} for item in batch],
            "properties": [key_field],
        }
        answer = self._call(
            f"reading existing {object_name} by {key_field}",
            lambda api: api.batch.read(object_name, body, **self._kw()),
        )
        existing = {
            str((raw.get("properties") or {}).get(key_field)): str(raw["id"])
            for raw in (answer.data or {}).get("results", [])
        }
        updates = [WriteItem(existing[item.key], item.fields) for item in batch if item.key in existing]
        fresh = [item for item in batch if item.key not in existing]
        results: list[WriteResult] = []
        if updates:
            by_id = {r.key: r for r in self._update_by_id(object_name, updates)}
            key_of = {existing[item.key]: item.key for item in batch if item.key in existing}
            results += [
                WriteResult(key=key_of[r.key], ok=r.ok, id=r.id, error_code=r.error_code, message=r.message)
                for r in by_id.values()
            ]
        if fresh:
            results += self._create_or_update(object_name, key_field, fresh, resolved=True)
        return results

    def _update_by_id(self, object_name: str, batch: Sequence[WriteItem]) -> list[WriteResult]:
        """Batch update has no partial success: one deleted record or one invalid value (an owner
        who left) makes HubSpot refuse the whole batch with a 4xx. The refused batch is narrowed
        down to the inputs at fault, which come back rejected; a deleted record's result carries
        ``error_code`` ``OBJECT_NOT_FOUND``."""
        inputs = [  # HubSpot clears a property given "" (what None means here)
            {
                "id": item.key,
                "properties": {k: "" if v is None else v for k, v in item.fields.items()},
                "objectWriteTraceId": item.key,
            }
            for item in batch
        ]
        try:
            answer = self._call(
                f"updating {object_name}",
                lambda api: api.batch.update(object_name, {"inputs": inputs}, **self._kw()),
            )
        except CrmRequestError as exc:
            if not 400 <= exc.status < 500:
                raise
            return _isolate(batch, exc, lambda part: self._update_by_id(object_name, part))
        done = {str(raw["id"]) for raw in (answer.data or {}).get("results", [])}
        return [
            WriteResult(key=item.key, ok=True, id=item.key)
            if item.key in done
            else _failure(item.key, answer.data)
            for item in batch
        ]


def _record(
    raw: dict[str, Any], spec: ObjectSpec, associations: dict[str, tuple[str, ...]] | None = None
) -> Record:
    fields: dict[str, Any] = dict(raw.get("properties") or {})
    fields["id"] = str(raw["id"])
    if associations is not None:  # read separately (search results carry none)
        associations = {to_type: associations.get(to_type, ()) for to_type in spec.associations}
    else:
        associations = {
            to_type: tuple(
                dict.fromkeys(
                    str(a["id"]) for a in (raw.get("associations") or {}).get(to_type, {}).get("results", [])
                )
            )
            for to_type in spec.associations
        }
    return Record(
        id=str(raw["id"]), fields=fields, deleted=bool(raw.get("archived")), associations=associations
    )


def _last_change(raw: dict[str, Any], field: str) -> datetime | None:
    """When ``field`` of one batch-read record got its current value: the newest version's time,
    if that version holds the current value (HubSpot records a cleared value as ``""``)."""
    current = (raw.get("properties") or {}).get(field) or ""
    history = (raw.get("propertiesWithHistory") or {}).get(field) or []
    versions = [v for v in history if isinstance(v, dict)]
    dated: list[tuple[datetime, dict[str, Any]]] = []
    for version in versions:
        try:
            dated.append((parse_instant(str(version.get("timestamp") or "")), version))
        except ValueError:  # an unreadable time says nothing about when the value was set
            continue
    if not dated:
        return None
    when, newest = max(dated, key=lambda pair: pair[0])
    return when if (newest.get("value") or "") == current else None


def _isolate(
    batch: Sequence[WriteItem],
    refusal: CrmRequestError,
    send: Callable[[Sequence[WriteItem]], list[WriteResult]],
) -> list[WriteResult]:
    """The results of a batch HubSpot refused as a whole. A lone input is rejected with the
    refusal's message; inputs the error names (``context.ids``) are rejected at once and the rest
    sent again; otherwise the batch is halved and each half sent (one bad input among 100 costs
    about 2 log2(100) = 14 calls, a clean half lands in one)."""
    if isinstance(refusal, HubSpotRejected) and refusal.about_the_mapping:
        raise refusal  # the same for every record: a mapping error, not a record's
    named = refusal.ids if isinstance(refusal, HubSpotRejected) else frozenset()
    if len(batch) == 1 or (named and any(item.key in named for item in batch)):
        rejected = [item for item in batch if len(batch) == 1 or item.key in named]
        rest = [item for item in batch if item not in rejected]
        return [_rejected(item.key, refusal) for item in rejected] + (send(rest) if rest else [])
    middle = len(batch) // 2
    return send(batch[:middle]) + send(batch[middle:])


def _rejected(key: str, refusal: CrmRequestError) -> WriteResult:
    return WriteResult(
        key=key, ok=False, error_code=refusal.error_code or "REJECTED", message=refusal.message[:300]
    )


def _failure(key: str, data: Any) -> WriteResult:
    errors = (data or {}).get("errors") or []
    mine = [
        e for e in errors
        if key in ((e.get("context") or {}).get("objectWriteTraceId") or []) or key in ((e.get("context") or {}).get("id") or [])
    ] or errors[:1]  # fmt: skip
    first = mine[0] if mine else {}
    return WriteResult(
        key=key,
        ok=False,
        error_code=str(first.get("category") or "UNKNOWN_ERROR"),
        message=str(first.get("message", "the record was not written"))[:300],
    )
