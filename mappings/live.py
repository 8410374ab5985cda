"""``mappings validate --live``: the mapping against the CRM's own description of its objects.

:func:`check_live` is pure: it takes the mapping and the described objects (``describe`` results
keyed by object name; an object missing from the dict was not found) and returns problems located
in the file like every other mapping problem. :func:`describe_objects` gathers the descriptions
through any object with a ``describe(name) -> ObjectSchema`` method.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator

from sponsorsync.connectors.base import FieldSchema, ObjectSchema
from sponsorsync.connectors.errors import CrmRequestError
from sponsorsync.mappings.checks import Sections
from sponsorsync.mappings.model import Mapping
from sponsorsync.mappings.objects import AccountsMapping, FieldKind, ObjectMapping
from sponsorsync.mappings.policy import Alliances
from sponsorsync.mappings.problems import Path, Problem
from sponsorsync.mappings.writeback import AccountWriteback, TaskWriteback, WriteField

#: CRM type names (Salesforce describe ``type``, HubSpot property ``type``) each kind accepts.
_TEXT = {
    "string",
    "textarea",
    "email",
    "phone",
    "url",
    "picklist",
    "combobox",
    "enumeration",
    "id",
    "reference",
}
COMPATIBLE: dict[str, set[str]] = {
    "id": {"id", "string", "number", "reference"},
    "reference": {
        "reference",
        "id",
        "string",
        "number",
        "enumeration",
    },  # HubSpot owner properties: enumeration
    "references": {"reference", "id", "string", "number", "enumeration"},
    "text": _TEXT,
    "email": {"email", "string"},
    "boolean": {"boolean", "bool"},
    "date": {"date", "datetime"},
    "datetime": {"datetime", "date"},
    "picklist": {"picklist", "multipicklist", "combobox", "enumeration", "string"},
    "number": {"currency", "double", "int", "long", "percent", "number", "string"},
    "watermark": {"datetime", "date", "number"},
}
_WRITE_KINDS: dict[str, FieldKind] = {
    "subject": "text",
    "body": "text",
    "due_date": "date",
    "owner_id": "reference",
    "status": "picklist",
    "priority": "picklist",
    "contact_id": "reference",
    "account_id": "reference",
    "health": "picklist",
    "last_touch": "date",
    "health_reason": "text",
    "covered": "boolean",
}

#: HubSpot owners are not described by the properties API; this is the owners API's fixed shape.
HUBSPOT_OWNERS = ObjectSchema(
    name="owners",
    fields={
        name: FieldSchema(name=name, type=kind)
        for name, kind in {
            "id": "string",
            "email": "string",
            "firstName": "string",
            "lastName": "string",
            "userId": "number",
            "createdAt": "datetime",
            "updatedAt": "datetime",
            "archived": "bool",
            "teams": "string",  # the connector gives the team names, ';'-separated
        }.items()
    },
)


def object_names(mapping: Mapping | Sections) -> list[str]:
    """Every CRM object the mapping reads or writes."""
    s = _sections(mapping)
    names = [spec.object for _, spec in s.named_objects()]
    if s.task is not None:
        names.append(s.task.object)
    if s.account_writeback is not None:
        names.append(s.account_writeback.object)
    return list(dict.fromkeys(names))


def describe_objects(
    mapping: Mapping | Sections, describe: Callable[[str], ObjectSchema]
) -> dict[str, ObjectSchema]:
    """Describe every object of the mapping; an object the CRM does not know is left out."""
    found: dict[str, ObjectSchema] = {}
    crm = _sections(mapping).crm
    for name in object_names(mapping):
        if crm == "hubspot" and name == "owners":
            found[name] = HUBSPOT_OWNERS
            continue
        try:
            found[name] = describe(name)
        except CrmRequestError as exc:
            if exc.status not in (400, 404):
                raise
    return found


def check_live(mapping: Mapping | Sections, schemas: dict[str, ObjectSchema]) -> list[Problem]:
    """Every object and field of ``mapping`` checked against ``schemas``. ``mapping`` may be the
    sections of a file that is not valid yet (those that are), so that live problems are shown
    together with the offline ones."""
    s = _sections(mapping)
    if s.crm is None:
        return []
    problems: list[Problem] = []
    for path, spec in s.named_objects():
        schema = schemas.get(spec.object)
        if schema is None:
            problems.append(_no_object((*path, "object"), spec.object, schemas))
            continue
        problems += _read_fields(path, spec, schema, s.crm)
    if s.accounts is not None and s.alliances is not None:
        problems += _alliance_values(s.accounts, s.alliances, schemas)
    problems += _writeback(s, s.crm, schemas)
    return problems


def _sections(mapping: Mapping | Sections) -> Sections:
    return mapping if isinstance(mapping, Sections) else Sections.of(mapping)


def _no_object(path: Path, name: str, schemas: dict[str, ObjectSchema]) -> Problem:
    near = difflib.get_close_matches(name, list(schemas), n=1, cutoff=0.6)
    hint = f"did you mean {near[0]!r}?" if near else "check the object's API name and the user's access to it"
    return Problem(path, f"the CRM has no object {name!r} (or this user cannot see it); {hint}")


def _field(path: Path, name: str, schema: ObjectSchema, crm: str) -> FieldSchema | Problem:
    if name in schema.fields:
        return schema.fields[name]
    if crm == "salesforce":  # Salesforce API names are case-insensitive
        for candidate, field in schema.fields.items():
            if candidate.casefold() == name.casefold():
                return field
    near = difflib.get_close_matches(name, list(schema.fields), n=1, cutoff=0.6)
    hint = f"did you mean {near[0]!r}?" if near else "check the API name and the field-level security"
    return Problem(path, f"{schema.name} has no field {name!r}; {hint}")


def _type_problem(path: Path, field: FieldSchema, kind: str, object_name: str) -> Iterator[Problem]:
    if field.type.lower() not in COMPATIBLE[kind]:
        yield Problem(
            path,
            f"{object_name}.{field.name} is of type {field.type}, which cannot hold a {kind} value; "
            f"map a field of type {' / '.join(sorted(COMPATIBLE[kind]))}",
        )


def _read_fields(path: Path, spec: ObjectMapping, schema: ObjectSchema, crm: str) -> Iterator[Problem]:
    kinds = type(spec.fields).KINDS
    watermark = _field((*path, "watermark"), spec.watermark, schema, crm)
    if isinstance(watermark, Problem):
        yield watermark
    else:
        yield from _type_problem((*path, "watermark"), watermark, "watermark", schema.name)
    for name, source in spec.fields.sources().items():
        if not isinstance(source, str) or "." in source:
            continue  # associations and Salesforce parent paths are read through other calls
        where = (*path, "fields", name)
        found = _field(where, source, schema, crm)
        if isinstance(found, Problem):
            yield found
            continue
        value_map = spec.value_maps.get(name)
        if value_map is None:
            yield from _type_problem(where, found, kinds[name], schema.name)
        elif found.picklist_values:
            allowed = {v.casefold() for v in found.picklist_values}
            for crm_value in value_map:
                if crm_value.casefold() not in allowed:
                    yield Problem(
                        (*path, "value_maps", name, crm_value),
                        f"{schema.name}.{found.name} has no value {crm_value!r}, so this entry never matches "
                        f"(values: {', '.join(found.picklist_values)}); use one of them",
                        at_key=True,
                    )


def _alliance_values(
    accounts: AccountsMapping, alliances: Alliances, schemas: dict[str, ObjectSchema]
) -> Iterator[Problem]:
    schema = schemas.get(accounts.object)
    if schema is None:
        return
    sources = accounts.fields.sources()
    for index, condition in enumerate(alliances.where):
        source = sources.get(condition.field)
        if (
            not isinstance(source, str)
            or condition.field in accounts.value_maps
            or source not in schema.fields
        ):
            continue
        allowed = schema.fields[source].picklist_values
        op = condition.operator
        compared = {"equals": [condition.equals], "in": condition.in_, "not_in": condition.not_in}.get(
            op
        ) or []
        for value in compared:
            if allowed and str(value) not in allowed:
                yield Problem(
                    ("alliances", "where", index, op),
                    f"{schema.name}.{source} has no value {value!r} (values: {', '.join(allowed)}); use one of them",
                )


def _writeback(s: Sections, crm: str, schemas: dict[str, ObjectSchema]) -> Iterator[Problem]:
    if s.task is not None:
        yield from _task_writeback(s.task, crm, schemas)
    yield from _account_writeback(s.account_writeback, crm, schemas)


def _task_writeback(task: TaskWriteback, crm: str, schemas: dict[str, ObjectSchema]) -> Iterator[Problem]:
    base: Path = ("writeback", "task")
    schema = schemas.get(task.object)
    if schema is None:
        yield _no_object((*base, "object"), task.object, schemas)
    else:
        yield from _key_field(task.key_field, crm, schema)
        values = task.values
        allowed = {
            "status": [values.status_open, values.status_completed, *filter(None, [values.status_not_needed])]
        }
        allowed["priority"] = [values.priority_high, values.priority_normal]
        writes = [(name, spec, (*base, "fields", name)) for name, spec in task.fields.items()]
        yield from _written(schema, writes, allowed, (*base, "values"), crm, create=True)
        yield from _stamp((*base, "stamp_field"), task.stamp_field, schema, crm, create=True)
        for name in ("modified_by_field", "completed_at_field"):  # read only: they must exist, nothing more
            read = getattr(task, name)
            found = None if read is None else _field((*base, name), read, schema, crm)
            if isinstance(found, Problem):
                yield found


def _account_writeback(
    account: AccountWriteback | None, crm: str, schemas: dict[str, ObjectSchema]
) -> Iterator[Problem]:
    if account is None:
        return
    base: Path = ("writeback", "account")
    schema = schemas.get(account.object)
    if schema is None:
        yield _no_object((*base, "object"), account.object, schemas)
        return
    health = account.fields.health
    allowed = {"health": [health.values.green, health.values.amber, health.values.red]} if health else {}
    writes = [(name, spec, (*base, "fields", name)) for name, spec in account.fields.items()]
    yield from _written(schema, writes, allowed, (*base, "fields", "health", "values"), crm, create=False)
    yield from _stamp((*base, "stamp_field"), account.stamp_field, schema, crm, create=False)


def _key_field(key_field: str, crm: str, schema: ObjectSchema) -> Iterator[Problem]:
    path: Path = ("writeback", "task", "key_field")
    found = _field(path, key_field, schema, crm)
    if isinstance(found, Problem):
        yield found
        return
    yield from _access(path, found, schema.name, create=True)
    # Salesforce offers External ID on activity custom fields, not Unique (docs/salesforce-activity-keys.md):
    # an upsert by an External ID never creates a second record, so External ID is what is required.
    if crm == "salesforce" and not found.external_id:
        yield Problem(
            path,
            f"{schema.name}.{found.name} must be an External ID, or upserts could create duplicates; "
            "tick External ID in the field's setup",
        )
    elif crm == "hubspot" and not found.unique:
        yield Problem(
            path,
            f"{schema.name}.{found.name} must have unique values (hasUniqueValue), or upserts could create "
            "duplicates; create the property with unique values",
        )


def _written(
    schema: ObjectSchema,
    writes: list[tuple[str, WriteField, Path]],
    allowed: dict[str, list[str]],
    values_path: Path,
    crm: str,
    *,
    create: bool,
) -> Iterator[Problem]:
    for name, spec, path in writes:
        found = _field(path, spec.field, schema, crm)
        if isinstance(found, Problem):
            yield found
            continue
        yield from _access(path, found, schema.name, create=create)
        yield from _type_problem(path, found, _WRITE_KINDS[name], schema.name)
        for value in allowed.get(name, []):
            if found.picklist_values and value not in found.picklist_values:
                yield Problem(
                    values_path,
                    f"{schema.name}.{found.name} has no value {value!r} (values: {', '.join(found.picklist_values)}); "
                    "use one of them",
                )


def _stamp(
    path: Path, name: str | None, schema: ObjectSchema, crm: str, *, create: bool
) -> Iterator[Problem]:
    if name is None:
        return
    found = _field(path, name, schema, crm)
    if isinstance(found, Problem):
        yield found
        return
    yield from _access(path, found, schema.name, create=create)
    yield from _type_problem(path, found, "text", schema.name)


def _access(path: Path, field: FieldSchema, object_name: str, *, create: bool) -> Iterator[Problem]:
    missing = [
        word
        for word, ok in (("createable", field.createable or not create), ("updateable", field.updateable))
        if not ok
    ]
    if missing:
        yield Problem(
            path,
            f"{object_name}.{field.name} is not {' or '.join(missing)} for this user; sponsorsync writes it, "
            "so grant edit access (field-level security / property permissions) or pick another field",
        )
