"""``--data FILE``: a hand-written org as JSON, for small orgs with known answers.

The file maps object names to lists of records, field names as in the describe::

    {"User": [{"@id": "ceo", "FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@northwind.example",
               "Username": "ada@northwind.example", "Title": "CEO"}],
     "Account": [{"@id": "acme", "Name": "Acme", "Type": "Partner", "OwnerId": "@ceo",
                  "LastModifiedDate": "@now-30d"}]}

The org's Organization record is always there; ``"Organization": [{...}]`` (one record at most)
sets its Name, TimeZoneSidKey, LanguageLocaleKey or DefaultLocaleSidKey.

``"@id": "label"`` names a record; ``"@label"`` anywhere else is that record's id. ``"@now"``,
``"@now-30d"``, ``"@now+2h"``, ``"@today"``, ``"@today-45d"`` (units d, h, m) are resolved against
the clock at load. Mistakes raise ValueError naming the file, the record and the field.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sponsorsync.sandbox.salesforce.ids import ORG_ID, make_id, normalize
from sponsorsync.sandbox.salesforce.schema import (
    CONTACT,
    HISTORY_DATA_TYPES,
    OBJECTS,
    ORGANIZATION,
    Field,
    SObject,
    find_object,
)
from sponsorsync.sandbox.salesforce.seed import ORGANIZATION_DEFAULTS, Seed, api_user_row, row_from
from sponsorsync.sandbox.salesforce.store import FIRST_NUMBER
from sponsorsync.sandbox.salesforce.values import second_stamp, to_ms
from sponsorsync.sandbox.salesforce.writes import WriteError, coerce_value, derive

_RELATIVE = re.compile(r"@(now|today)(?:([+-])(\d+)([dhm]))?\Z")
_SYSTEM = frozenset(
    {"IsDeleted", "CreatedDate", "LastModifiedDate", "SystemModstamp", "CreatedById", "LastModifiedById",
     "CompletedDateTime", "UserType", "ClosedDate"}
)  # fmt: skip
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
_ORDER = (
    "User", "Account", "Contact", "Task", "Event", "AccountTeamMember", "EventRelation", "TaskRelation",
    "AccountHistory", "Opportunity", "Case", "OpportunityPartner",
)  # fmt: skip


def load(path: Path, now: datetime) -> Seed:
    """The org in ``path``, with relative dates resolved against ``now``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path}: not a readable JSON file: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the top level must be an object mapping object names to record lists")
    return _Loader(path, now).run(data)


