"""Single records: ``/sobjects/{T}/`` (create), ``/sobjects/{T}/{id}`` (get, update, delete) and
``/sobjects/{T}/{field}/{value}`` (get, upsert, delete by an external id or idLookup field)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sponsorsync.sandbox.http import BadJson, Route, SandboxRequest, SandboxResponse
from sponsorsync.sandbox.salesforce.errors import sf_error
from sponsorsync.sandbox.salesforce.ids import normalize
from sponsorsync.sandbox.salesforce.schema import Field, SObject
from sponsorsync.sandbox.salesforce.soql_plan import archived_getter
from sponsorsync.sandbox.salesforce.state import DATA, OrgState
from sponsorsync.sandbox.salesforce.store import Row, Table
from sponsorsync.sandbox.salesforce.values import format_datetime
from sponsorsync.sandbox.salesforce.writes import Ambiguous, Gone, NotFound, WriteError

_RECORD = f"{DATA}/sobjects/{{sobject}}/{{record_id}}"
_BY_KEY = f"{DATA}/sobjects/{{sobject}}/{{field}}/{{value:.+}}"


def not_found() -> SandboxResponse:
    return sf_error(404, "NOT_FOUND", "The requested resource does not exist")


def record_url(version: str, obj: SObject, record_id: str) -> str:
    return f"/services/data/{version}/sobjects/{obj.name}/{record_id}"


def full_record(
    obj: SObject, row: Row, version: str, now: datetime, names: list[Field] | None = None
) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": {"type": obj.name, "url": record_url(version, obj, row[0])}}
    for f in names or obj.fields:
        value = archived_getter(obj, now)(row) if f.computed else row[f.slot]
        record[f.name] = format_datetime(value) if f.type == "datetime" and value is not None else value
    return record


def body_of(request: SandboxRequest) -> dict[str, Any]:
    payload = request.json()
    if not isinstance(payload, dict):
        raise BadJson("Cannot deserialize instance of sObject from START_ARRAY value [line:1, column:1]")
    return payload


def key_field(obj: SObject, name: str) -> Field | None:
    field = obj.field(name)
    return field if field is not None and (field.external_id or field.id_lookup) else None


class RecordApi:
    def __init__(self, org: OrgState) -> None:
        self.org = org

    def routes(self) -> list[Route]:
        return [
            Route("POST", f"{DATA}/sobjects/{{sobject}}{{slash:/?}}", self.create),
            Route("GET", _RECORD, self.get),
            Route("PATCH", _RECORD, self.update),
            Route("DELETE", _RECORD, self.delete),
            Route("GET", _BY_KEY, self.get_by_key),
            Route("PATCH", _BY_KEY, self.upsert),
            Route("DELETE", _BY_KEY, self.delete_by_key),
        ]

    def _write(self, action: Callable[[], SandboxResponse]) -> SandboxResponse:
        store = self.org.store
        token = store.begin()
        try:
            response = action()
        except (NotFound, Gone) as exc:
            store.rollback(token)
            return sf_error(404, exc.code, exc.message)
        except WriteError as exc:
            store.rollback(token)
            return SandboxResponse.json(400, [exc.top_level()])
        if response.status >= 300:
            store.rollback(token)
        else:
            store.commit()
        return response

    def create(self, request: SandboxRequest) -> SandboxResponse:
        found = self.org.table(request.params["sobject"])
        if found is None:
            return not_found()
        obj, table = found
        body = body_of(request)

        def action() -> SandboxResponse:
            record_id = self.org.writer.create(table, body, self.org.stamp(request))
            location = record_url(request.params["version"], obj, record_id)
            return SandboxResponse.json(
                201, {"id": record_id, "success": True, "errors": []}, {"Location": location}
            )

        return self._write(action)

    def get(self, request: SandboxRequest) -> SandboxResponse:
        found = self.org.table(request.params["sobject"])
        if found is None:
            return not_found()
        obj, table = found
        try:
            row = self.org.writer.existing(table, request.params["record_id"])
        except (NotFound, Gone) as exc:
            return sf_error(404, exc.code, exc.message)
        return self._render(request, obj, row)

    def _render(self, request: SandboxRequest, obj: SObject, row: Row) -> SandboxResponse:
        names = None
        if request.arg("fields"):
            names = []
            for name in request.args("fields"):
                field = obj.field(name.strip())
                if field is None:
                    return sf_error(400, "INVALID_FIELD", f"No such column '{name}' on entity '{obj.name}'")
                names.append(field)
        return SandboxResponse.json(200, full_record(obj, row, request.params["version"], request.now, names))

    def update(self, request: SandboxRequest) -> SandboxResponse:
        found = self.org.table(request.params["sobject"])
        if found is None:
            return not_found()
        body = body_of(request)

        def action() -> SandboxResponse:
            self.org.writer.update(found[1], request.params["record_id"], body, self.org.stamp(request))
            return SandboxResponse.empty(204)

        return self._write(action)

    def delete(self, request: SandboxRequest) -> SandboxResponse:
        found = self.org.table(request.params["sobject"])
        if found is None:
            return not_found()

        def action() -> SandboxResponse:
            self.org.writer.delete(found[1], request.params["record_id"], self.org.stamp(request))
            return SandboxResponse.empty(204)

        return self._write(action)

    # -- by external id --------------------------------------------------------------------------
    def _keyed(self, request: SandboxRequest) -> tuple[SObject, Table, Field] | SandboxResponse:
        found = self.org.table(request.params["sobject"])
        if found is None:
            return not_found()
        obj, table = found
        field = key_field(obj, request.params["field"])
        if field is None:
            message = (
                f"Provided external ID field does not exist or is not accessible: {request.params['field']}"
            )
            return sf_error(404, "NOT_FOUND", message)
        return obj, table, field

    def _ambiguous(self, request: SandboxRequest, obj: SObject, ids: list[str]) -> SandboxResponse:
        return SandboxResponse.json(300, [record_url(request.params["version"], obj, i) for i in ids])

    def get_by_key(self, request: SandboxRequest) -> SandboxResponse:
        keyed = self._keyed(request)
        if isinstance(keyed, SandboxResponse):
            return keyed
        obj, table, field = keyed
        ids = self.org.writer.matches(table, field, request.params["value"])
        if len(ids) > 1:
            return self._ambiguous(request, obj, ids)
        row = table.get(ids[0]) if ids else None
        if row is None:
            return not_found()
        return self._render(request, obj, row)

    def upsert(self, request: SandboxRequest) -> SandboxResponse:
        keyed = self._keyed(request)
        if isinstance(keyed, SandboxResponse):
            return keyed
        obj, table, field = keyed
        body = body_of(request)
        value = request.params["value"]
        if field.name == "Id":
            value = normalize(value) or value
        if request.arg("updateOnly", "false") == "true" and not self.org.writer.matches(table, field, value):
            return not_found()

        def action() -> SandboxResponse:
            try:
                record_id, created = self.org.writer.upsert(
                    table, field, value, body, self.org.stamp(request)
                )
            except Ambiguous as exc:
                return self._ambiguous(request, obj, exc.ids)
            payload = {"id": record_id, "success": True, "errors": [], "created": created}
            headers = {"Location": record_url(request.params["version"], obj, record_id)}
            return SandboxResponse.json(201 if created else 200, payload, headers)

        return self._write(action)

    def delete_by_key(self, request: SandboxRequest) -> SandboxResponse:
        keyed = self._keyed(request)
        if isinstance(keyed, SandboxResponse):
            return keyed
        obj, table, field = keyed
        ids = self.org.writer.matches(table, field, request.params["value"])
        if len(ids) > 1:
            return self._ambiguous(request, obj, ids)
        if not ids:
            return not_found()

        def action() -> SandboxResponse:
            self.org.writer.delete(table, ids[0], self.org.stamp(request))
            return SandboxResponse.empty(204)

        return self._write(action)
