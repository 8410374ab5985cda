"""Title rules: the default rules on the labelled set, and the engine's semantics."""

from __future__ import annotations

import csv
import time
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest

from mappings.loader import load_mapping
from mappings.policy import Titles
from mappings.titles import classify, compile_rules, is_at_least, normalize
from mappings.vocab import FUNCTIONS, SENIORITY_ORDER

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def rules() -> Titles:
    return load_mapping(None, "salesforce").titles


def _labelled(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _confusion(pairs: list[tuple[str, str]], labels: tuple[str, ...]) -> str:
    counts = Counter(pairs)
    width = max(len(label) for label in labels)
    lines = [
        " " * width + "  expected -> got: " + ", ".join(f"{i}={label}" for i, label in enumerate(labels))
    ]
    for want in labels:
        row = " ".join(f"{counts[(want, got)]:4d}" for got in labels)
        lines.append(f"{want:>{width}} {row}")
    return "\n".join(lines)


@pytest.mark.parametrize(
    ("dataset", "floor"),
    [("titles.csv", 0.97), ("titles_holdout.csv", 0.90)],
    ids=["labelled-set", "held-out-set"],
)
def test_default_rules_score_on_the_labelled_titles(dataset: str, floor: float, rules: Titles) -> None:
    rows = _labelled(dataset)
    seniority: list[tuple[str, str]] = []
    function: list[tuple[str, str]] = []
    misses: list[str] = []
    for row in rows:
        got = rules.classify(row["title"])
        seniority.append((row["seniority"], got.seniority))
        function.append((row["function"], got.function))
        if (got.seniority, got.function) != (row["seniority"], row["function"]):
            misses.append(
                f"  {row['title']!r}: want {row['seniority']}/{row['function']}, got {got.seniority}/{got.function}"
            )
    seniority_score = sum(a == b for a, b in seniority) / len(rows)
    function_score = sum(a == b for a, b in function) / len(rows)
    print(f"\n{dataset}: {len(rows)} titles; seniority {seniority_score:.1%}, function {function_score:.1%}")
    print(
        "seniority confusion (rows: expected, columns: got)\n" + _confusion(seniority, SENIORITY_ORDER[::-1])
    )
    print("function confusion (rows: expected, columns: got)\n" + _confusion(function, FUNCTIONS))
    print("misclassified:\n" + ("\n".join(misses) or "  none"))
    assert seniority_score >= floor, "\n".join(misses)
    assert function_score >= floor, "\n".join(misses)


def test_the_labelled_set_is_large_varied_and_uses_the_fixed_vocabularies() -> None:
    rows = _labelled("titles.csv")
    assert len(rows) >= 250
    assert len({row["title"] for row in rows}) == len(rows), "duplicate titles"
    assert {row["seniority"] for row in rows} == set(SENIORITY_ORDER)
    assert {row["function"] for row in rows} == set(FUNCTIONS)
    accented = [row["title"] for row in rows if not row["title"].isascii()]
    assert len(accented) >= 30, "French, German and Spanish titles"


@pytest.mark.parametrize(
    ("title", "seniority", "function"),
    [
        ("SVP & Chief Revenue Officer", "c_suite", "sales"),
        ("Chief of Staff", "director", "general_management"),
        ("Executive Assistant to the CEO", "individual", "other"),
        ("VP Sales, EMEA", "vp", "sales"),
        ("V.P. Marketing", "vp", "marketing"),
        ("Sr. Director, Global Alliances", "director", "partnerships"),
        ("AVP, Enterprise", "vp", "sales"),
        ("RVP West", "vp", "sales"),
        ("EVP, Global Partnerships", "evp", "partnerships"),
        ("cto", "c_suite", "technology"),
        ("Directeur Général", "c_suite", "general_management"),
        ("Geschäftsführer", "c_suite", "general_management"),
        ("Consejero Delegado", "c_suite", "general_management"),
        ("Account Executive", "individual", "sales"),
        ("Director, Office of the CTO", "director", "technology"),
        ("Product Owner", "individual", "product"),
    ],
    ids=lambda value: value if isinstance(value, str) and " " not in value else None,
)
def test_the_cases_the_issue_names(title: str, seniority: str, function: str, rules: Titles) -> None:
    got = rules.classify(title)
    assert (got.seniority, got.function) == (seniority, function)


@pytest.mark.parametrize(
    ("title", "normalized"),
    [
        ("V.P. Marketing", "vp marketing"),
        ("Sr. Director", "senior director"),
        ("Snr Account Manager", "senior account manager"),
        ("R&D", "r and d"),
        ("Cloud + AI", "cloud and ai"),
        ("Directeur Général", "directeur general"),
        ("Geschäftsführer", "geschaftsfuhrer"),
        ("Straße", "strasse"),
        ("  VP -- Sales (EMEA)  ", "vp sales emea"),
        ("Director – Cloud Alliances", "director cloud alliances"),
        ("IT-Leiter", "it leiter"),
    ],
    ids=[
        "dotted",
        "sr",
        "snr",
        "ampersand",
        "plus",
        "french-accents",
        "umlauts",
        "eszett",
        "punctuation",
        "en-dash",
        "hyphen",
    ],
)
def test_normalize(title: str, normalized: str) -> None:
    assert normalize(title) == normalized


def _rule(pattern: str, seniority: str | None = None, function: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(pattern=pattern, seniority=seniority, function=function)


def test_first_matching_rule_wins_per_axis_and_rules_may_set_one_axis() -> None:
    rules = compile_rules(
        [
            _rule(r"\bchief of staff\b", seniority="director"),
            _rule(r"\bchief\b", seniority="c_suite", function="general_management"),
            _rule(r"\bstaff\b", function="people"),
        ]
    )
    got = classify("Chief of Staff", rules)
    assert (got.seniority, got.seniority_rule) == ("director", 0)
    assert (got.function, got.function_rule) == ("general_management", 1)


@pytest.mark.parametrize(
    "title", [None, "", "   ", "---"], ids=["none", "empty", "blank", "punctuation-only"]
)
def test_no_title_is_individual_other(title: str | None, rules: Titles) -> None:
    got = rules.classify(title)
    assert (got.seniority, got.function, got.seniority_rule, got.function_rule) == (
        "individual",
        "other",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("seniority", "threshold", "expected"),
    [
        ("c_suite", "vp", True),
        ("vp", "vp", True),
        ("director", "vp", False),
        ("individual", "individual", True),
    ],
    ids=["above", "equal", "below", "lowest"],
)
def test_is_at_least(seniority: str, threshold: str, expected: bool) -> None:
    assert is_at_least(seniority, threshold) is expected  # type: ignore[arg-type]


def test_classifies_well_over_20000_distinct_titles_per_second(rules: Titles) -> None:
    base = [row["title"] for row in _labelled("titles.csv")]
    titles = [f"{title} {i}" for i in range(40) for title in base]  # distinct: no cache hits
    started = time.perf_counter()
    for title in titles:
        rules.classify(title)
    rate = len(titles) / (time.perf_counter() - started)
    print(f"\n{rate:,.0f} distinct titles per second ({len(titles)} titles)")
    assert rate > 20_000


def test_the_default_rules_agree_with_the_sandbox_on_who_is_an_executive(rules: Titles) -> None:
    from connectors.sandbox.orggen_names import STAFF_ROLES, TITLES

    disagree = [
        (language, level, entry[0], rules.classify(entry[0]).seniority)
        for language, levels in TITLES.items()
        for level, entries in levels.items()
        for entry in entries
        if (level == "executive") != rules.is_executive(rules.classify(entry[0]).seniority)
    ]
    assert disagree == []
    staff = [title for titles, _ in STAFF_ROLES.values() for title in titles]
    assert [t for t in staff if rules.is_sponsor_level(rules.classify(t).seniority)] == []
