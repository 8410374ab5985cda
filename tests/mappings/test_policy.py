"""The policy API the engine calls: alliance conditions, thresholds."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from sponsorsync.mappings.loader import load_mapping
from sponsorsync.mappings.policy import Alliances, Condition


@pytest.mark.parametrize(
    ("condition", "value", "expected"),
    [
        ({"field": "type", "equals": "Partner"}, "Partner", True),
        ({"field": "type", "equals": "Partner"}, "Customer", False),
        ({"field": "type", "in": ["Partner", "Reseller"]}, "Reseller", True),
        ({"field": "type", "not_in": ["Customer"]}, None, True),
        ({"field": "tier", "is_set": True}, "", False),
        ({"field": "tier", "is_set": False}, None, True),
        ({"field": "name", "matches": "(?i)cloud"}, "Acme Cloud", True),
        ({"field": "name", "matches": "cloud"}, None, False),
    ],
    ids=[
        "equals",
        "not-equal",
        "in",
        "not-in-empty",
        "is-set-blank",
        "is-not-set",
        "matches",
        "matches-empty",
    ],
)
def test_a_condition(condition: dict[str, Any], value: Any, expected: bool) -> None:
    assert Condition.model_validate(condition).test(value) is expected


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "type"}, "give exactly one operator (found none)"),
        ({"field": "type", "in": ["A"], "is_set": True}, "give exactly one operator (found in, is_set)"),
        ({"field": "type", "equals": None}, "to test for an empty value use is_set: false"),
        ({"field": "name", "matches": "("}, "invalid regular expression"),
    ],
    ids=["no-operator", "two-operators", "equals-null", "bad-regex"],
)
def test_a_condition_must_be_well_formed(condition: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Condition.model_validate(condition)


def test_the_default_alliance_filter() -> None:
    alliances: Alliances = load_mapping(None, "salesforce").alliances
    assert alliances.is_alliance({"type": "Partner", "tier": "strategic"})
    assert not alliances.is_alliance({"type": "Partner", "tier": None})
    assert not alliances.is_alliance({"type": "Customer", "tier": "key"})


def test_thresholds() -> None:
    titles = load_mapping(None, "hubspot").titles
    assert titles.is_executive("vp")
    assert not titles.is_executive("director")
    assert titles.is_sponsor_level("c_suite")
