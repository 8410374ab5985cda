"""``--data FILE``: a hand-written HubSpot portal in JSON (format in docs/sandbox-hubspot.md).

A record may carry ``"@id": "label"``; any string ``"@label"`` elsewhere becomes the id made for
that label. ``"@now"``, ``"@now-30d"``, ``"@today"``, ``"@today-45d"`` (units d, h, m) are resolved
against the clock: ``@now`` as a datetime, ``@today`` as a date. ``"@@x"`` is the literal ``"@x"``.
``"@repeat": N`` expands a record N times, with ``{n}`` (1..N) in its strings. Property values are
validated as the API validates writes; every error names the file, the record and the field.
``"history": {prop: [{"value", "timestamp", "sourceType"?, "updatedByUserId"?}, ...]}`` gives a
property's versions newest first (``propertiesWithHistory``); the newest holds its value."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sponsorsync.sandbox.hubspot.catalog import CATALOG
from sponsorsync.sandbox.hubspot.derived import derive
from sponsorsync.sandbox.hubspot.objects import BY_NAME, CONTACTS, DEFAULT_TYPE, TASKS, ObjectType
from sponsorsync.sandbox.hubspot.owners import (
    OWNER_ID_BASE,
    TEAM_ID_BASE,
    USER_ID_BASE,
    Owner,
    Team,
)
from sponsorsync.sandbox.hubspot.portal import DEFAULT_PORTAL_ID, Seed, SeedBuilder
from sponsorsync.sandbox.hubspot.schema import Schema
from sponsorsync.sandbox.hubspot.table import PropVersion
from sponsorsync.sandbox.hubspot.values import Validator, parse_instant, to_ms

_TIME = re.compile(r"@(now|today)(?:([+-])(\d+)([dhm]))?\Z")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
RECORD_KEYS = {
    "@id",
    "@repeat",
    "createdAt",
    "updatedAt",
    "archived",
    "properties",
    "associations",
    "history",
}
HISTORY_KEYS = {"value", "timestamp", "sourceType", "updatedByUserId"}
SOURCE_TYPES = ("CRM_UI", "INTEGRATION", "IMPORT")
OWNER_KEYS = {"@id", "email", "firstName", "lastName", "archived", "team", "createdAt", "updatedAt"}
TOP_KEYS = {"portalId", "owners", *BY_NAME}


class DataError(ValueError):
    pass


class _Loader:
    def __init__(self, path: Path, now: datetime) -> None:
        self.path = path
        self.now = now
        self.labels: dict[str, str] = {}
        self.where = ""
        self.unique_seen: set[tuple[str, str, str]] = set()
        self.primary: dict[int, int] = {}  # contact id -> primary company id

    def fail(self, problem: str, field: str | None = None) -> DataError:
        at = f": field {field!r}" if field else ""
        return DataError(f"{self.path}: {self.where}{at}: {problem}")

    def resolve(self, value: Any, field: str, n: int | None = None) -> Any:
        """Labels, time expressions and ``{n}`` in one value (recursively)."""
        if isinstance(value, list):
            return [self.resolve(v, field, n) for v in value]
        if not isinstance(value, str):
            return value
        if n is not None:
            value = value.replace("{n}", str(n))
        if not value.startswith("@"):
            return value
        if value.startswith("@@"):
            return value[1:]
        if ";" in value:  # a multi-value property of labels: "@ava;@marcus"
            return ";".join(str(self.resolve(part, field, n)) for part in value.split(";"))
        match = _TIME.match(value)
        if match:
            delta = (
                timedelta(**{_UNITS[match.group(4)]: int(match.group(3))}) if match.group(2) else timedelta()
            )
            when = self.now + delta if match.group(2) == "+" else self.now - delta
            if match.group(1) == "today":
                return when.date().isoformat()
            return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if value[1:] not in self.labels:
            raise self.fail(f'unknown label {value!r} (no record or owner has "@id": {value[1:]!r})', field)
        return self.labels[value[1:]]

    def instant(self, data: dict[str, Any], field: str, default: int, n: int | None = None) -> int:
        if field not in data:
            return default
        value = self.resolve(data[field], field, n)
        ms = parse_instant(str(value)) if isinstance(value, str) else None
        if ms is None:
            raise self.fail(f"{value!r} is not a datetime (ISO-8601, epoch ms, @now or @today)", field)
        return ms


def load(path: Path, now: datetime) -> Seed:
    """The seeded portal described by the JSON file at ``path``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"{path}: cannot read the HubSpot sandbox data: {exc}") from None
    loader = _Loader(Path(path), now)
    if not isinstance(data, dict):
        raise DataError(f"{path}: the top level must be an object with owners and object types")
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise DataError(f"{path}: unknown top-level keys {sorted(unknown)}; known: {sorted(TOP_KEYS)}")
    seed = SeedBuilder(now, int(data.get("portalId", DEFAULT_PORTAL_ID)))
    owners = _sections(loader, data, "owners")
    types = [BY_NAME[name] for name in BY_NAME if name in data]
    records = {otype.name: _sections(loader, data, otype.name) for otype in types}
    _allocate(loader, owners, records)
    _owners(loader, seed, owners)
    schema = Schema(CATALOG)
    validator = Validator(seed.portal_id, lambda owner_id: any(o.id == owner_id for o in seed.owners))
    links = _links(loader, records)
    for otype in types:
        for index, record in enumerate(records[otype.name]):
            _records(loader, seed, schema, validator, otype, index, record)
    for (source, source_id, target, target_id), primary in links.items():
        seed.link(BY_NAME[source], source_id, BY_NAME[target], target_id, primary)
    seed.labels = dict(loader.labels)
    return seed.build()


