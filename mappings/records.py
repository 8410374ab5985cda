"""Applying an object mapping to one pulled record: the canonical values the engine works on.

The semantics, in order, for each canonical field of the record kind:
1. source: a CRM field's value, or the ids of the associated records (``{association: type}``);
   a list field (``contact_ids``) gets a list, a single field the first id; text with ';' in a list
   field (HubSpot multi-value properties such as ``hs_attendee_owner_ids``) is split.
2. value map: when the field has one, the CRM value is looked up as text (case-insensitively;
   booleans as ``true``/``false``); a ';'-separated multi-value takes its first part that is in the
   map; a value missing from the map becomes empty (None).
3. default: an empty value (None or "") takes the object's default for the field, if any.

:func:`converter` makes these decisions once per object mapping and returns a function that applies
them to each record (a pull converts a million records with it); :func:`canonical_values` is the
same for one record; :func:`row_converter` is the same for a record that arrives as a row of text
cells (a Bulk API 2.0 CSV), without building the record first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sponsorsync.connectors.base import Cell, text_cell
from sponsorsync.mappings.base import Scalar, key_text
from sponsorsync.mappings.objects import AssociationSource, ObjectMapping

Associations = Mapping[str, Sequence[str]] | None
Converter = Callable[[Mapping[str, Any], Associations], dict[str, Any]]
RowConverter = Callable[[Sequence[str]], dict[str, Any]]
_Step = Callable[[Mapping[str, Any], Associations], Any]


def canonical_values(
    spec: ObjectMapping,
    fields: Mapping[str, Any],
    associations: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """Canonical field -> value for one record (``fields`` keyed by CRM field name)."""
    return converter(spec)(fields, associations)


def converter(spec: ObjectMapping) -> Converter:
    """:func:`canonical_values` for ``spec`` with the source, value map, default and kind of each
    canonical field looked up once: the returned function does only the per-record work."""
    sources = spec.fields.sources()
    # (canonical name, CRM field read as it is, else the step that computes the value)
    plan: list[tuple[str, str, _Step | None]] = []
    for name, kind in type(spec.fields).KINDS.items():
        source = sources.get(name)
        value_map, has_default = spec.value_maps.get(name), name in spec.defaults
        if isinstance(source, str) and value_map is None and not has_default and kind != "references":
            plan.append((name, source, None))
        else:
            plan.append((name, "", _step(kind, source, value_map, has_default, spec.defaults.get(name))))

    def convert(fields: Mapping[str, Any], associations: Associations = None) -> dict[str, Any]:
        get = fields.get
        return {
            name: get(field) if step is None else step(fields, associations) for name, field, step in plan
        }

    return convert


def row_converter(spec: ObjectMapping, columns: Sequence[str], cells: Sequence[Cell]) -> RowConverter:
    """:func:`converter` for records that arrive as rows of text cells under ``columns``, each typed
    by its ``cells`` entry (:class:`connectors.base.RecordTable`): ``row_converter(spec, columns,
    cells)(row)`` equals ``converter(spec)(fields, None)`` with ``fields`` the row's typed cells by
    column, but no ``fields`` is built. The returned function is compiled once per layout from
    :func:`row_expressions`. A Bulk API 2.0 pull converts a million rows with it, in about a quarter
    of the time that typing each row into a dict and converting that dict takes (BENCHMARKS.md,
    "Third pass").
    """
    scope: dict[str, Any] = {}
    parts = [f"{name!r}: {read}" for name, read in row_expressions(spec, columns, cells, scope).items()]
    exec(f"def convert(row):\n    return {{{', '.join(parts)}}}\n", scope)
    compiled: RowConverter = scope["convert"]
    return compiled


def row_expressions(
    spec: ObjectMapping,
    columns: Sequence[str],
    cells: Sequence[Cell],
    scope: dict[str, Any],
    texts: set[str] | None = None,
) -> dict[str, str]:
    """Canonical field -> a Python expression of ``row`` (a list of text cells under ``columns``)
    that evaluates to the value :func:`converter` gives the field, with the names it uses added to
    ``scope``: the building blocks of :func:`row_converter` and of the mirror's compiled rows
    (:meth:`sync.sources.Source.table_rows`). A text cell is inlined (``row[i] or None``, which
    is :func:`connectors.base.text_cell`), and every other cell type, value map, default or list
    goes through the very functions :func:`converter` uses; each expression is evaluated once per
    row (a list field gives a fresh list each time). ``texts``, if given, gets the fields whose
    expression is a text cell as it is (a str, or None)."""
    sources = spec.fields.sources()
    at = {name: index for index, name in enumerate(columns)}  # a repeated column: the last, as a dict
    reads: dict[str, str] = {}
    for number, (name, kind) in enumerate(type(spec.fields).KINDS.items()):
        source = sources.get(name)
        value_map, has_default = spec.value_maps.get(name), name in spec.defaults
        default = spec.defaults.get(name)
        if not isinstance(source, str):  # no field (or associations, which a table has none of)
            # The same value for every record (a default, or None), computed once; a list is copied
            # for each record.
            value = scope[f"value{number}"] = _step(kind, source, value_map, has_default, default)({}, None)
            reads[name] = (
                f"value{number}" if kind != "references" else f"list(value{number})" if value else "[]"
            )
            continue
        index = at.get(source)
        finish = _finish(kind, value_map, has_default, default)
        scope[f"finish{number}"] = finish
        cell = f"row[{index}]"
        if index is None:
            read = "None" if finish is None else f"finish{number}(None)"
        elif cells[index] is not text_cell:
            scope[f"cell{index}"] = cells[index]
            read = f"cell{index}({cell})" if finish is None else f"finish{number}(cell{index}({cell}))"
        elif finish is None:
            read = f"({cell} or None)"
            if texts is not None:
                texts.add(name)
        elif kind == "references" and value_map is None and not has_default:
            # _references of a text: [] when empty, [text] without a ';', else the split
            read = f"([] if not {cell} else [{cell}] if ';' not in {cell} else finish{number}({cell}))"
        elif value_map is not None and kind != "references":
            # A text that is a key of the map as it is, mapped to a value the default does not
            # replace, is that value; anything else takes the whole way.
            sure = {k: v for k, v in value_map.items() if k != "" and not (has_default and v in (None, ""))}
            scope[f"sure{number}"] = sure
            read = f"(sure{number}[{cell}] if {cell} in sure{number} else finish{number}({cell} or None))"
        else:
            read = f"finish{number}({cell} or None)"
        reads[name] = read
    # Only canonical names (the model's own identifiers, quoted by repr) and numbers are spelled into
    # the code; every CRM name and value stays data in ``scope``.
    return reads


def _step(
    kind: str,
    source: str | AssociationSource | None,
    value_map: Mapping[str, Scalar] | None,
    has_default: bool,
    default: Scalar,
) -> _Step:
    """One canonical field's value from a record: the three steps of the module docstring."""
    read: _Step
    if source is None:
        read = _nothing
    elif isinstance(source, AssociationSource):
        read = _association(source.association, single=kind != "references")
    else:
        read = _field(source)
    finish = _finish(kind, value_map, has_default, default)
    if finish is None:
        return read

    def step(fields: Mapping[str, Any], associations: Associations) -> Any:
        return finish(read(fields, associations))

    return step


