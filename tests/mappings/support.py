"""Builders for mapping tests: variants of the default files with one edit, and where a line is."""

from __future__ import annotations

import pytest

from sponsorsync.mappings.loader import default_mapping_path, parse_mapping
from sponsorsync.mappings.problems import MappingError
from sponsorsync.mappings.vocab import CrmName


def default_text(crm: CrmName) -> str:
    return default_mapping_path(crm).read_text(encoding="utf-8")


def edited(crm: CrmName, *edits: tuple[str, str]) -> str:
    """The default file of ``crm`` with each ``(old, new)`` replaced once (old must occur)."""
    text = default_text(crm)
    for old, new in edits:
        assert old in text, f"{old!r} is not in the default {crm} file"
        text = text.replace(old, new, 1)
    return text


def line_of(text: str, snippet: str) -> int:
    """1-based number of the line where ``snippet`` (possibly several lines) first starts."""
    assert snippet in text, f"{snippet!r} not found"
    return text[: text.index(snippet)].count("\n") + 1


def problems(text: str, file: str = "m.yaml") -> list[str]:
    """The problem lines a mapping text gets (fails the test when it is valid)."""
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, file)
    return caught.value.lines
