"""The shipped wording and admins' templates: checked when the mapping loads, never at run time."""

from __future__ import annotations

import pytest

from sponsorsync.mappings.loader import default_mapping_path, parse_mapping
from sponsorsync.mappings.problems import MappingError
from sponsorsync.mappings.templates import PHRASES, VARIABLES, check_template, shipped


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_shipped_template_parses_and_uses_only_its_documented_variables(language: str) -> None:
    templates = shipped(language)
    assert set(templates) <= set(VARIABLES)
    problems = {
        (name, part): check_template(text, VARIABLES[name])
        for name, parts in templates.items()
        for part, text in parts.items()
    }
    assert {k: v for k, v in problems.items() if v} == {}


def test_german_has_every_text_english_has() -> None:
    english, german = shipped("en"), shipped("de")
    assert {(n, p) for n, ps in german.items() for p in ps} == {
        (n, p) for n, ps in english.items() for p in ps
    }
    rules = set(VARIABLES) - PHRASES
    assert all({"subject", "body"} <= set(english[rule]) for rule in rules)


def test_a_typo_in_an_admin_template_names_the_file_line_and_the_variables_it_may_use() -> None:
    text = (
        default_mapping_path("salesforce")
        .read_text()
        .replace(
            "\ncadence:\n",
            "\ntemplates:\n  overrides:\n    executive_touch:\n      subject: 'Call {{ countrepart }}'\n"
            "    executive_tuch: {subject: Hello}\ncadence:\n",
            1,
        )
    )
    lines = text.splitlines()
    typo = lines.index("      subject: 'Call {{ countrepart }}'") + 1
    with pytest.raises(MappingError) as caught:
        parse_mapping(text, "m.yaml")
    message = str(caught.value)
    assert (
        f"m.yaml:{typo}:16: templates.overrides.executive_touch.subject: unknown variable(s) countrepart"
        in message
    )
    assert "this template can use alliance, tier, manager, sponsor, counterpart," in message
    assert (
        f"m.yaml:{typo + 1}:5: templates.overrides.executive_tuch: unknown key; did you mean 'executive_touch'?"
        in message
    )
