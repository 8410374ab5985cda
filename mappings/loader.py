"""Reading a mapping file: YAML with positions, every problem in one pass, then the model.

Each top-level section is validated on its own, so a mistake in one section does not hide the
problems of another, and the cross-field checks (:mod:`mappings.checks`) run on every section that
is valid. All problems are reported together in one :class:`~mappings.problems.MappingError`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, ScalarEvent

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.mappings.advice import advise
from sponsorsync.mappings.checks import Sections, cross_check
from sponsorsync.mappings.errors import problems_from, suggest
from sponsorsync.mappings.model import Mapping
from sponsorsync.mappings.problems import MappingError, Problem, SourceMap, raise_problems
from sponsorsync.mappings.problems import Path as Path_
from sponsorsync.mappings.vocab import CRMS, CrmName


def default_mapping_path(crm: CrmName) -> Path:
    """The packaged default mapping file of ``crm``."""
    return Path(str(files("sponsorsync.mappings") / f"{crm}.yaml"))


def load_mapping(path: Path | None, crm: CrmName | None = None) -> Mapping:
    """Load and validate a mapping file (``path`` None: the packaged default for ``crm``).

    When both are given, the file's ``crm`` must be ``crm``. Raises :class:`MappingError` listing
    every problem, or :class:`ConfigError` when the file cannot be read.
    """
    return inspect_mapping(path, crm).valid()


def inspect_mapping(path: Path | None, crm: CrmName | None = None) -> Inspection:
    """Read and check a mapping file without raising for its problems (only for a file that cannot
    be read or is not YAML), so that ``mappings validate --live`` can add the live problems."""
    if path is None:
        if crm is None:
            raise ConfigError(
                "No mapping file and no CRM given", hint="pass a mapping file or choose the CRM (--crm)"
            )
        path = default_mapping_path(crm)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"Cannot read the mapping file {path}: {exc.__class__.__name__}",
            hint="check the path (`sponsorsync mappings init` writes a starting point)",
        ) from None
    return inspect_text(text, str(path), crm)


def parse_mapping(text: str, file: str, crm: CrmName | None = None) -> Mapping:
    """Validate mapping text; ``file`` is the name used in messages."""
    return inspect_text(text, file, crm).valid()


@dataclass
class Inspection:
    """A mapping file checked: its problems and warnings (located), the sections that are valid on
    their own, and the mapping itself when there is no problem."""

    source: SourceMap
    sections: Sections
    problems: list[Problem]
    warnings: list[Problem]
    mapping: Mapping | None

    def valid(self) -> Mapping:
        """The mapping; raises one :class:`MappingError` listing every problem when there are any."""
        raise_problems(self.source, self.problems)
        assert self.mapping is not None
        return self.mapping

    def warning_lines(self) -> list[str]:
        """Each warning as ``file:line:col: path: message``, in file order."""
        return [self.source.render(w) for w in sorted(set(self.warnings), key=self.source.sort_key)]


def inspect_text(text: str, file: str, crm: CrmName | None = None) -> Inspection:
    document = _read_yaml(text, file)
    source = SourceMap.build(file, document)
    plain = _plain(document)
    if not isinstance(plain, dict):
        raise MappingError(
            file, [f"{file}:1:1: (top level): the file must be a YAML mapping of keys (version:, crm:, ...)"]
        )
    sections, problems = _validate_sections(plain)
    problems.extend(cross_check(sections))
    if crm is not None and sections.crm is not None and sections.crm != crm:
        problems.append(
            Problem(
                ("crm",), f"this file maps {sections.crm}, but {crm} was asked for; use a {crm} mapping file"
            )
        )
    inspection = Inspection(source, sections, problems, advise(sections), None)
    if not problems:
        inspection.mapping = Mapping.model_validate(plain)
        inspection.mapping._source = source
        inspection.mapping._warnings = inspection.warning_lines()
    return inspection


def _refuse_aliases(text: str, file: str) -> None:
    """Anchors and aliases (``&a`` / ``*a``, ``<<: *a``) are refused before anything is built: a
    few nested aliases expand to gigabytes (a "billion laughs" file), and a mapping never needs them."""
    for event in YAML(typ="rt").parse(text):
        if isinstance(event, AliasEvent):
            mark = event.start_mark
            line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            raise MappingError(
                file,
                [
                    f"{file}:{line}:{col}: (YAML syntax): YAML aliases (*{event.anchor}) are not allowed "
                    "in a mapping file; write the values out in full"
                ],
            )


def _read_yaml(text: str, file: str) -> Any:
    try:
        _refuse_aliases(text, file)
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as exc:
        raise MappingError(file, [syntax_problem(exc, file)]) from None
    except YAMLError as exc:
        raise MappingError(file, [f"{file}:1:1: (YAML syntax): {exc}; fix the YAML syntax"]) from None
    except ValueError as exc:  # a plain scalar YAML reads as a date, but no such day (2026-13-01)
        raise MappingError(file, [_bad_date(text, file, exc)]) from None


_DATE_LIKE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")


def _bad_date(text: str, file: str, exc: ValueError) -> str:
    """Where the unquoted date that is no date is, and what is wrong with it."""
    for event in YAML(typ="rt").parse(text):
        if isinstance(event, ScalarEvent) and event.style is None and _DATE_LIKE.match(event.value):
            try:
                dt.date.fromisoformat(event.value[:10])
            except ValueError as why:
                mark = event.start_mark
                line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
                return (
                    f"{file}:{line}:{col}: {event.value!r} is not a date ({why}); write a day as YYYY-MM-DD"
                )
    return f"{file}:1:1: (YAML syntax): {exc}; fix the YAML syntax"


def syntax_problem(exc: MarkedYAMLError, file: str) -> str:
    """Where the parser gave up and, when it differs, where the construct it was reading started:
    an unclosed ``[`` on line 3 is only noticed many lines later, so both places are named."""
    mark = exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    problem = str(exc.problem or exc.context or "invalid YAML")
    start = exc.context_mark
    if exc.context and start is not None and (start.line, start.column) != (line - 1, col - 1):
        construct = re.sub(r"^while \w+ (an? )?", "", str(exc.context))
        return (
            f"{file}:{line}:{col}: (YAML syntax): {problem}; the {construct} that starts at line "
            f"{start.line + 1}, column {start.column + 1} is not closed or not well-formed; fix the YAML syntax"
        )
    what = " ".join(str(part) for part in (exc.context, exc.problem) if part)
    return f"{file}:{line}:{col}: (YAML syntax): {what}; fix the YAML syntax"


def _plain(node: Any) -> Any:
    """ruamel round-trip types -> plain Python (dict, list, str, int, float, bool, None)."""
    if isinstance(node, dict):
        return {_plain(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, str):
        return str(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, dt.date):
        return node.isoformat()
    return node


#: Sections validated part by part, so one bad part does not hide the others' cross-field problems.
_SPLIT = ("objects", "cadence", "writeback")


@cache
def _adapter(model: type[BaseModel], name: str) -> TypeAdapter[Any]:
    info = model.model_fields[name]
    annotated: Any = Annotated[info.annotation, info]  # the field's type with its constraints
    return TypeAdapter(annotated)


def _validate_fields(
    model: type[BaseModel], data: dict[Any, Any], path: Path_, parts: dict[str, Any], problems: list[Problem]
) -> bool:
    """Validate each field of ``model`` in ``data`` on its own; valid ones go into ``parts`` under
    their dotted path. True when every field is valid."""
    known = [info.alias or name for name, info in model.model_fields.items()]
    ok = True
    for key in data:
        if key not in known:
            hint = suggest(str(key), known) or "; remove it"
            problems.append(
                Problem((*path, key), f"unknown key{hint} (valid keys here: {', '.join(known)})", at_key=True)
            )
            ok = False
    for name, info in model.model_fields.items():
        dotted = ".".join(str(p) for p in (*path, name))
        if name not in data:
            if info.is_required():
                problems.append(Problem((*path, name), "required but missing; add it"))
                ok = False
            else:
                parts[dotted] = info.get_default(call_default_factory=True)
            continue
        annotation = info.annotation
        if not path and name in _SPLIT and isinstance(data[name], dict) and isinstance(annotation, type):
            if _validate_fields(annotation, data[name], (name,), parts, problems):
                parts[dotted] = annotation.model_validate(data[name])
            else:
                ok = False
            continue
        try:
            parts[dotted] = _adapter(model, name).validate_python(data[name])
        except ValidationError as exc:
            problems.extend(problems_from(exc, (*path, name), data[name], annotation))
            ok = False
    return ok


def _validate_sections(plain: dict[Any, Any]) -> tuple[Sections, list[Problem]]:
    parts: dict[str, Any] = {}
    problems: list[Problem] = []
    _validate_fields(Mapping, plain, (), parts, problems)
    given = plain.get("objects") or {}
    present = {f"objects.{name}" for name in ("account_team", "opportunities") if name in given}
    return Sections.from_parts(parts, present), problems


__all__ = [
    "CRMS",
    "Inspection",
    "MappingError",
    "default_mapping_path",
    "inspect_mapping",
    "load_mapping",
    "parse_mapping",
]