class _Loader:
    def __init__(self, path: Path, now: datetime) -> None:
        self.path = path
        self.now = now
        self.labels: dict[str, str] = {}
        self.numbers = dict.fromkeys(_ORDER, FIRST_NUMBER)
        self.numbers["User"] += 1  # the first user id is the integration (API) user
        self.contact_accounts: dict[str, str | None] = {}
        self.known_ids: dict[str, str] = {}  # id -> object name

    def run(self, data: dict[str, Any]) -> Seed:
        records: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for key, items in data.items():
            obj = find_object(key)
            if obj is None:
                known = ", ".join((*_ORDER, ORGANIZATION.name))
                raise ValueError(f"{self.path}: unknown object {key!r}; known: {known}")
            if not isinstance(items, list):
                raise ValueError(f"{self.path}: {obj.name} must be a list of records")
            if obj is ORGANIZATION and len(items) > 1:
                raise ValueError(
                    f"{self.path}: Organization: an org has one Organization record, not {len(items)}"
                )
            for index, item in enumerate(items):
                where = f"{self.path}: {obj.name}[{index}]"
                if not isinstance(item, dict):
                    raise ValueError(f"{where}: a record must be an object")
                records.setdefault(obj.name, []).append((self._assign(obj, item, where), item))
        api_user = api_user_row(second_stamp(self.now))
        self.known_ids[api_user[0]] = "User"
        rows: dict[str, list[tuple[Any, ...]]] = {"User": [api_user]}
        # Every org has its Organization record: the file's values (if it lists one) over the defaults.
        org_id, org_item = (records.get(ORGANIZATION.name) or [(ORG_ID, {})])[0]
        where = f"{self.path}: Organization[0]" + (f" ({org_item['@id']!r})" if "@id" in org_item else "")
        org_values = {**ORGANIZATION_DEFAULTS, **org_item}
        rows[ORGANIZATION.name] = [self._row(ORGANIZATION, org_id, org_values, where, api_user[0])]
        for name in _ORDER:
            obj = OBJECTS[name.lower()]
            for index, (record_id, item) in enumerate(records.get(name, [])):
                where = f"{self.path}: {name}[{index}]" + (f" ({item['@id']!r})" if "@id" in item else "")
                row = self._row(obj, record_id, item, where, api_user[0])
                rows.setdefault(name, []).append(row)
                if name == "Contact":
                    self.contact_accounts[record_id] = row[CONTACT.slot("AccountId")]
        return Seed(
            rows=rows, next_numbers=dict(self.numbers), api_user_id=api_user[0], labels=dict(self.labels)
        )

    def _assign(self, obj: SObject, item: dict[str, Any], where: str) -> str:
        if obj is ORGANIZATION:  # the org's own record: its id is the organization id
            record_id = ORG_ID
        else:
            record_id = make_id(obj.key_prefix, self.numbers[obj.name])
            self.numbers[obj.name] += 1
        label = item.get("@id")
        if label is not None:
            if not isinstance(label, str) or not label:
                raise ValueError(f"{where}: '@id' must be a non-empty string")
            if label in self.labels:
                raise ValueError(f"{where}: '@id' {label!r} is used twice")
            self.labels[label] = record_id
        self.known_ids[record_id] = obj.name
        return record_id

    def _row(
        self, obj: SObject, record_id: str, item: dict[str, Any], where: str, api_user: str
    ) -> tuple[Any, ...]:
        stamp = second_stamp(self.now)
        values: dict[str, Any] = {"CreatedById": api_user, "LastModifiedById": api_user}
        if obj.field("OwnerId") is not None:
            values["OwnerId"] = api_user
        for name, raw in item.items():
            if name == "@id":
                continue
            field = obj.field(name)
            if field is None:
                raise ValueError(f"{where}: field {name!r}: no such field on {obj.name}")
            if (
                not field.createable
                and field.name not in _SYSTEM
                and not (obj.read_only and field.name != "Id")
            ):
                raise ValueError(f"{where}: field {field.name!r}: is computed by the emulator, leave it out")
            try:
                values[field.name] = coerce_value(field, self._resolve(field, raw, where), self._reference)
            except WriteError as exc:
                raise ValueError(f"{where}: field {field.name!r}: {exc.code}: {exc.message}") from None
        if (
            obj.read_only and obj.field("DataType") is not None
        ):  # a history row: DataType follows from the field
            self._history_defaults(obj, values, where)
        created = values.setdefault("CreatedDate", stamp)
        modified = values.setdefault("LastModifiedDate", created)
        values.setdefault("SystemModstamp", modified)
        record = row_from(obj, record_id, values)
        try:
            derive(obj, record, False, modified, self.contact_accounts.get)
        except WriteError as exc:
            raise ValueError(f"{where}: {exc.code}: {exc.message}") from None
        missing = [f.name for f in obj.fields if f.required and record.get(f.name) in (None, "")]
        if missing:
            raise ValueError(f"{where}: field {missing[0]!r}: required, missing")
        return tuple(record[f.name] for f in obj.fields)

    def _history_defaults(self, obj: SObject, values: dict[str, Any], where: str) -> None:
        missing = [
            f.name
            for f in obj.fields
            if not f.nillable and not f.defaulted_on_create and f.name not in values
        ]
        if missing:
            raise ValueError(f"{where}: field {missing[0]!r}: required, missing")
        parent = find_object(obj.name.removesuffix("History"))
        changed = parent.field(str(values["Field"])) if parent is not None else None
        if changed is not None:
            values.setdefault("DataType", HISTORY_DATA_TYPES.get(changed.type, "Text"))

    def _resolve(self, field: Field, raw: Any, where: str) -> Any:
        if not isinstance(raw, str) or not raw.startswith("@"):
            return raw
        relative = _RELATIVE.match(raw)
        if relative:
            base, sign, amount, unit = relative.groups()
            moment = (
                self.now if base == "now" else self.now.replace(hour=0, minute=0, second=0, microsecond=0)
            )
            if amount:
                delta = timedelta(**{_UNITS[unit]: int(amount)})
                moment = moment + delta if sign == "+" else moment - delta
            if field.type == "date":
                return moment.date().isoformat()
            return _iso(moment)
        label = raw[1:]
        if label not in self.labels:
            raise ValueError(
                f'{where}: field {field.name!r}: unknown label {raw!r} (no record has "@id": {label!r})'
            )
        return self.labels[label]

    def _reference(self, field: Field, text: str) -> str:
        normalized = normalize(text)
        target = self.known_ids.get(normalized) if normalized else None
        if target is None or target not in field.reference_to:
            allowed = " or ".join(field.reference_to)
            raise WriteError(
                "INVALID_CROSS_REFERENCE_KEY", f"{text!r} is not the id of a {allowed} in this file"
            )
        return str(normalized)


def _iso(moment: datetime) -> str:
    ms = to_ms(moment) // 1000 * 1000
    return datetime.fromtimestamp(ms / 1000, moment.tzinfo).isoformat()
