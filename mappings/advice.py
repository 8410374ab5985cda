"""Warnings about a mapping that is valid but probably not what its admin meant.

They never stop a run: each names the place in the file and what to change, like a problem.
:func:`advise` is pure and works on the sections that validated (:class:`~mappings.checks.Sections`).
"""

from __future__ import annotations

from collections.abc import Iterator

from sponsorsync.mappings.base import key_text
from sponsorsync.mappings.checks import Sections
from sponsorsync.mappings.objects import ObjectMapping
from sponsorsync.mappings.policy import TierCadence
from sponsorsync.mappings.problems import Problem


def advise(s: Sections) -> list[Problem]:
    warnings: list[Problem] = []
    for path, spec in s.named_objects():
        warnings += _dead_value_map_keys(path, spec)
    if s.tiers is not None:
        warnings += _cadence(s.tiers)
    return warnings


def _dead_value_map_keys(path: tuple[str | int, ...], spec: ObjectMapping) -> Iterator[Problem]:
    """Keys no CRM value can ever reach: CRM values are looked up as text, exact match first, then
    case-insensitively, so a key that only differs in case from an earlier one is dead, and so is
    one with surrounding blanks (CRM picklist values and HubSpot options are trimmed). For ``tier``
    that silently drops the alliances that carry the value the admin meant."""
    for name, value_map in spec.value_maps.items():
        seen: dict[str, str] = {}
        for key in value_map:
            text = str(key_text(key))
            where = (*path, "value_maps", name, key)
            effect = (
                "accounts with that value get no tier and are not alliances"
                if name == "tier"
                else "records with that value get the default or nothing"
            )
            if text != text.strip() or not text:
                yield Problem(
                    where,
                    f"{text!r} has blanks around it (or is empty), so no CRM value ever matches it and "
                    f"{effect}; write the CRM value exactly, e.g. {text.strip()!r}",
                    at_key=True,
                )
            folded = text.casefold()
            if folded in seen and seen[folded] != text:
                yield Problem(
                    where,
                    f"differs from the earlier key {seen[folded]!r} only in case; CRM values are compared "
                    "case-insensitively, so one of the two never matches: keep one",
                    at_key=True,
                )
            seen.setdefault(folded, text)


def _cadence(tiers: dict[str, TierCadence]) -> Iterator[Problem]:
    for tier, cadence in tiers.items():
        if cadence.inactive_after_days < cadence.executive_touch_days:
            yield Problem(
                ("cadence", "tiers", tier, "inactive_after_days"),
                f"{cadence.inactive_after_days} days is shorter than executive_touch_days "
                f"({cadence.executive_touch_days}): a sponsor is called inactive before a touch with the partner "
                f"is even due; make it at least {cadence.executive_touch_days} (the default files use twice)",
            )