def _finish(
    kind: str, value_map: Mapping[str, Scalar] | None, has_default: bool, default: Scalar
) -> Callable[[Any], Any] | None:
    """Steps 2 and 3 (and a list for a references field) applied to the value read; None when the
    value read is the value."""
    if value_map is None and not has_default and kind != "references":
        return None
    lookup = _map_lookup(value_map) if value_map is not None else None

    def finish(raw: Any) -> Any:
        if lookup is not None:
            raw = lookup(raw)
        if has_default and (raw is None or raw == ""):
            raw = default
        return _references(raw) if kind == "references" else raw

    return finish


def _nothing(fields: Mapping[str, Any], associations: Associations) -> Any:  # noqa: ARG001
    return None


def _field(name: str) -> _Step:
    def read(fields: Mapping[str, Any], associations: Associations) -> Any:  # noqa: ARG001
        return fields.get(name)

    return read


def _association(association: str, *, single: bool) -> _Step:
    def read(fields: Mapping[str, Any], associations: Associations) -> Any:  # noqa: ARG001
        ids = list((associations or {}).get(association, ()))
        if single:
            return ids[0] if ids else None
        return ids

    return read


def _references(raw: Any) -> list[Any]:
    """A list of ids: a list stays one; text like HubSpot's multi-value ``"1;2;3"`` is split on ';'."""
    if raw in (None, ""):
        return []
    if isinstance(raw, list | tuple):
        return list(raw)
    if isinstance(raw, str) and ";" in raw:
        return [part.strip() for part in raw.split(";") if part.strip()]
    return [raw]


def crm_fields(spec: ObjectMapping) -> tuple[str, ...]:
    """The CRM fields to read for ``spec``: every mapped field and the watermark, in file order."""
    names = [s for s in spec.fields.sources().values() if isinstance(s, str)]
    return tuple(dict.fromkeys([*names, spec.watermark]))


def _map_lookup(value_map: Mapping[str, Scalar]) -> Callable[[Any], Scalar]:
    """The value map applied to a CRM value (module docstring, step 2), its keys folded once."""
    exact = dict(value_map)
    folded: dict[str, Scalar] = {}
    for key, value in value_map.items():
        folded.setdefault(key.casefold(), value)  # the first key that folds the same wins

    def lookup(text: str) -> Scalar:
        if text in exact:
            return exact[text]
        return folded.get(text.casefold())

    def mapped(raw: Any) -> Scalar:
        if raw is None or raw == "":
            return None
        text = str(key_text(raw))
        found = lookup(text)
        if found is None and ";" in text:  # a multi-value ("Sales;Executive"): the first part that maps
            found = next((v for part in text.split(";") if (v := lookup(part.strip())) is not None), None)
        return found

    return mapped
