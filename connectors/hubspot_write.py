"""Writing to HubSpot: batch creates (100 a call) keyed by the unique sync-key property, a key that
already exists (a retried or repeated write) found by a batch read on that property and updated
instead, so no write ever creates a second record; batch updates, whose refusal of a whole batch
for one bad input is narrowed down to that input."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from sponsorsync.connectors.base import (
    WriteItem,
    WriteResult,
)
from sponsorsync.connectors.errors import CrmRequestError, Interrupted
from sponsorsync.connectors.hubspot_calls import BATCH_SIZE, HubSpotCalls
from sponsorsync.connectors.hubspot_errors import HubSpotRejected


class HubSpotWrites(HubSpotCalls):
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
