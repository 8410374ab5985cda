"""Pydantic validation errors -> :class:`Problem` values that say what to do.

Pydantic locations contain union tags (``account_field``, ``field``) that are not keys of the file;
:func:`data_path` keeps only the parts that exist in the document, so the path and the line
number point at what the admin wrote.
"""

from __future__ import annotations

import difflib
import re
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, Tag, ValidationError
from pydantic_core import ErrorDetails

from sponsorsync.mappings.problems import Path, Problem


def problems_from(exc: ValidationError, prefix: Path, document: Any, model: Any) -> list[Problem]:
    """``document``: the data validated at ``prefix``; ``model``: its type (to list valid keys)."""
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        path = (*prefix, *data_path(loc, document, error["type"]))
        problems.append(Problem(path, _message(error, model, loc), at_key=error["type"] == "extra_forbidden"))
    return problems


def suggest(word: str, choices: list[str]) -> str:
    """`` did you mean 'x'?`` for the nearest choice, or nothing."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def data_path(loc: tuple[str | int, ...], document: Any, error_type: str) -> Path:
    node, path = document, []
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        in_dict = isinstance(node, dict) and part in node
        if in_dict or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
            path.append(part)
        elif last and error_type == "missing":
            path.append(part)
    return tuple(path)


def _message(error: ErrorDetails, model: Any, loc: tuple[str | int, ...]) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "missing":
        return "required but missing; add it"
    if kind == "extra_forbidden":
        key = str(loc[-1])
        valid = keys_at(model, loc[:-1])
        if valid is None:
            return "unknown key; remove it"
        return f"unknown key{suggest(key, valid) or '; remove it'} (valid keys here: {', '.join(valid)})"
    if kind == "literal_error":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"{_shown(error['input'])} is not allowed{suggest(str(error['input']), options)} (use {ctx.get('expected')})"
    if kind == "union_tag_invalid":
        options = re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))
        tag = str(ctx.get("tag"))
        return f"{ctx.get('discriminator')} {tag!r} is not allowed{suggest(tag, options)} (use {ctx.get('expected_tags')})"
    if kind == "union_tag_not_found":
        return f"missing key {ctx.get('discriminator')} that says which kind this is; add it"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    message = str(error["msg"])
    return f"{message[0].lower()}{message[1:]} (got {_shown(error['input'])}); fix the value"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def keys_at(model: Any, loc: tuple[str | int, ...]) -> list[str] | None:
    """The valid keys of the model found by following ``loc`` (with union tags) from ``model``."""
    node: Any = model
    for part in loc:
        node = _step(node, part)
        if node is None:
            return None
    node = _unwrap(node)
    if isinstance(node, type) and issubclass(node, BaseModel):
        return [info.alias or name for name, info in node.model_fields.items()]
    return None


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _step(annotation: Any, part: str | int) -> Any:
    annotation = _unwrap(annotation)
    origin = get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        for name, info in annotation.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
        return None
    if origin in (list, tuple):
        return get_args(annotation)[0]
    if origin is dict:
        return get_args(annotation)[1]
    if origin in (Union, types.UnionType):
        members = [m for m in get_args(annotation) if m is not type(None)]
        for member in members:
            if _is_tag(member, part):
                return member
        if len(members) == 1:
            return _step(members[0], part)
        for member in members:
            found = _step(member, part)
            if found is not None:
                return found
    return None


def _is_tag(member: Any, part: str | int) -> bool:
    if get_origin(member) is Annotated and any(
        isinstance(m, Tag) and m.tag == part for m in get_args(member)[1:]
    ):
        return True
    inner = _unwrap(member)
    if isinstance(inner, type) and issubclass(inner, BaseModel) and "source" in inner.model_fields:
        return part in get_args(inner.model_fields["source"].annotation)
    return False
