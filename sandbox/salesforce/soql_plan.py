"""From a SOQL syntax tree to Python: field paths resolved against the schema into getters (parent
lookups through the store), WHERE compiled into a predicate, date literals evaluated against the
sandbox clock. Every check Salesforce makes at compile time raises a SoqlError in its words."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sponsorsync.sandbox.salesforce.ids import normalize
from sponsorsync.sandbox.salesforce.schema import (
    BY_PREFIX,
    NAME,
    NAME_USER_ONLY,
    Field,
    SObject,
    find_object,
)
from sponsorsync.sandbox.salesforce.soql import (
    Compare,
    Condition,
    InList,
    Junction,
    Like,
    Literal,
    Not,
    Path,
    Pos,
    SoqlError,
    located,
    unescape,
)
from sponsorsync.sandbox.salesforce.store import Row, Store
from sponsorsync.sandbox.salesforce.values import day_start_ms, parse_date, parse_datetime

Getter = Callable[[Row], Any]
Predicate = Callable[[Row], bool]
ARCHIVE_AFTER_DAYS = 365
_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "=": operator.eq,
}  # fmt: skip
_TYPE_WORDS = {
    "datetime": "dateTime", "int": "int", "double": "double", "currency": "double", "date": "date", "boolean": "boolean"
}  # fmt: skip
_CUSTOM_HINT = (
    "If you are attempting to use a custom field, be sure to append the '__c' after the custom field "
    "name. Please reference your WSDL or the describe call for the appropriate names."
)
_RELATION_HINT = (
    "If you are attempting to use a custom relationship, be sure to append the '__r' after the custom "
    "relationship name. Please reference your WSDL or the describe call for the appropriate names."
)


@dataclass(frozen=True)
class Context:
    store: Store
    now: datetime
    version: str  # "v59.0"
    query: str
    objects: Mapping[str, SObject] | None = None  # what this org shows (Shared Activities), else all

    def find(self, name: str) -> SObject | None:
        return find_object(name) if self.objects is None else self.objects.get(name.lower())


@dataclass(frozen=True)
class Resolved:
    path: Path
    field: Field
    owner: SObject  # the object the field is read from (NAME behind a polymorphic relationship)
    chain: tuple[Field, ...]  # the reference fields walked through
    getter: Getter

    @property
    def folds_case(self) -> bool:
        return (
            self.field.is_text
            and not self.field.case_sensitive
            and self.field.type not in ("id", "reference")
        )


@dataclass(frozen=True)
class DateRange:
    """A relative date literal: [start, end) in the field's own representation."""

    start: Any
    end: Any


def fail(ctx: Context, code: str, pos: Pos, text: str) -> SoqlError:
    return SoqlError(code, located(ctx.query, pos.line, pos.column, text))


def unknown_field(ctx: Context, pos: Pos, name: str, obj: SObject) -> SoqlError:
    return fail(ctx, "INVALID_FIELD", pos, f"No such column '{name}' on entity '{obj.name}'. {_CUSTOM_HINT}")


# -- getters -------------------------------------------------------------------------------------
def archived_getter(obj: SObject, now: datetime) -> Getter:
    """IsArchived: closed tasks due (or created, with no due date) and events held >365 days ago."""
    cutoff = now.date() - timedelta(days=ARCHIVE_AFTER_DAYS)
    cutoff_day, cutoff_ms = cutoff.isoformat(), day_start_ms(cutoff)
    day, created = obj.slot("ActivityDate"), obj.slot("CreatedDate")
    closed = obj.slot("IsClosed") if obj.name == "Task" else None

    def archived(row: Row) -> bool:
        if closed is not None and not row[closed]:
            return False
        due = row[day]
        return bool(due < cutoff_day) if due is not None else bool(row[created] < cutoff_ms)

    return archived


def field_getter(ctx: Context, obj: SObject, field: Field) -> Getter:
    if field.computed:
        return archived_getter(obj, ctx.now)
    return operator.itemgetter(field.slot)


def name_getter(field_name: str) -> Getter:
    """Reads a field of the Name pseudo-object from whichever record a polymorphic id points at."""
    by_prefix: dict[str, Getter] = {}
    for prefix, obj in BY_PREFIX.items():
        lower = field_name.lower()
        if lower == "type":
            by_prefix[prefix] = lambda row, name=obj.name: name  # type: ignore[misc]
        elif lower in NAME_USER_ONLY and obj.name != "User":
            by_prefix[prefix] = lambda row: None
        elif (own := obj.field(field_name)) is not None:
            by_prefix[prefix] = operator.itemgetter(own.slot)
        else:
            by_prefix[prefix] = lambda row: None
    return lambda row: by_prefix[row[0][:3]](row)


