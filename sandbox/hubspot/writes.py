"""Writes: create, update, archive, upsert and (dis)associate, validated as HubSpot validates
them. Every write stamps the last-modified properties and ``updatedAt`` with the sandbox clock;
creating or removing an association stamps both records too."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sponsorsync.sandbox.hubspot.derived import derive, is_closed
from sponsorsync.sandbox.hubspot.errors import HubSpotError, bad_request, validation_error
from sponsorsync.sandbox.hubspot.limits import APP_ID
from sponsorsync.sandbox.hubspot.objects import (
    ASSOCIATION_TYPES,
    BY_NAME,
    COMPANIES,
    CONTACTS,
    DEFAULT_TYPE,
    ENGAGEMENTS,
    PRIMARY_TYPE,
    TASKS,
    ObjectType,
)
from sponsorsync.sandbox.hubspot.portal import Portal, parse_id
from sponsorsync.sandbox.hubspot.store import Source
from sponsorsync.sandbox.hubspot.table import Version
from sponsorsync.sandbox.hubspot.values import iso, to_ms

AssociationInput = tuple[ObjectType, int, frozenset[int]]  # target type, target id, type ids


class Writer:
    def __init__(self, portal: Portal, now: datetime) -> None:
        self.portal = portal
        self.now_ms = to_ms(now)
        self.now_iso = iso(self.now_ms)

    # -- records -------------------------------------------------------------------------------
    def clean(self, otype: ObjectType, props: Any) -> dict[str, str | None]:
        if not isinstance(props, dict):
            raise bad_request("Invalid input JSON: properties must be an object")
        clean, errors = self.portal.validator.clean(props, lambda name: self.portal.schema.get(otype, name))
        if errors:
            raise validation_error(errors)
        return clean

    def check_unique(self, otype: ObjectType, values: Mapping[str, str | None], own_id: int | None) -> None:
        store = self.portal.store(otype)
        for prop in self.portal.schema.unique_props(otype):
            value = values.get(prop)
            if not value:
                continue
            holder = store.find_unique(prop, value, archived_too=holds_archived(otype, prop))
            if holder is not None and holder != own_id:
                raise duplicate(otype, prop, holder)

    def create(self, otype: ObjectType, props: Any, associations: Any = None) -> Version:
        clean = self.clean(otype, props)
        links = self.association_inputs(otype, associations)
        self.check_unique(otype, clean, None)
        store = self.portal.store(otype)
        object_id = store.allocate()
        values: dict[str, str | None] = dict(clean)
        values["hs_object_id"] = str(object_id)
        values[otype.created_prop] = self.now_iso
        if otype is COMPANIES:
            values["hs_createdate"] = self.now_iso
        if otype in ENGAGEMENTS and not values.get("hs_timestamp"):
            values["hs_timestamp"] = self.now_iso
        if otype is TASKS and values.get("hs_task_status") == "COMPLETED":
            values["hs_task_completion_date"] = self.now_iso
        derive(otype, values, clean, was_closed=False, now=self.now_iso)
        self._stamp(otype, values)
        version = Version(object_id, values, self.now_ms, self.now_ms)
        self._put(otype, version)
        for target, target_id, type_ids in links:
            self.associate(otype, object_id, target, target_id, type_ids)
        return self.portal.store(otype).get(object_id) or version

    def update(self, otype: ObjectType, current: Version, props: Any) -> Version:
        clean = self.clean(otype, props)
        self.check_unique(otype, clean, current.id)
        changed = {k: v for k, v in clean.items() if current.props.get(k) != v}
        if not changed:
            return current
        values = dict(current.props)
        values.update(changed)
        if otype is TASKS and "hs_task_status" in changed:
            done = changed["hs_task_status"] == "COMPLETED"
            values["hs_task_completion_date"] = self.now_iso if done else None
        derive(otype, values, clean, was_closed=is_closed(otype, current.props), now=self.now_iso)
        return self._replace(otype, current, values)

    def archive(self, otype: ObjectType, object_id: int) -> bool:
        current = self.portal.store(otype).live(object_id)
        if current is None:
            return False
        archived = Version(current.id, current.props, current.created_ms, self.now_ms, self.now_ms)
        self._put(otype, archived)
        return True

    def upsert(self, otype: ObjectType, id_property: str, key: str, props: Any) -> tuple[Version, bool]:
        existing = self.portal.find(otype, key, id_property)
        if existing is not None:
            return self.update(otype, existing, props), False
        values = dict(props) if isinstance(props, dict) else props
        if isinstance(values, dict):
            values[id_property] = key
        return self.create(otype, values), True

    # -- associations --------------------------------------------------------------------------
    def association_inputs(self, otype: ObjectType, inputs: Any) -> list[AssociationInput]:
        """Parse ``[{"to": {"id"}, "types": [{"associationCategory", "associationTypeId"}]}]``."""
        if not inputs:
            return []
        if not isinstance(inputs, list):
            raise bad_request("Invalid input JSON: associations must be a list")
        parsed: list[AssociationInput] = []
        for item in inputs:
            to_id = parse_id(str((item.get("to") or {}).get("id", ""))) if isinstance(item, dict) else None
            types = item.get("types") if isinstance(item, dict) else None
            if to_id is None or not isinstance(types, list) or not types:
                raise bad_request("Each association needs to.id and at least one type")
            type_ids = frozenset(self.type_id(otype, spec) for spec in types)
            targets = {ASSOCIATION_TYPES[t].target for t in type_ids}
            if len(targets) != 1:
                raise bad_request("The association types of one association must point at one object type")
            target = BY_NAME[targets.pop()]
            if not self.portal.store(target).is_live(to_id):
                raise bad_request(
                    f"{target.singular.upper()} {to_id} does not exist; cannot create the association",
                    id=[str(to_id)],
                )
            parsed.append((target, to_id, type_ids))
        return parsed

    @staticmethod
    def type_id(otype: ObjectType, spec: Any, target: ObjectType | None = None) -> int:
        if not isinstance(spec, dict):
            raise bad_request("An association type needs associationCategory and associationTypeId")
        category = spec.get("associationCategory", "HUBSPOT_DEFINED")
        raw = spec.get("associationTypeId")
        known = ASSOCIATION_TYPES.get(raw) if isinstance(raw, int) else None
        if (
            category != "HUBSPOT_DEFINED"
            or known is None
            or known.source != otype.name
            or (target is not None and known.target != target.name)
        ):
            pair = f"{otype.singular} to {target.singular}" if target else otype.singular
            raise bad_request(f"{category} association type {raw} is not valid for {pair}")
        return known.type_id

    def associate(
        self, source: ObjectType, source_id: int, target: ObjectType, target_id: int, type_ids: frozenset[int]
    ) -> bool:
        links = self.portal.links
        wanted = set(type_ids)
        wanted.add(DEFAULT_TYPE[(source.name, target.name)])  # a labeled association is also unlabeled
        primary = PRIMARY_TYPE.get((source.name, target.name))
        if primary is not None:
            contact_id, company_id = (source_id, target_id) if source is CONTACTS else (target_id, source_id)
            current = links.primary("contacts", contact_id, "companies")
            if current is None:
                wanted.add(primary)  # a contact's first company becomes its primary one
            elif primary in wanted and current != company_id:
                links.remove(
                    "contacts", contact_id, "companies", current, {PRIMARY_TYPE[("contacts", "companies")]}
                )
                self.touch(COMPANIES, current)
        changed = links.add(source.name, source_id, target.name, target_id, wanted)
        if changed:
            self.touch(source, source_id)
            self.touch(target, target_id)
        return changed

    def dissociate(
        self,
        source: ObjectType,
        source_id: int,
        target: ObjectType,
        target_id: int,
        type_ids: frozenset[int] | None,
    ) -> bool:
        changed = self.portal.links.remove(source.name, source_id, target.name, target_id, type_ids)
        if changed:
            self.touch(source, source_id)
            self.touch(target, target_id)
        return changed

    def touch(self, otype: ObjectType, object_id: int) -> None:
        """Stamp a record as modified now (after an association change)."""
        current = self.portal.store(otype).live(object_id)
        if current is None:
            return
        values = dict(current.props)
        if otype is CONTACTS:
            company = self.portal.links.primary("contacts", object_id, "companies")
            values["associatedcompanyid"] = None if company is None else str(company)
        self._replace(otype, current, values)

    # -- internals -----------------------------------------------------------------------------
    def _replace(self, otype: ObjectType, current: Version, values: dict[str, str | None]) -> Version:
        self._stamp(otype, values)
        version = Version(current.id, values, current.created_ms, self.now_ms)
        self._put(otype, version)
        return version

    def _stamp(self, otype: ObjectType, values: dict[str, str | None]) -> None:
        for prop in otype.modified_props:
            values[prop] = self.now_iso
        if self.portal.schema.get(otype, "hs_updated_by_user_id") is not None:
            values["hs_updated_by_user_id"] = getattr(self.portal.acting, "user", None)

    def _put(self, otype: ObjectType, version: Version) -> None:
        self.portal.store(otype).put(version, self.now_ms, self.portal.index_lag_ms, self._source())

    def _source(self) -> Source:
        """Who writes, for the property history: the private app, or a person in the UI."""
        user = getattr(self.portal.acting, "user", None)
        if user:
            return ("CRM_UI", f"userId:{user}", int(user))
        return ("INTEGRATION", str(APP_ID), None)


def holds_archived(otype: ObjectType, prop: str) -> bool:
    """Whether an archived record keeps its value of unique property ``prop`` (every unique
    property but a contact's e-mail, which a new contact may take once the old one is deleted)."""
    return not (otype is CONTACTS and prop == "email")


def duplicate(otype: ObjectType, prop: str, holder: int) -> HubSpotError:
    if otype is CONTACTS and prop == "email":
        return HubSpotError(409, "CONFLICT", f"Contact already exists. Existing ID: {holder}")
    return HubSpotError(
        409,
        "CONFLICT",
        f"{holder} already has that value for the unique property {prop}. Existing ID: {holder}",
    )
