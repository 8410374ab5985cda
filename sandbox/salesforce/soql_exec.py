"""Runs a parsed SOQL query against the store: picks candidate rows through an index when the WHERE
clause allows it (Id, unique external ids, a SystemModstamp lower bound), filters, sorts, slices,
aggregates, and builds the renderer that turns a row into Salesforce's JSON record."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sponsorsync.sandbox.salesforce.schema import (
    BY_PREFIX,
    NAME,
    RELATIONS,
    Field,
    SObject,
    find_object,
)
from sponsorsync.sandbox.salesforce.soql import (
    Aggregate,
    Compare,
    CountAll,
    InList,
    Junction,
    Path,
    Query,
)
from sponsorsync.sandbox.salesforce.soql_plan import (
    Context,
    DateRange,
    Getter,
    Predicate,
    Resolved,
    archived_getter,
    canonical,
    compile_condition,
    convert,
    fail,
    field_getter,
    name_getter,
    resolve,
)
from sponsorsync.sandbox.salesforce.store import Row, Table
from sponsorsync.sandbox.salesforce.values import format_datetime

MAX_OFFSET = 2000
_INVALID_TYPE_HINT = (
    "If you are attempting to use a custom object, be sure to append the '__c' after the entity name. "
    "Please reference your WSDL or the describe call for the appropriate names."
)


@dataclass
class Result:
    total: int
    items: Sequence[Any]  # rows, or already rendered aggregate records
    render: Callable[[Any], dict[str, Any]]
    count_only: bool = False


@dataclass
class _Out:
    key: str
    get: Getter | None = None  # leaf: the formatted value, read from this node's row
    ref_slot: int = -1
    target: SObject | None = None  # None behind a polymorphic relationship
    children: list[_Out] | None = None


def execute(ctx: Context, query: Query, *, include_deleted: bool) -> Result:
    obj = ctx.find(query.sobject)
    table = ctx.store.table(query.sobject)
    if obj is None or table is None:
        text = f"sObject type '{query.sobject}' is not supported. {_INVALID_TYPE_HINT}"
        raise fail(ctx, "INVALID_TYPE", query.sobject_pos, text)
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise fail(
            ctx, "NUMBER_OUTSIDE_VALID_RANGE", query.sobject_pos, "Maximum SOQL offset allowed is 2000"
        )
    counts = [item for item in query.select if isinstance(item, CountAll)]
    if counts and len(query.select) > 1:
        raise fail(
            ctx, "MALFORMED_QUERY", counts[0].pos, "COUNT() must be the only element in the SELECT list."
        )
    predicate = compile_condition(ctx, obj, query.where) if query.where is not None else None
    grouped = bool(query.group_by) or any(isinstance(item, Aggregate) for item in query.select)
    render = None if counts or grouped else _renderer(ctx, obj, query)
    order = _order(ctx, obj, query) if not grouped else None
    candidates, exact = _candidates(ctx, obj, table, query)
    rows = _filter(candidates, _visible(ctx, obj, include_deleted), None if exact else predicate)
    if counts:
        return Result(len(_slice(rows, query)), [], lambda row: {}, count_only=True)
    if grouped:
        groups = _aggregate(ctx, obj, query, rows)
        return Result(len(groups), groups, lambda record: record)
    if order:
        _sort(rows, order)
    rows = _slice(rows, query)
    assert render is not None
    return Result(len(rows), rows, render)


# -- candidates and filtering --------------------------------------------------------------------
def _conjuncts(query: Query) -> list[Any]:
    where = query.where
    if isinstance(where, Junction) and where.operator == "AND":
        return list(where.operands)
    return [where] if where is not None else []


def _direct(obj: SObject, path: Path) -> Field | None:
    return obj.field(path.parts[0]) if len(path.parts) == 1 else None


def _candidates(ctx: Context, obj: SObject, table: Table, query: Query) -> tuple[Iterable[Row], bool]:
    """Rows in (SystemModstamp, Id) order, narrowed through an index when a conjunct allows it; the
    flag says the narrowing alone is the whole WHERE clause (no predicate left to apply)."""
    conjuncts = _conjuncts(query)
    low, strict, exact = None, False, False
    for item in conjuncts:
        if not isinstance(item, Compare | InList) or (isinstance(item, InList) and item.negated):
            continue
        found = _direct(obj, item.path)
        if found is None:
            continue
        if found.name == "Id" or found.external_id:
            literals = [item.value] if isinstance(item, Compare) else list(item.values)
            if isinstance(item, Compare) and item.operator != "=":
                continue
            resolved = resolve(ctx, obj, item.path)
            keys = [convert(ctx, resolved, literal) for literal in literals]
            ids = (
                keys if found.name == "Id" else [i for key in keys for i in table.lookup_external(found, key)]
            )
            rows = {row[0]: row for key in ids if key is not None and (row := table.get(key)) is not None}
            return sorted(rows.values(), key=table.order_key), False
        if found.name == "SystemModstamp" and isinstance(item, Compare) and item.operator in (">", ">=", "="):
            value = convert(ctx, resolve(ctx, obj, item.path), item.value)
            bound = value.start if isinstance(value, DateRange) else value
            if isinstance(bound, int) and (low is None or bound > low):
                low, strict = bound, item.operator == ">" and not isinstance(value, DateRange)
                exact = len(conjuncts) == 1 and item.operator != "=" and not isinstance(value, DateRange)
    return table.ordered(low, strict=strict), exact


def _visible(ctx: Context, obj: SObject, include_deleted: bool) -> Predicate | None:
    deleted = obj.slot("IsDeleted") if obj.has_is_deleted else None
    if include_deleted:
        if obj.name.lower() in RELATIONS and deleted is not None:
            # A relation deleted on its own skips the recycle bin: queryAll does not return it
            # (Salesforce documents getDeleted() for those; the emulator does not cascade deletes).
            return lambda row: not row[deleted]
        return None
    archived = archived_getter(obj, ctx.now) if obj.is_activity else None
    if archived is not None and deleted is not None:
        return lambda row: not row[deleted] and not archived(row)
    if deleted is not None:
        return lambda row: not row[deleted]
    return None


def _filter(rows: Iterable[Row], visible: Predicate | None, predicate: Predicate | None) -> list[Row]:
    if visible is not None and predicate is not None:
        return [row for row in rows if visible(row) and predicate(row)]
    if visible is not None or predicate is not None:
        test = visible or predicate
        assert test is not None
        return [row for row in rows if test(row)]
    return list(rows)


def _slice(rows: list[Any], query: Query) -> list[Any]:
    start = query.offset or 0
    end = start + query.limit if query.limit is not None else None
    return rows[start:end] if start or end is not None else rows


# -- ordering ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Key:
    getter: Getter
    fold: bool
    descending: bool
    nulls_first: bool


def _order(ctx: Context, obj: SObject, query: Query) -> list[_Key]:
    keys = []
    for item in query.order_by:
        resolved = resolve(ctx, obj, item.path)
        if resolved.field.type == "textarea":
            text = f"field '{resolved.field.name}' can not be sorted in a query call"
            raise fail(ctx, "INVALID_FIELD", item.path.pos, text)
        keys.append(_Key(resolved.getter, resolved.folds_case, item.descending, item.nulls_first))
    names = [canonical(resolve(ctx, obj, item.path)) for item in query.order_by]
    if not any(k.descending for k in keys) and names in (
        [("SystemModstamp",)],
        [("SystemModstamp",), ("Id",)],
    ):
        return []  # the candidates already come in this order
    return keys


def _sort(rows: list[Row], keys: list[_Key]) -> None:
    for key in reversed(keys):
        null_flag = 0 if key.nulls_first != key.descending else 1
        present = 1 - null_flag
        getter = key.getter
        if key.fold:
            rows.sort(
                key=lambda r: (null_flag, "") if (v := getter(r)) is None else (present, v.lower()),
                reverse=key.descending,
            )
        else:
            rows.sort(
                key=lambda r: (null_flag, 0) if (v := getter(r)) is None else (present, v),
                reverse=key.descending,
            )


# -- rendering -----------------------------------------------------------------------------------
def _formatted(resolved_field: Field, getter: Getter) -> Getter:
    if resolved_field.type == "datetime":
        return lambda row: None if (v := getter(row)) is None else format_datetime(v)
    return getter


def _renderer(ctx: Context, obj: SObject, query: Query) -> Callable[[Row], dict[str, Any]]:
    root: list[_Out] = []
    seen: set[tuple[str, ...]] = set()
    for item in query.select:
        assert isinstance(item, Path)
        resolved = resolve(ctx, obj, item)
        key = tuple(part.lower() for part in canonical(resolved))
        if key in seen:
            raise fail(ctx, "MALFORMED_QUERY", item.pos, f"duplicate field selected: {item.text}")
        seen.add(key)
        _place(ctx, root, resolved)
    version = ctx.version
    get = ctx.store.get

    def render_node(row: Row, nodes: list[_Out], type_name: str) -> dict[str, Any]:
        actual = BY_PREFIX[row[0][:3]].name
        record: dict[str, Any] = {
            "attributes": {"type": type_name, "url": f"/services/data/{version}/sobjects/{actual}/{row[0]}"}
        }
        for node in nodes:
            if node.children is None:
                assert node.get is not None
                record[node.key] = node.get(row)
            else:
                parent = get(row[node.ref_slot])
                target = "Name" if node.target is None else node.target.name
                record[node.key] = None if parent is None else render_node(parent, node.children, target)
        return record

    return lambda row: render_node(row, root, obj.name)


def _place(ctx: Context, nodes: list[_Out], resolved: Resolved) -> None:
    for reference in resolved.chain:
        name = reference.relationship_name or reference.name
        node = next((n for n in nodes if n.children is not None and n.key == name), None)
        if node is None:
            target = None if reference.polymorphic else find_object(reference.reference_to[0])
            node = _Out(name, ref_slot=reference.slot, target=target, children=[])
            nodes.append(node)
        assert node.children is not None
        nodes = node.children
    owner, leaf = resolved.owner, resolved.field
    getter = name_getter(leaf.name) if owner is NAME else field_getter(ctx, owner, leaf)
    nodes.append(_Out(leaf.name, get=_formatted(leaf, getter)))


# -- aggregates ----------------------------------------------------------------------------------
@dataclass
class _Agg:
    key: str
    function: str
    getter: Getter
    target: Field
    group_index: int = -1
    values: list[Any] = field(default_factory=list)


def _aggregate(ctx: Context, obj: SObject, query: Query, rows: list[Row]) -> list[dict[str, Any]]:
    groups = [resolve(ctx, obj, path) for path in query.group_by]
    group_names = [canonical(g) for g in groups]
    columns: list[_Agg] = []
    expr = 0
    for item in query.select:
        if isinstance(item, Aggregate):
            resolved = resolve(ctx, obj, item.path)
            key = item.alias or f"expr{expr}"
            expr += 0 if item.alias else 1
            columns.append(_Agg(key, item.function, resolved.getter, resolved.field))
        elif isinstance(item, Path):
            resolved = resolve(ctx, obj, item)
            if canonical(resolved) not in group_names:
                raise fail(
                    ctx, "MALFORMED_QUERY", item.pos, f"Field must be grouped or aggregated: {item.text}"
                )
            index = group_names.index(canonical(resolved))
            columns.append(_Agg(resolved.field.name, "GROUP", resolved.getter, resolved.field, index))
    buckets: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        buckets.setdefault(tuple(g.getter(row) for g in groups), []).append(row)
    if not groups and not buckets:
        buckets[()] = []
    keys = list(buckets)
    for order in reversed(query.order_by):
        name = canonical(resolve(ctx, obj, order.path))
        if name not in group_names:
            raise fail(
                ctx,
                "MALFORMED_QUERY",
                order.path.pos,
                f"Ordered field must be grouped or aggregated: {order.path.text}",
            )
        index = group_names.index(name)
        keys.sort(key=lambda k: (k[index] is not None, k[index]), reverse=order.descending)
    records = [_aggregate_record(columns, key, buckets[key]) for key in keys]
    return _slice(records, query)


def _aggregate_record(columns: list[_Agg], key: tuple[Any, ...], rows: list[Row]) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
    for column in columns:
        if column.function == "GROUP":
            value = key[column.group_index]
        else:
            values = [v for row in rows if (v := column.getter(row)) is not None]
            value = _apply(column.function, values)
        if (
            column.target.type == "datetime"
            and isinstance(value, int)
            and column.function in ("GROUP", "MIN", "MAX")
        ):
            value = format_datetime(value)
        record[column.key] = value
    return record


def _apply(function: str, values: list[Any]) -> Any:
    if function == "COUNT":
        return len(values)
    if function == "COUNT_DISTINCT":
        return len(set(values))
    if not values:
        return None
    if function == "MIN":
        return min(values)
    if function == "MAX":
        return max(values)
    if function == "SUM":
        return float(sum(values))
    return float(sum(values)) / len(values)
