"""Property definitions (``/crm/v3/properties``): the HubSpot-defined and seeded custom properties
from :mod:`catalog`, plus properties created through the API (an overlay that reset drops)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sponsorsync.sandbox.hubspot.errors import HubSpotError, bad_request
from sponsorsync.sandbox.hubspot.objects import ObjectType

TYPES = ("string", "number", "date", "datetime", "enumeration", "bool")
FIELD_TYPES = {
    "string": ("text", "textarea", "phonenumber", "html", "file"),
    "number": ("number", "calculation_equation"),
    "date": ("date",),
    "datetime": ("date",),
    "enumeration": ("select", "radio", "checkbox", "booleancheckbox", "calculation_equation"),
    "bool": ("booleancheckbox", "calculation_equation"),
}
STANDARD_STAMP = "2019-08-06T02:41:44.665Z"
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


@dataclass(frozen=True)
class Option:
    label: str
    value: str
    display_order: int = 0
    hidden: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "value": self.value,
            "displayOrder": self.display_order,
            "hidden": self.hidden,
        }


@dataclass(frozen=True)
class PropertyDef:
    name: str
    label: str
    type: str
    field_type: str
    group: str
    description: str = ""
    options: tuple[Option, ...] = ()
    display_order: int = -1
    calculated: bool = False
    external_options: bool = False
    unique: bool = False
    hidden: bool = False
    hubspot_defined: bool = True
    read_only: bool = False  # modificationMetadata.readOnlyValue
    form_field: bool = False
    referenced: str | None = None  # "OWNER" for owner properties
    created_at: str = STANDARD_STAMP
    updated_at: str = STANDARD_STAMP
    option_values: frozenset[str] = field(default=frozenset(), compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_values", frozenset(o.value for o in self.options))

    @property
    def is_owner(self) -> bool:
        return self.referenced == "OWNER"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "updatedAt": self.updated_at,
            "createdAt": self.created_at,
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group,
            "options": [o.to_json() for o in self.options],
        }
        if self.referenced:
            data["referencedObjectType"] = self.referenced
        data.update(
            displayOrder=self.display_order,
            calculated=self.calculated,
            externalOptions=self.external_options,
        )
        if not self.hubspot_defined:
            data["archived"] = False
        data.update(hasUniqueValue=self.unique, hidden=self.hidden)
        if self.hubspot_defined:
            data["hubspotDefined"] = True
        data["modificationMetadata"] = {
            "archivable": True,
            "readOnlyDefinition": self.hubspot_defined,
            "readOnlyValue": self.read_only,
        }
        data["formField"] = self.form_field
        data["dataSensitivity"] = "non_sensitive"
        return data


@dataclass(frozen=True)
class PropertyGroup:
    name: str
    label: str
    display_order: int = -1

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "label": self.label, "displayOrder": self.display_order, "archived": False}


class Schema:
    """Every object type's properties: the seeded catalog plus API-created ones."""

    def __init__(self, seeded: Mapping[str, Iterable[PropertyDef]], *, bare: bool = False) -> None:
        """``bare``: the portal starts without the seeded custom properties (``sandbox serve --bare``);
        records keep their values for them, shown once a property of that name is created."""
        everything = {otype: {p.name: p for p in props} for otype, props in seeded.items()}
        self._withheld: dict[str, set[str]] = {
            otype: ({n for n, p in props.items() if not p.hubspot_defined} if bare else set())
            for otype, props in everything.items()
        }
        self._seeded: dict[str, dict[str, PropertyDef]] = {
            otype: {n: p for n, p in props.items() if n not in self._withheld[otype]}
            for otype, props in everything.items()
        }
        self._seeded_groups: dict[str, dict[str, PropertyGroup]] = {
            otype: {p.group: PropertyGroup(p.group, _label(p.group)) for p in props.values()}
            for otype, props in self._seeded.items()
        }
        self._created: dict[str, dict[str, PropertyDef]] = {}
        self._created_groups: dict[str, dict[str, PropertyGroup]] = {}

    def reset(self) -> None:
        self._created.clear()
        self._created_groups.clear()

    def withheld(self, otype: ObjectType) -> set[str]:
        """Seeded custom properties a bare portal does not have (yet): their values stay unseen."""
        created = self._created.get(otype.name, {})
        return {n for n in self._withheld.get(otype.name, set()) if n not in created}

    # -- property groups ---------------------------------------------------------------------------
    def groups(self, otype: ObjectType) -> list[PropertyGroup]:
        return [*self._seeded_groups[otype.name].values(), *self._created_groups.get(otype.name, {}).values()]

    def group(self, otype: ObjectType, name: str) -> PropertyGroup | None:
        return self._seeded_groups[otype.name].get(name) or self._created_groups.get(otype.name, {}).get(name)

    def create_group(self, otype: ObjectType, payload: Any) -> PropertyGroup:
        if not isinstance(payload, dict):
            raise bad_request("Invalid input JSON: expected a property group object")
        missing = [k for k in ("name", "label") if not payload.get(k)]
        if missing:
            raise bad_request(f"Missing required fields: {', '.join(missing)}", missingFields=missing)
        name = str(payload["name"])
        if not _NAME.match(name):
            raise bad_request(
                f"Property group name '{name}' is invalid: use lower-case letters, digits and underscores"
            )
        if self.group(otype, name) is not None:
            raise HubSpotError(
                409,
                "OBJECT_ALREADY_EXISTS",
                f"A property group named '{name}' already exists.",
                {"name": [name]},
                "PropertyGroupError.GROUP_EXISTS",
            )
        group = PropertyGroup(name, str(payload["label"]), int(payload.get("displayOrder", -1)))
        self._created_groups.setdefault(otype.name, {})[name] = group
        return group

    def get(self, otype: ObjectType, name: str) -> PropertyDef | None:
        found = self._seeded[otype.name].get(name)
        if found is None:
            found = self._created.get(otype.name, {}).get(name)
        return found

    def all(self, otype: ObjectType) -> list[PropertyDef]:
        return [*self._seeded[otype.name].values(), *self._created.get(otype.name, {}).values()]

    def names(self, otype: ObjectType) -> list[str]:
        return [p.name for p in self.all(otype)]

    def unique_props(self, otype: ObjectType) -> list[str]:
        """Properties whose value identifies one record (contacts: email too)."""
        names = [p.name for p in self.all(otype) if p.unique]
        return ["email", *names] if otype.name == "contacts" else names

    def create(self, otype: ObjectType, payload: Any, now_iso: str) -> PropertyDef:
        if not isinstance(payload, dict):
            raise bad_request("Invalid input JSON: expected a property definition object")
        missing = [k for k in ("name", "label", "type", "fieldType", "groupName") if not payload.get(k)]
        if missing:
            raise bad_request(f"Missing required fields: {', '.join(missing)}", missingFields=missing)
        name = str(payload["name"])
        if not _NAME.match(name):
            raise bad_request(
                f"Property name '{name}' is invalid: use lower-case letters, digits and underscores, "
                "starting with a letter"
            )
        if self.get(otype, name) is not None:
            raise HubSpotError(
                409,
                "OBJECT_ALREADY_EXISTS",
                f"A property named '{name}' already exists.",
                {"name": [name]},
                "PropertyValidationError.PROPERTY_EXISTS",
            )
        ptype, field_type = str(payload["type"]), str(payload["fieldType"])
        if ptype not in TYPES:
            raise bad_request(f"Invalid property type '{ptype}': use one of {', '.join(TYPES)}")
        if field_type not in FIELD_TYPES[ptype]:
            raise bad_request(f"fieldType '{field_type}' is not valid for a property of type '{ptype}'")
        options = tuple(_option(o, i) for i, o in enumerate(payload.get("options") or []))
        if ptype == "enumeration" and not options and not payload.get("externalOptions"):
            raise bad_request(f"Enumeration property '{name}' needs at least one option")
        if self.group(otype, str(payload["groupName"])) is None:
            raise bad_request(
                f"Property group '{payload['groupName']}' does not exist on {otype.name}: create it first "
                f"(POST /crm/v3/properties/{otype.name}/groups)"
            )
        prop = PropertyDef(
            name=name,
            label=str(payload["label"]),
            type=ptype,
            field_type=field_type,
            group=str(payload["groupName"]),
            description=str(payload.get("description") or ""),
            options=options,
            display_order=int(payload.get("displayOrder", -1)),
            external_options=bool(payload.get("externalOptions", False)),
            unique=bool(payload.get("hasUniqueValue", False)),
            hidden=bool(payload.get("hidden", False)),
            hubspot_defined=False,
            form_field=bool(payload.get("formField", False)),
            referenced=payload.get("referencedObjectType"),
            created_at=now_iso,
            updated_at=now_iso,
        )
        self._created.setdefault(otype.name, {})[name] = prop
        return prop

    def with_options(self, otype: ObjectType, name: str, values: Iterable[str]) -> None:
        """Add options a seeded org uses (e.g. its industries) to a seeded enumeration."""
        prop = self._seeded[otype.name][name]
        known = {o.value for o in prop.options}
        extra = [v for v in sorted(set(values)) if v not in known]
        start = len(prop.options)
        added = tuple(Option(_label(v), v, start + i) for i, v in enumerate(extra))
        self._seeded[otype.name][name] = replace(prop, options=prop.options + added)


def _option(data: Any, index: int) -> Option:
    if not isinstance(data, dict) or "value" not in data:
        raise bad_request("Each option needs a label and a value")
    value = str(data["value"])
    return Option(
        str(data.get("label", value)),
        value,
        int(data.get("displayOrder", index)),
        bool(data.get("hidden", False)),
    )


def _label(value: str) -> str:
    return value.replace("_", " ").title()