def _through(store: Store, reference: Field, inner: Getter) -> Getter:
    slot, get = reference.slot, store.get

    def through(row: Row) -> Any:
        parent = get(row[slot])
        return None if parent is None else inner(parent)

    return through


def resolve(ctx: Context, obj: SObject, path: Path) -> Resolved:
    """The field a path names, walking parent relationships; INVALID_FIELD if something is unknown."""
    chain: list[Field] = []
    current = obj
    for part in path.parts[:-1]:
        reference = current.relationships.get(part.lower())
        if reference is None or current is NAME:
            text = f"Didn't understand relationship '{part}' in field path. {_RELATION_HINT}"
            raise fail(ctx, "INVALID_FIELD", path.pos, text)
        chain.append(reference)
        target = find_object(reference.reference_to[0])
        current = NAME if reference.polymorphic or target is None else target
    field = current.field(path.parts[-1])
    if field is None:
        raise unknown_field(ctx, path.pos, path.parts[-1], current)
    getter = name_getter(field.name) if current is NAME else field_getter(ctx, current, field)
    for reference in reversed(chain):
        getter = _through(ctx.store, reference, getter)
    return Resolved(path, field, current, tuple(chain), getter)


def canonical(resolved: Resolved) -> tuple[str, ...]:
    return (*(ref.relationship_name or ref.name for ref in resolved.chain), resolved.field.name)


# -- literals ------------------------------------------------------------------------------------
def date_range(ctx: Context, literal: Literal, field: Field) -> DateRange:
    today = ctx.now.date()
    text = literal.text.upper()
    name, _, number = text.partition(":")
    n = int(number or 0)
    first_of_month = today.replace(day=1)
    week_start = today - timedelta(days=(today.weekday() + 1) % 7)  # weeks start on Sunday (en_US)
    spans: dict[str, tuple[date, date]] = {
        "TODAY": (today, today + timedelta(1)),
        "YESTERDAY": (today - timedelta(1), today),
        "TOMORROW": (today + timedelta(1), today + timedelta(2)),
        "LAST_N_DAYS": (today - timedelta(n), today + timedelta(1)),
        "NEXT_N_DAYS": (today + timedelta(1), today + timedelta(n + 1)),
        "N_DAYS_AGO": (today - timedelta(n), today - timedelta(n - 1)),
        "LAST_90_DAYS": (today - timedelta(90), today + timedelta(1)),
        "NEXT_90_DAYS": (today + timedelta(1), today + timedelta(91)),
        "THIS_WEEK": (week_start, week_start + timedelta(7)),
        "LAST_WEEK": (week_start - timedelta(7), week_start),
        "NEXT_WEEK": (week_start + timedelta(7), week_start + timedelta(14)),
        "THIS_MONTH": (first_of_month, _add_months(first_of_month, 1)),
        "LAST_MONTH": (_add_months(first_of_month, -1), first_of_month),
        "NEXT_MONTH": (_add_months(first_of_month, 1), _add_months(first_of_month, 2)),
        "THIS_YEAR": (date(today.year, 1, 1), date(today.year + 1, 1, 1)),
        "LAST_YEAR": (date(today.year - 1, 1, 1), date(today.year, 1, 1)),
        "NEXT_YEAR": (date(today.year + 1, 1, 1), date(today.year + 2, 1, 1)),
    }
    start, end = spans[name]
    if field.type == "datetime":
        return DateRange(day_start_ms(start), day_start_ms(end))
    return DateRange(start.isoformat(), end.isoformat())


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def convert(ctx: Context, resolved: Resolved, literal: Literal) -> Any:
    """The literal as a value comparable with the field's stored values (a DateRange for TODAY etc.)."""
    field, kind = resolved.field, literal.kind
    if kind == "null":
        return None
    expected = "string" if field.is_text else field.type
    ok = {
        "string": kind == "string",
        "boolean": kind in ("true", "false"),
        "datetime": kind in ("datetime", "date_literal", "date_n_literal"),
        "date": kind in ("date", "date_literal", "date_n_literal"),
        "int": kind == "number",
        "double": kind == "number",
        "currency": kind == "number",
    }.get(expected, False)
    if not ok:
        word = _TYPE_WORDS.get(expected, "string")
        quotes = "should be enclosed in quotes" if word == "string" else "should not be enclosed in quotes"
        text = f"value of filter criterion for field '{field.name}' must be of type {word} and {quotes}"
        raise fail(ctx, "INVALID_FIELD", literal.pos, text)
    if kind in ("date_literal", "date_n_literal"):
        return date_range(ctx, literal, field)
    if kind == "string":
        value = unescape(literal, ctx.query)
        if field.type in ("id", "reference"):
            normalized = normalize(value)
            if normalized is None:
                raise fail(ctx, "INVALID_QUERY_FILTER_OPERATOR", literal.pos, f"invalid ID field: {value}")
            return normalized
        return value.lower() if resolved.folds_case else value
    if kind in ("true", "false"):
        return kind == "true"
    if kind == "datetime":
        ms = parse_datetime(literal.text)
        if ms is None:
            raise fail(
                ctx, "MALFORMED_QUERY", literal.pos, f"line 1:{literal.pos.column} no viable alternative"
            )
        return ms
    if kind == "date":
        day = parse_date(literal.text)
        if day is None:
            raise fail(
                ctx, "MALFORMED_QUERY", literal.pos, f"line 1:{literal.pos.column} no viable alternative"
            )
        return day
    number = float(literal.text)
    return int(number) if number.is_integer() and field.type == "int" else number


