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

The connector is split by concern: the call layer (pacing, quota, retries) in
:mod:`connectors.hubspot_calls`, pulls in :mod:`connectors.hubspot_pull`, writes in
:mod:`connectors.hubspot_write`, record conversion in :mod:`connectors.hubspot_records`; this
module adds the account, schema, history and setup calls.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from hubspot.crm.objects import BatchReadInputSimplePublicObjectId, SimplePublicObjectId

from sponsorsync.connectors.base import (
    CheckReport,
    CrmName,
    FieldDefinition,
    FieldSchema,
    ObjectSchema,
    ObjectSpec,
    OrgIdentity,
    Record,
    SetupStep,
    WriteResult,
)
from sponsorsync.connectors.errors import AuthFailed, CrmRequestError
from sponsorsync.connectors.hubspot_calls import BATCH_SIZE, OWNER_FIELDS, OWNERS, Apis
from sponsorsync.connectors.hubspot_errors import HubSpotRejected
from sponsorsync.connectors.hubspot_pull import HubSpotPulls
from sponsorsync.connectors.hubspot_records import last_change
from sponsorsync.connectors.hubspot_write import HubSpotWrites

log = logging.getLogger(__name__)


class HubSpotConnector(HubSpotPulls, HubSpotWrites):
    crm: CrmName = "hubspot"

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
        # The account information API (hubspot-api-client has no module for it): the portal id, and
        # the account's time zone (days are counted on it).
        def details(api: Apis) -> Any:
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
        zone = data.get("timeZone")
        return OrgIdentity(
            org_id=str(portal),
            instance_url=self._base_url,
            time_zone=zone if isinstance(zone, str) and zone else None,
        )

    def org_time_zone(self) -> str | None:
        """The account's time zone (the account details, as :meth:`identity` reads them)."""
        return self.identity().time_zone

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
                when = last_change(raw, field)
                if when is not None and when >= since:
                    found[str(raw["id"])] = when
        return found

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
