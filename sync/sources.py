"""From the mapping to what is pulled: one :class:`Source` per mapped CRM object, its
:class:`connectors.base.ObjectSpec`, and the projection of a pulled record onto canonical values.

The objects, their fields and their watermarks all come from the mapping: there is no code per
object (STYLE: table-driven). The write-back fields are pulled too, so the engine knows what the
CRM holds now before it writes (overwrite rules, edits made by people).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

from sponsorsync.connectors.base import ObjectSpec, Record
from sponsorsync.mappings.model import Mapping
from sponsorsync.mappings.objects import OPTIONAL_KINDS, ObjectMapping
from sponsorsync.mappings.records import Converter, converter, crm_fields
from sponsorsync.sync.mirror import Row


@dataclass(frozen=True)
class Source:
    kind: str  # a kind of sync.mirror.KINDS
    mapping: ObjectMapping
    spec: ObjectSpec
    keep: tuple[str, ...]  # CRM fields stored verbatim (write-back fields)

    @property
    def key(self) -> str:
        """The state key of this source (cursors, sweeps)."""
        return f"{self.kind}:{self.spec.name}"

    @cached_property
    def _convert(self) -> Converter:
        return converter(self.mapping)

    def project(self, record: Record) -> Row:
        if record.deleted and not record.fields:
            return Row(record.id, {}, deleted=True)
        values = self._convert(record.fields, record.associations)
        record_id = str(values.get("id") or record.id)
        # The mirror keeps an activity's CRM values only for sponsorsync's own tasks (a sync key).
        wanted = self.kind != "activities" or values.get("sync_key") not in (None, "")
        extra = {name: record.fields.get(name) for name in self.keep} if self.keep and wanted else None
        return Row(record_id, values, deleted=record.deleted, extra=extra)


def task_fields(mapping: Mapping) -> tuple[str, ...]:
    task = mapping.writeback.task
    names = [f.field for _, f in task.fields.items()]
    if task.stamp_field:
        names.append(task.stamp_field)
    if task.modified_by_field:
        names.append(task.modified_by_field)
    if task.completed_at_field:
        names.append(task.completed_at_field)
    return tuple(dict.fromkeys([*names, task.key_field]))


def account_fields(mapping: Mapping) -> tuple[str, ...]:
    account = mapping.writeback.account
    if account is None:
        return ()
    names = [f.field for _, f in account.fields.items()]
    if account.stamp_field:
        names.append(account.stamp_field)
    return tuple(dict.fromkeys(names))


def sources(mapping: Mapping) -> list[Source]:
    objects = mapping.objects
    listed: list[tuple[str, ObjectMapping]] = [
        ("users", objects.users),
        ("accounts", objects.accounts),
        ("contacts", objects.contacts),
    ]
    if objects.account_team is not None and mapping.sponsor.source == "account_team":
        listed.append(("account_team", objects.account_team))
    listed.extend(("activities", activity) for activity in objects.activities)
    listed.extend(("participants", participant) for participant in objects.participants)
    for kind in OPTIONAL_KINDS:
        optional: ObjectMapping | None = getattr(objects, kind)
        if optional is not None:
            listed.append((kind, optional))
    result = []
    for kind, spec in listed:
        keep: tuple[str, ...] = ()
        if kind == "accounts":
            keep = account_fields(mapping)
        elif kind == "activities" and spec.object == mapping.writeback.task.object:
            keep = task_fields(mapping)
        fields = tuple(dict.fromkeys([*crm_fields(spec), *keep]))
        result.append(
            Source(
                kind, spec, ObjectSpec(spec.object, fields, spec.watermark, tuple(spec.associations)), keep
            )
        )
    return result


def unmapped_kinds(mapping: Mapping) -> list[str]:
    """The optional kinds (deals, cases) the mapping has no section for: none of their records is pulled."""
    return [kind for kind in OPTIONAL_KINDS if getattr(mapping.objects, kind) is None]


def fingerprint(mapping: Mapping) -> str:
    """Changes whenever what is pulled or how it is projected changes: then cursors are reset and
    the next run pulls everything again, so the mirror never mixes two projections."""
    payload = {
        "objects": mapping.objects.model_dump(mode="json"),
        "task": task_fields(mapping),
        "account": account_fields(mapping),
        "sponsor": mapping.sponsor.model_dump(mode="json"),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]