def _sections(loader: _Loader, data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    section = data.get(name, [])
    if not isinstance(section, list) or not all(isinstance(r, dict) for r in section):
        raise DataError(f"{loader.path}: {name} must be a list of objects")
    return section


def _allocate(
    loader: _Loader, owners: list[dict[str, Any]], records: dict[str, list[dict[str, Any]]]
) -> None:
    """Give every labelled owner and record its id, so that references may point forwards."""
    for index, owner in enumerate(owners):
        _label(loader, owner, f"owners[{index}]", str(OWNER_ID_BASE + index + 1))
    for name, section in records.items():
        next_id = BY_NAME[name].id_base + 1
        for index, record in enumerate(section):
            repeat = record.get("@repeat", 1)
            loader.where = f"{name}[{index}]"
            if not isinstance(repeat, int) or repeat < 1:
                raise loader.fail("must be a whole number of copies, at least 1", "@repeat")
            if repeat > 1 and "@id" in record:
                raise loader.fail("a repeated record cannot carry a label", "@id")
            _label(loader, record, loader.where, str(next_id))
            next_id += repeat


def _label(loader: _Loader, record: dict[str, Any], where: str, object_id: str) -> None:
    label = record.get("@id")
    if label is None:
        return
    loader.where = where
    if not isinstance(label, str) or not label or label.startswith("@"):
        raise loader.fail("a label is a non-empty string without the leading @", "@id")
    if label in loader.labels:
        raise loader.fail(f"label {label!r} is used twice", "@id")
    loader.labels[label] = object_id


def _owners(loader: _Loader, seed: SeedBuilder, owners: list[dict[str, Any]]) -> None:
    teams: dict[str, Team] = {}
    now = to_ms(loader.now)
    for index, data in enumerate(owners):
        loader.where = f"owners[{index}]" + (f" (@id {data['@id']})" if "@id" in data else "")
        unknown = set(data) - OWNER_KEYS
        if unknown:
            raise loader.fail(f"unknown keys {sorted(unknown)}; known: {sorted(OWNER_KEYS)}")
        email = data.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise loader.fail("every owner needs an e-mail address", "email")
        team_name = data.get("team")
        team = None
        if team_name:
            team = teams.setdefault(str(team_name), Team(str(TEAM_ID_BASE + len(teams) + 1), str(team_name)))
        created = loader.instant(data, "createdAt", now)
        seed.owners.append(
            Owner(
                str(OWNER_ID_BASE + index + 1),
                email.lower(),
                str(data.get("firstName", "")),
                str(data.get("lastName", "")),
                USER_ID_BASE + index + 1,
                created,
                loader.instant(data, "updatedAt", created),
                archived=bool(data.get("archived", False)),
                team=team,
            )
        )


Link = tuple[str, int, str, int]


def _links(loader: _Loader, records: dict[str, list[dict[str, Any]]]) -> dict[Link, bool]:
    """Every declared association (contact side first, so a contact's first company is primary)."""
    links: dict[Link, bool] = {}
    order = sorted(records, key=lambda name: name != "contacts")
    for name in order:
        for index, record in enumerate(records[name]):
            declared = record.get("associations") or {}
            loader.where = f"{name}[{index}]" + (f" (@id {record['@id']})" if "@id" in record else "")
            if not isinstance(declared, dict):
                raise loader.fail("must map object types to lists of labels or ids", "associations")
            if declared and record.get("@repeat", 1) > 1:
                raise loader.fail("a repeated record cannot declare associations", "associations")
            source_id = int(loader.labels.get(str(record.get("@id")), "0") or 0)
            for target_name, targets in declared.items():
                field = f"associations.{target_name}"
                target = BY_NAME.get(target_name)
                if target is None or (name, target_name) not in DEFAULT_TYPE:
                    raise loader.fail(f"{name} cannot be associated with {target_name!r}", field)
                if not source_id:
                    raise loader.fail("a record with associations needs an @id", field)
                for target_id in _ids(loader, targets, target, field):
                    key = (name, source_id, target_name, target_id)
                    if key in links or (target_name, target_id, name, source_id) in links:
                        continue
                    contact, company = _contact_company(name, source_id, target_name, target_id)
                    primary = contact is not None and contact not in loader.primary
                    if contact is not None and company is not None and primary:
                        loader.primary[contact] = company
                    links[key] = primary
    return links


def _contact_company(
    source: str, source_id: int, target: str, target_id: int
) -> tuple[int | None, int | None]:
    if (source, target) == ("contacts", "companies"):
        return source_id, target_id
    if (source, target) == ("companies", "contacts"):
        return target_id, source_id
    return None, None


def _ids(loader: _Loader, targets: Any, target: ObjectType, field: str) -> list[int]:
    if not isinstance(targets, list):
        raise loader.fail("must be a list of labels or ids", field)
    ids = []
    for raw in targets:
        value = loader.resolve(raw, field) if isinstance(raw, str) else str(raw)
        if not str(value).isdigit() or not target.id_base < int(value) < target.id_base + 10_000_000_000:
            raise loader.fail(f"{raw!r} is not a {target.singular} of this file", field)
        ids.append(int(value))
    return ids


def _records(
    loader: _Loader,
    seed: SeedBuilder,
    schema: Schema,
    validator: Validator,
    otype: ObjectType,
    index: int,
    record: dict[str, Any],
) -> None:
    loader.where = f"{otype.name}[{index}]" + (f" (@id {record['@id']})" if "@id" in record else "")
    unknown = set(record) - RECORD_KEYS
    if unknown:
        raise loader.fail(f"unknown keys {sorted(unknown)}; known: {sorted(RECORD_KEYS)}")
    raw_props = record.get("properties") or {}
    if not isinstance(raw_props, dict):
        raise loader.fail("must be an object of property values", "properties")
    table = seed.tables[otype.name]
    now = to_ms(loader.now)
    repeat = record.get("@repeat", 1)
    for n in range(1, repeat + 1):
        resolved = {
            k: loader.resolve(v, f"properties.{k}", n if repeat > 1 else None) for k, v in raw_props.items()
        }
        clean, errors = validator.clean(resolved, lambda name: schema.get(otype, name))
        if errors:
            first = errors[0]
            raise loader.fail(str(first["message"]), f"properties.{first['name']}")
        created = loader.instant(record, "createdAt", now, n)
        modified = loader.instant(record, "updatedAt", created, n)
        archived = modified if record.get("archived") else None
        values: dict[str, str | int | None] = {}
        for name, value in clean.items():
            values[name] = _column_value(value, name in table.ms_props)
        if otype is CONTACTS:
            company = loader.primary.get(table.next_id)
            values["associatedcompanyid"] = None if company is None else str(company)
        if otype is TASKS and clean.get("hs_task_status") == "COMPLETED":
            values["hs_task_completion_date"] = modified
        derive(otype, values, clean, was_closed=False, now=modified)
        for prop in schema.unique_props(otype):
            _unique(loader, otype, prop, clean.get(prop))
        history = _history(loader, record.get("history"), resolved, n if repeat > 1 else None)
        object_id = seed.record(otype, values, created, modified, archived)
        for prop, versions in history.items():
            seed.record_history(otype, object_id, prop, versions)


def _history(
    loader: _Loader, data: Any, current: dict[str, Any], n: int | None
) -> dict[str, tuple[PropVersion, ...]]:
    """A record's ``history``: per property, its versions newest first, the newest holding the
    property's value in ``properties``."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise loader.fail("must map property names to lists of versions, newest first", "history")
    found: dict[str, tuple[PropVersion, ...]] = {}
    for prop, entries in data.items():
        field = f"history.{prop}"
        if prop not in current:
            raise loader.fail(f"{prop!r} has a history but no value in properties", field)
        if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
            raise loader.fail("must be a non-empty list of {value, timestamp} objects, newest first", field)
        versions: list[PropVersion] = []
        for index, entry in enumerate(entries):
            where = f"{field}[{index}]"
            unknown = set(entry) - HISTORY_KEYS
            if unknown:
                raise loader.fail(f"unknown keys {sorted(unknown)}; known: {sorted(HISTORY_KEYS)}", where)
            value = loader.resolve(entry.get("value"), where, n)
            if not isinstance(value, str):
                raise loader.fail("value must be a string", f"{where}.value")
            at = loader.instant(entry, "timestamp", -1, n)
            if at < 0:
                raise loader.fail("every version needs a timestamp", f"{where}.timestamp")
            if versions and at > versions[-1].timestamp_ms:
                raise loader.fail("versions go newest first", f"{where}.timestamp")
            source = entry.get("sourceType", "CRM_UI")
            if source not in SOURCE_TYPES:
                raise loader.fail(
                    f"sourceType must be one of {', '.join(SOURCE_TYPES)}", f"{where}.sourceType"
                )
            user = entry.get("updatedByUserId")
            if user is not None and (not isinstance(user, int) or isinstance(user, bool)):
                raise loader.fail("updatedByUserId must be a whole number", f"{where}.updatedByUserId")
            source_id = f"userId:{user}" if user is not None else None
            versions.append(PropVersion(value, at, str(source), source_id, user))
        if versions[0].value != str(current[prop]):
            raise loader.fail(
                f"the newest version must hold the value in properties ({current[prop]!r})", field
            )
        found[prop] = tuple(versions)
    return found


def _column_value(value: str | None, is_ms: bool) -> str | int | None:
    if value is None or value == "":
        return None
    if is_ms:
        return parse_instant(value)
    return value


def _unique(loader: _Loader, otype: ObjectType, prop: str, value: str | None) -> None:
    if not value:
        return
    seen = loader.unique_seen
    key = (otype.name, prop, value.lower() if prop == "email" else value)
    if key in seen:
        raise loader.fail(
            f"{value!r} is already used by another {otype.singular}; {prop} is unique", f"properties.{prop}"
        )
    seen.add(key)