# -- predicates ----------------------------------------------------------------------------------
def _folded(getter: Getter) -> Getter:
    return lambda row: None if (value := getter(row)) is None else value.lower()


def compile_condition(ctx: Context, obj: SObject, condition: Condition) -> Predicate:
    if isinstance(condition, Junction):
        parts = [compile_condition(ctx, obj, c) for c in condition.operands]
        if condition.operator == "AND":
            return lambda row: all(p(row) for p in parts)
        return lambda row: any(p(row) for p in parts)
    if isinstance(condition, Not):
        inner = compile_condition(ctx, obj, condition.operand)
        return lambda row: not inner(row)
    resolved = resolve(ctx, obj, condition.path)
    if resolved.field.type in ("textarea", "anyType"):
        text = f"field '{resolved.field.name}' can not be filtered in query call"
        raise fail(ctx, "INVALID_FIELD", condition.path.pos, text)
    getter = _folded(resolved.getter) if resolved.folds_case else resolved.getter
    if isinstance(condition, Like):
        return _like(ctx, resolved, getter, condition)
    if isinstance(condition, InList):
        values = [convert(ctx, resolved, v) for v in condition.values]
        if any(isinstance(v, DateRange) for v in values):
            raise fail(ctx, "MALFORMED_QUERY", condition.path.pos, "date literals are not allowed in IN")
        allowed = frozenset(values)
        if condition.negated:
            return lambda row: getter(row) not in allowed
        return lambda row: getter(row) in allowed
    assert isinstance(condition, Compare)
    return compare(getter, condition.operator, convert(ctx, resolved, condition.value))


def compare(getter: Getter, op: str, value: Any) -> Predicate:
    if isinstance(value, DateRange):
        start, end = value.start, value.end
        ranged: dict[str, Predicate] = {
            "=": lambda row: (v := getter(row)) is not None and start <= v < end,
            "!=": lambda row: (v := getter(row)) is None or not start <= v < end,
            "<": lambda row: (v := getter(row)) is not None and v < start,
            "<=": lambda row: (v := getter(row)) is not None and v < end,
            ">": lambda row: (v := getter(row)) is not None and v >= end,
            ">=": lambda row: (v := getter(row)) is not None and v >= start,
        }
        return ranged[op]
    if value is None:
        if op == "=":
            return lambda row: getter(row) is None
        if op == "!=":
            return lambda row: getter(row) is not None
        return lambda row: False
    if op == "!=":
        return lambda row: (v := getter(row)) is None or v != value
    test = _OPS[op]
    return lambda row: (v := getter(row)) is not None and test(v, value)


def _like(ctx: Context, resolved: Resolved, getter: Getter, condition: Like) -> Predicate:
    if not resolved.field.is_text or condition.value.kind != "string":
        text = f"invalid operator on field '{resolved.field.name}'"
        raise fail(ctx, "INVALID_QUERY_FILTER_OPERATOR", condition.path.pos, text)
    pattern = unescape(condition.value, ctx.query, like=True)
    regex = "".join(
        ".*" if piece == "%" else "." if piece == "_" else re.escape(piece[-1])
        for piece in re.findall(r"\\[%_]|%|_|.", pattern, flags=re.S)
    )
    compiled = re.compile(regex, re.IGNORECASE | re.DOTALL)
    return lambda row: (v := getter(row)) is not None and compiled.fullmatch(v) is not None
