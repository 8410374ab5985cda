"""sObject Collections (``/composite/sobjects``): create, update, upsert, retrieve and delete up to
200 records per call. Items fail one by one (HTTP 200, ``statusCode`` errors) unless ``allOrNone``,
which rolls every item back. Injected per-record faults (``request.record_faults``) apply by position.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from sponsorsync.sandbox.http import BadJson, Route, SandboxRequest, SandboxResponse
from sponsorsync.sandbox.salesforce.api_records import full_record, key_field, not_found
from sponsorsync.sandbox.salesforce.errors import sf_error
from sponsorsync.sandbox.salesforce.ids import normalize
from sponsorsync.sandbox.salesforce.schema import Field, SObject
from sponsorsync.sandbox.salesforce.state import DATA, OrgState
from sponsorsync.sandbox.salesforce.store import Table, ext_key
from sponsorsync.sandbox.salesforce.writes import Ambiguous, Gone, NotFound, WriteError

MAX_RECORDS = 200
MAX_RETRIEVE = 2000
ROLLED_BACK = WriteError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
)
_NO_ATTRIBUTES = (
    "Nested object for polymorphic foreign key must have an attributes field before any other fields."
)
Operation = Callable[[Any], dict[str, Any]]


def too_many(limit: int = MAX_RECORDS) -> SandboxResponse:
    message = f"record limit reached. cannot submit more than {limit} records into this call"
    return sf_error(400, "EXCEEDED_ID_LIMIT", message)


class CollectionsApi:
    def __init__(self, org: OrgState) -> None:
        self.org = org

    def routes(self) -> list[Route]:
        base = f"{DATA}/composite/sobjects"
        return [
            Route("POST", f"{base}{{slash:/?}}", self.create),
            Route("PATCH", f"{base}{{slash:/?}}", self.update),
            Route("DELETE", f"{base}{{slash:/?}}", self.delete),
            Route("PATCH", f"{base}/{{sobject}}/{{field}}{{slash:/?}}", self.upsert),
            Route("GET", f"{base}/{{sobject}}{{slash:/?}}", self.retrieve),
            Route("POST", f"{base}/{{sobject}}{{slash:/?}}", self.retrieve),
        ]

    # -- the batch loop ----------------------------------------------------------------------------
    def run(
        self,
        request: SandboxRequest,
        items: list[Any],
        all_or_none: bool,
        op: Operation,
        *,
        upsert: bool = False,
    ) -> list[dict[str, Any]]:
        store = self.org.store
        token = store.begin()
        results: list[dict[str, Any]] = []
        failed = False
        for index, item in enumerate(items):
            savepoint = store.savepoint()
            try:
                fault = next((f for f in request.record_faults if f.applies_to(index)), None)
                if fault is not None:
                    raise WriteError(fault.error_code, fault.message)
                results.append(op(item))
            except WriteError as exc:
                store.undo(savepoint)
                failed = True
                results.append(_failure(exc, upsert, item))
        if failed and all_or_none:
            store.rollback(token)
            results = [r if not r["success"] else _failure(ROLLED_BACK, upsert, None) for r in results]
        else:
            store.commit()
        return results

    def _records(self, request: SandboxRequest) -> tuple[list[Any], bool] | SandboxResponse:
        payload = request.json()
        if not isinstance(payload, dict) or not isinstance(payload.get("records"), list):
            raise BadJson('Cannot deserialize the request: expected {"allOrNone": bool, "records": [...]}')
        records = payload["records"]
        if len(records) > MAX_RECORDS:
            return too_many()
        return records, bool(payload.get("allOrNone", False))

    def _typed(self, item: Any) -> tuple[SObject, Table, dict[str, Any]]:
        if not isinstance(item, dict) or not isinstance(item.get("attributes"), dict):
            raise WriteError("JSON_PARSER_ERROR", _NO_ATTRIBUTES)
        name = str(item["attributes"].get("type", ""))
        found = self.org.table(name)
        if found is None:
            raise WriteError("INVALID_TYPE", f"sObject type '{name}' is not supported.")
        return found[0], found[1], {k: v for k, v in item.items() if k != "attributes"}

    # -- endpoints ---------------------------------------------------------------------------------
    def create(self, request: SandboxRequest) -> SandboxResponse:
        parsed = self._records(request)
        if isinstance(parsed, SandboxResponse):
            return parsed
        stamp = self.org.stamp(request)

        def op(item: Any) -> dict[str, Any]:
            _, table, body = self._typed(item)
            return {"id": self.org.writer.create(table, body, stamp), "success": True, "errors": []}

        return SandboxResponse.json(200, self.run(request, parsed[0], parsed[1], op))

    def update(self, request: SandboxRequest) -> SandboxResponse:
        parsed = self._records(request)
        if isinstance(parsed, SandboxResponse):
            return parsed
        stamp = self.org.stamp(request)

        def op(item: Any) -> dict[str, Any]:
            _, table, body = self._typed(item)
            record_id = next((v for k, v in body.items() if k.lower() == "id"), None)
            if not record_id:
                raise WriteError("MISSING_ARGUMENT", "Id not specified in an update call")
            try:
                self.org.writer.update(table, str(record_id), body, stamp)
            except NotFound:
                raise WriteError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id") from None
            return {"id": normalize(str(record_id)), "success": True, "errors": []}

        return SandboxResponse.json(200, self.run(request, parsed[0], parsed[1], op))

    def upsert(self, request: SandboxRequest) -> SandboxResponse:
        found = self.org.table(request.params["sobject"])
        if found is None:
            return not_found()
        obj, table = found
        key = key_field(obj, request.params["field"])
        if key is None:
            message = (
                f"Provided external ID field does not exist or is not accessible: {request.params['field']}"
            )
            return sf_error(404, "NOT_FOUND", message)
        parsed = self._records(request)
        if isinstance(parsed, SandboxResponse):
            return parsed
        records, all_or_none = parsed
        duplicated = _duplicates(key, records)
        stamp = self.org.stamp(request)

        def op(item: Any) -> dict[str, Any]:
            typed, _, body = self._typed(item)
            if typed.name != obj.name:
                raise WriteError("INVALID_FIELD", f"sObject type {typed.name} does not match {obj.name}")
            value = next((v for k, v in body.items() if k.lower() == key.name.lower()), None)
            if value is None or value == "":
                raise WriteError("MISSING_ARGUMENT", f"{key.name} not specified")
            if ext_key(key, value) in duplicated:
                raise WriteError(
                    "DUPLICATE_EXTERNAL_ID", f"Duplicate external id specified: {value}", (key.name,)
                )
            try:
                record_id, created = self.org.writer.upsert(table, key, value, body, stamp)
            except Ambiguous as exc:
                message = (
                    f"{key.name}: more than one record found for external id field: [{', '.join(exc.ids)}]"
                )
                raise WriteError("DUPLICATE_EXTERNAL_ID", message, (key.name,)) from None
            return {"id": record_id, "success": True, "errors": [], "created": created}

        return SandboxResponse.json(200, self.run(request, records, all_or_none, op, upsert=True))

    def delete(self, request: SandboxRequest) -> SandboxResponse:
        ids = request.args("ids")
        if not ids:
            return sf_error(400, "REQUIRED_FIELD_MISSING", "At least 1 Id is required.")
        if len(ids) > MAX_RECORDS:
            return too_many()
        stamp = self.org.stamp(request)

        def op(record_id: Any) -> dict[str, Any]:
            normalized = normalize(record_id)
            if normalized is None:
                raise WriteError("MALFORMED_ID", f"malformed id {record_id}")
            table = self.org.store.table_of(normalized)
            try:
                if table is None:
                    raise NotFound("", "")
                self.org.writer.delete(table, normalized, stamp)
            except NotFound:
                raise WriteError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id") from None
            except Gone as exc:
                raise WriteError(exc.code, exc.message) from None
            return {"id": normalized, "success": True, "errors": []}

        all_or_none = (request.arg("allOrNone") or "false").lower() == "true"
        return SandboxResponse.json(200, self.run(request, ids, all_or_none, op))

    def retrieve(self, request: SandboxRequest) -> SandboxResponse:
        found = self.org.table(request.params["sobject"])
        if found is None:
            return not_found()
        obj, table = found
        if request.method == "POST":
            payload = request.json()
            ids = [str(i) for i in payload.get("ids", [])] if isinstance(payload, dict) else []
            names = [str(n) for n in payload.get("fields", [])] if isinstance(payload, dict) else []
        else:
            ids, names = request.args("ids"), request.args("fields")
        if not names:
            return sf_error(400, "MISSING_ARGUMENT", "The fields parameter is required")
        if len(ids) > MAX_RETRIEVE:
            return too_many(MAX_RETRIEVE)
        fields: list[Field] = []
        for name in names:
            field = obj.field(name.strip())
            if field is None:
                return sf_error(400, "INVALID_FIELD", f"No such column '{name}' on entity '{obj.name}'")
            fields.append(field)
        deleted = obj.slot("IsDeleted") if obj.has_is_deleted else None
        out: list[dict[str, Any] | None] = []
        for record_id in ids:
            normalized = normalize(record_id)
            row = table.get(normalized) if normalized else None
            visible = row is not None and (deleted is None or not row[deleted])
            out.append(
                full_record(obj, row, request.params["version"], request.now, fields)
                if visible and row
                else None
            )
        return SandboxResponse.json(200, out)


def _failure(exc: WriteError, upsert: bool, item: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"success": False, "errors": [exc.item()]}
    if isinstance(item, str) and normalize(item):  # delete results keep the id they were asked about
        result = {"id": normalize(item), **result}
    if upsert:
        result["created"] = False
    return result


def _duplicates(key: Field, records: list[Any]) -> set[Any]:
    values = Counter(
        ext_key(key, v)
        for item in records
        if isinstance(item, dict)
        for k, v in item.items()
        if k.lower() == key.name.lower() and v not in (None, "")
    )
    return {value for value, count in values.items() if count > 1}
