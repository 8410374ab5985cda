"""``POST /crm/v3/objects/{type}/search``: filter groups (OR of groups, AND within), every
operator, one sort (ties in an order of the index's own: see :func:`search_run.page_of`), a
free-text query, offset paging up to 10,000 results.

Dates and datetimes compare as instants (epoch-ms or ISO-8601 filter values), numbers
numerically, everything else as lower-cased text. NEQ, NOT_IN and NOT_CONTAINS_TOKEN match
records without a value, as in HubSpot's index. Execution: :mod:`search_run`."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sponsorsync.sandbox.hubspot.errors import HubSpotError, bad_request
from sponsorsync.sandbox.hubspot.objects import ObjectType
from sponsorsync.sandbox.hubspot.portal import Portal
from sponsorsync.sandbox.hubspot.schema import PropertyDef
from sponsorsync.sandbox.hubspot.values import instant_of, number_of, parse_instant, text_of

MAX_GROUPS, MAX_PER_GROUP, MAX_FILTERS = 5, 10, 25
MAX_LIMIT, MAX_RESULTS = 200, 10_000
OPERATORS = (
    "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
    "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
)  # fmt: skip
_RANGE_OPS = ("EQ", "GT", "GTE", "LT", "LTE", "BETWEEN")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)

Pred = Callable[[object], bool]


@dataclass(frozen=True)
class Filter:
    prop: str
    operator: str
    pred: Pred
    bounds: tuple[int, int] | None  # inclusive epoch-ms range, for last-modified range filters
    excluded: frozenset[int] | None = None  # the ids of an ``hs_object_id NOT_IN`` filter
    ids: tuple[int, int] | None = None  # inclusive id range, for ``hs_object_id`` range filters


@dataclass(frozen=True)
class Query:
    groups: tuple[tuple[Filter, ...], ...]
    sort: tuple[str, bool, Callable[[object], Any]] | None  # (property, descending, value kind)
    text: tuple[str, ...]
    properties: tuple[str, ...]
    limit: int
    after: int
    fingerprint: str


def parse(portal: Portal, otype: ObjectType, body: Any) -> Query:
    if not isinstance(body, dict):
        raise bad_request("Invalid input JSON: the search request must be an object")
    groups_in = body.get("filterGroups") or []
    if not isinstance(groups_in, list):
        raise bad_request("filterGroups must be a list")
    if len(groups_in) > MAX_GROUPS:
        raise bad_request(f"Too many filter groups: {len(groups_in)}. The maximum is {MAX_GROUPS}.")
    groups: list[tuple[Filter, ...]] = []
    total = 0
    for group in groups_in:
        filters_in = (group or {}).get("filters") or [] if isinstance(group, dict) else None
        if not isinstance(filters_in, list):
            raise bad_request("Each filter group needs a list of filters")
        if len(filters_in) > MAX_PER_GROUP:
            raise bad_request(
                f"Too many filters in a filter group: {len(filters_in)}. The maximum is {MAX_PER_GROUP}."
            )
        total += len(filters_in)
        groups.append(tuple(_filter(portal, otype, f) for f in filters_in))
    if total > MAX_FILTERS:
        raise bad_request(
            f"Too many filters: {total}. The maximum is {MAX_FILTERS} across all filter groups."
        )
    limit = _int(body.get("limit", 10), "limit")
    if not 0 <= limit <= MAX_LIMIT:
        raise bad_request(f"limit must be between 0 and {MAX_LIMIT}, got {limit}")
    after = _int(body.get("after") or 0, "after")
    if after >= MAX_RESULTS:
        raise HubSpotError(
            400,
            "VALIDATION_ERROR",
            f"Paging beyond {MAX_RESULTS} results is not supported (after={after}). "
            "Narrow the search with filters instead.",
        )
    properties = body.get("properties") or []
    text = str(body.get("query") or "")
    fingerprint = repr((groups_in, body.get("sorts"), text))
    return Query(
        tuple(g for g in groups if g) or ((),),
        _sort(portal, otype, body.get("sorts")),
        tuple(t.lower() for t in _TOKEN.findall(text)),
        tuple(str(p) for p in properties) if isinstance(properties, list) else (),
        limit,
        after,
        fingerprint,
    )


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad_request(f"{name} must be an integer, got {value!r}") from None


def _prop(portal: Portal, otype: ObjectType, name: Any) -> PropertyDef:
    prop = portal.schema.get(otype, str(name))
    if prop is None:
        raise bad_request(f'There was a problem with a search filter: Property "{name}" does not exist')
    return prop


def _sort(portal: Portal, otype: ObjectType, sorts: Any) -> tuple[str, bool, Callable[[object], Any]] | None:
    if not sorts:
        return None
    if not isinstance(sorts, list) or len(sorts) > 1:
        raise bad_request("Only one sort is supported")
    spec = sorts[0]
    if isinstance(spec, str):
        name, descending = spec.lstrip("-"), spec.startswith("-")
    elif isinstance(spec, dict):
        name = str(spec.get("propertyName", ""))
        descending = str(spec.get("direction", "ASCENDING")).upper() == "DESCENDING"
    else:
        raise bad_request("A sort is a property name or {propertyName, direction}")
    prop = _prop(portal, otype, name)
    return prop.name, descending, _kind(prop)


def _kind(prop: PropertyDef) -> Callable[[object], Any]:
    if prop.type in ("date", "datetime"):
        return instant_of
    if prop.type == "number":
        return number_of
    return text_of


def _operand(prop: PropertyDef, value: Any) -> Any:
    if value is None:
        raise bad_request(f"The filter on {prop.name} needs a value")
    text = str(value).lower()
    if prop.type in ("date", "datetime"):
        found = parse_instant(str(value))
        if found is None:
            raise bad_request(f"{value} is not a valid date or datetime for {prop.name}")
        return found
    if prop.type == "number":
        number = number_of(text)
        if number is None:
            raise bad_request(f"{value} is not a valid number for {prop.name}")
        return number
    return text


def _filter(portal: Portal, otype: ObjectType, data: Any) -> Filter:
    if not isinstance(data, dict):
        raise bad_request("A filter needs propertyName and operator")
    prop = _prop(portal, otype, data.get("propertyName"))
    op = str(data.get("operator", "EQ")).upper()
    if op not in OPERATORS:
        raise bad_request(f"Unknown filter operator {op}; use one of {', '.join(OPERATORS)}")
    conv = _kind(prop)
    pred: Pred
    bounds: tuple[int, int] | None = None
    excluded: frozenset[int] | None = None
    ids: tuple[int, int] | None = None
    if op in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        want = op == "HAS_PROPERTY"
        pred = lambda v: (text_of(v) is not None) == want  # noqa: E731
    elif op in ("IN", "NOT_IN"):
        values = data.get("values")
        if not isinstance(values, list) or not values:
            raise bad_request(f"The {op} filter on {prop.name} needs a list of values")
        chosen = frozenset(_operand(prop, v) for v in values)
        inside = op == "IN"
        pred = lambda v: (conv(v) in chosen) == inside  # noqa: E731
        if prop.name == "hs_object_id" and not inside:
            excluded = frozenset(int(v) for v in chosen)
    elif op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = str(data.get("value", "")).lower()
        contains = op == "CONTAINS_TOKEN"
        pred = lambda v: _has_token(text_of(v), pattern) == contains  # noqa: E731
    else:
        x = _operand(prop, data.get("value"))
        high = _operand(prop, data.get("highValue")) if op == "BETWEEN" else x
        pred = _compare(op, conv, x, high)
        if prop.name in otype.modified_props and op in _RANGE_OPS:
            bounds = _bounds(op, x, high)
        if prop.name == "hs_object_id" and op in _RANGE_OPS:
            ids = _bounds(op, x, high)
    return Filter(prop.name, op, pred, bounds, excluded, ids)


def _compare(op: str, conv: Callable[[object], Any], x: Any, high: Any) -> Pred:
    def test(v: object) -> bool:
        value = conv(v)
        if value is None:
            return op == "NEQ"
        if op == "EQ":
            return bool(value == x)
        if op == "NEQ":
            return bool(value != x)
        if op == "LT":
            return bool(value < x)
        if op == "LTE":
            return bool(value <= x)
        if op == "GT":
            return bool(value > x)
        if op == "GTE":
            return bool(value >= x)
        return bool(x <= value <= high)

    return test


def _bounds(op: str, x: int, high: int) -> tuple[int, int]:
    lo, hi = -(1 << 62) + 1, 1 << 62
    return {
        "EQ": (x, x),
        "GT": (x + 1, hi),
        "GTE": (x, hi),
        "LT": (lo, x - 1),
        "LTE": (lo, x),
        "BETWEEN": (x, high),
    }[op]


def _has_token(text: str | None, pattern: str) -> bool:
    if text is None:
        return False
    if "*" in pattern:
        return fnmatch.fnmatchcase(text, pattern) or any(
            fnmatch.fnmatchcase(t, pattern) for t in _TOKEN.findall(text)
        )
    tokens = set(_TOKEN.findall(text))
    return all(t in tokens for t in _TOKEN.findall(pattern))


def text_match(values: Sequence[object], words: tuple[str, ...]) -> bool:
    tokens = [t for v in values if (s := text_of(v)) for t in _TOKEN.findall(s)]
    return all(any(t.startswith(w) for t in tokens) for w in words)
