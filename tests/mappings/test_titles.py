"""Title rules: the default rules on the labelled set, and the engine's semantics."""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace

import pytest
from pydantic import ValidationError

from sponsorsync.mappings.loader import MappingError, load_mapping, parse_mapping
from sponsorsync.mappings.policy import TitleRule, Titles
from sponsorsync.mappings.titles import TitleClass, classify, compile_rules, is_at_least, normalize
from sponsorsync.mappings.vocab import FUNCTIONS, SENIORITY_ORDER

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


def test_the_default_rules_agree_with_the_sandbox_on_who_is_an_executive(rules: Titles) -> None:
    from sponsorsync.sandbox.orggen_names import STAFF_ROLES, TITLES

    disagree = [
        (language, level, entry[0], rules.classify(entry[0]).seniority)
        for language, levels in TITLES.items()
        for level, entries in levels.items()
        for entry in entries
        if (level == "executive") != rules.is_executive(rules.classify(entry[0]).seniority)
    ]
    # The sandbox's director-level "Head of IT Infrastructure" is qualified by a sub-function, so it
    # stays a director under the "Head of X" convention (a bare "Head of IT" would read as VP).
    assert disagree == []
    staff = [title for titles, _ in STAFF_ROLES.values() for title in titles]
    assert [t for t in staff if rules.is_sponsor_level(rules.classify(t).seniority)] == []


# --- Ten languages (issue 12) ------------------------------------------------------------------

LANGUAGES = ("en", "fr", "de", "es", "it", "pt", "nl", "ja", "pl", "sv")


def _scores(rows: list[dict[str, str]], rules: Titles) -> dict[str, tuple[int, float, float, float]]:
    """Per language: titles, executive yes/no, seniority and function right (shares)."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for row in rows:
        got = rules.classify(row["title"])
        tally = counts[row["language"]]
        tally[0] += 1
        tally[1] += rules.is_executive(got.seniority) == (row["executive"] == "yes")
        tally[2] += got.seniority == row["seniority"]
        tally[3] += got.function == row["function"]
    return {lang: (n, e / n, s / n, f / n) for lang, (n, e, s, f) in counts.items()}


def _report(
    name: str, rows: list[dict[str, str]], rules: Titles
) -> dict[str, tuple[int, float, float, float]]:
    scores = _scores(rows, rules)
    print(f"\n{name}: {len(rows)} titles")
    print("language  titles  executive  seniority  function")
    for lang in LANGUAGES:
        n, e, s, f = scores[lang]
        print(f"{lang:8}  {n:6}  {e:9.1%}  {s:9.1%}  {f:8.1%}")
    pairs = [(row, rules.classify(row["title"])) for row in rows]
    print(
        "seniority confusion (rows: expected, columns: got)\n"
        + _confusion([(r["seniority"], g.seniority) for r, g in pairs], SENIORITY_ORDER[::-1])
    )
    print(
        "function confusion (rows: expected, columns: got)\n"
        + _confusion([(r["function"], g.function) for r, g in pairs], FUNCTIONS)
    )
    misses = [
        f"  {r['language']} {r['title']!r}: want {r['seniority']}/{r['function']}, got {g.seniority}/{g.function}"
        for r, g in pairs
        if (g.seniority, g.function) != (r["seniority"], r["function"])
    ]
    print("misclassified:\n" + ("\n".join(misses) or "  none"))
    return scores


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_ten_languages_tuning_part(crm: str) -> None:
    rules = load_mapping(None, crm).titles  # type: ignore[arg-type]
    scores = _report("titles_intl.csv (tuning part)", _labelled("titles_intl.csv"), rules)
    for lang, (_, executive, seniority, function) in scores.items():
        assert executive >= 0.97, lang
        assert seniority >= 0.95, lang
        assert function >= 0.95, lang


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_ten_languages_held_out_part_meets_the_issue_targets(crm: str) -> None:
    """Issue 12: executive decision >= 97% in English and >= 95% in every other language;
    seniority and function >= 90% each. The rules were never tuned on this part."""
    rules = load_mapping(None, crm).titles  # type: ignore[arg-type]
    scores = _report("titles_intl_holdout.csv (held-out part)", _labelled("titles_intl_holdout.csv"), rules)
    for lang, (_, executive, seniority, function) in scores.items():
        assert executive >= (0.97 if lang == "en" else 0.95), lang
        assert seniority >= 0.90, lang
        assert function >= 0.90, lang


def test_the_ten_language_set_is_large_split_and_consistent() -> None:
    tuning, held_out = _labelled("titles_intl.csv"), _labelled("titles_intl_holdout.csv")
    rows = tuning + held_out
    assert len(rows) >= 1500
    per_language = Counter(row["language"] for row in rows)
    assert set(per_language) == set(LANGUAGES)
    assert min(per_language.values()) >= 100, per_language
    assert min(Counter(row["language"] for row in held_out).values()) >= 40
    key = [normalize(row["title"]) + "|" + row["title"].casefold() for row in rows]
    assert len({row["title"].casefold() for row in rows}) == len(rows), "a title twice"
    assert len(set(key)) == len(rows)
    assert not {r["title"].casefold() for r in tuning} & {r["title"].casefold() for r in held_out}
    for row in rows:
        assert row["seniority"] in SENIORITY_ORDER, row
        assert row["function"] in FUNCTIONS, row
        assert row["executive"] == ("yes" if is_at_least(row["seniority"], "vp") else "no"), row


@pytest.mark.parametrize(
    ("title", "seniority", "function"),
    [
        ("Amministratore Delegato", "c_suite", "general_management"),
        ("Diretor Executivo", "c_suite", "general_management"),
        ("Algemeen Directeur", "c_suite", "general_management"),
        ("代表取締役社長", "c_suite", "general_management"),
        ("Inhaber", "c_suite", "general_management"),
        ("Gérant", "c_suite", "general_management"),
        ("Prezes Zarządu", "c_suite", "general_management"),
        ("VD", "c_suite", "general_management"),
        ("Verkställande direktör", "c_suite", "general_management"),
        ("Board Member", "c_suite", "general_management"),
        ("Field CTO", "director", "technology"),
        ("Partner", "vp", "general_management"),
        ("Partner, Litigation", "vp", "legal"),
        ("Partner Manager", "manager", "partnerships"),
        ("Head of Partnerships", "vp", "partnerships"),
        ("Head of Partnerships, EMEA", "director", "partnerships"),
        ("Head of Inside Sales", "director", "sales"),
        ("CSO - Security", "c_suite", "technology"),
        ("CCO (Chief Commercial Officer)", "c_suite", "sales"),
        ("Administrateur Systèmes", "individual", "technology"),
        ("社長秘書", "individual", "other"),
        ("VD-assistent", "individual", "other"),
        ("執行役員 CTO", "c_suite", "technology"),
    ],
)
def test_hard_cases_in_ten_languages(title: str, seniority: str, function: str, rules: Titles) -> None:
    got = rules.classify(title)
    assert (got.seniority, got.function) == (seniority, function)


@pytest.mark.parametrize(
    ("title", "normalized"),
    [
        ("代表取締役社長（東京本社）", "代表取締役社長 東京本社"),
        ("代表取締役CEO", "代表取締役 ceo"),
        ("ＣＥＯ", "ceo"),
        ("ﾏﾈｰｼﾞｬｰ", "マネージャー"),
        ("Członek Zarządu", "czlonek zarzadu"),
        ("Søren Æble", "soren aeble"),
        ("Verkställande direktör", "verkstallande direktor"),
    ],
    ids=["cjk-brackets", "cjk-latin-edge", "full-width", "half-width-kana", "polish-l", "nordic", "swedish"],
)
def test_normalize_keeps_cjk_and_folds_latin(title: str, normalized: str) -> None:
    assert normalize(title) == normalized


def test_a_pattern_may_hold_cjk_letters_but_not_accented_latin_ones() -> None:
    assert TitleRule(pattern="代表取締役", seniority="c_suite").pattern == "代表取締役"
    with pytest.raises(ValidationError) as raised:
        TitleRule(pattern="directeur général", seniority="c_suite")
    message = str(raised.value)
    assert "has the letters é, but Latin accents are folded before matching" in message
    assert "may be written as they are" in message
    with pytest.raises(ValidationError) as raised:
        TitleRule(pattern="директор", seniority="director")
    assert "titles keep only Latin letters (accents folded) and Chinese, Japanese and Korean" in str(
        raised.value
    )


def test_a_mapping_with_an_accented_pattern_in_a_pack_names_file_line_and_pack() -> None:
    from sponsorsync.mappings.commands import default_text

    bad = default_text("salesforce").replace(
        "    it:\n      - pattern:",
        "    it:\n      - pattern: 'dirigé'\n        seniority: director\n      - pattern:",
        1,
    )
    with pytest.raises(MappingError) as raised:
        parse_mapping(bad, "m.yaml")
    line = next(i for i, text in enumerate(bad.splitlines(), 1) if "dirigé" in text)
    assert f"m.yaml:{line}:" in str(raised.value)
    assert "titles.packs.it[0].pattern: has the letters é" in str(raised.value)


def _titles(**data: object) -> Titles:
    return Titles.model_validate(data)


def test_language_packs_are_tried_before_the_rules_and_explain_where_a_rule_is_written() -> None:
    titles = _titles(
        packs={
            "nl": [
                {
                    "pattern": r"\balgemeen directeur\b",
                    "seniority": "c_suite",
                    "function": "general_management",
                }
            ]
        },
        rules=[{"pattern": r"\bdirecteur\b", "seniority": "director"}],
    )
    got = titles.classify("Algemeen Directeur")
    assert (got.seniority, got.seniority_rule) == ("c_suite", 0)
    assert titles.ordered[0][0] == "titles.packs.nl[0]"
    assert titles.ordered[1][0] == "titles.rules[0]"
    assert titles.classify("Directeur").seniority == "director"


def test_confidence_is_low_for_an_ambiguous_c_title_and_for_a_senior_looking_title_no_rule_reads(
    rules: Titles,
) -> None:
    bare = rules.classify("CSO")
    assert (bare.seniority, bare.function, bare.confidence) == ("c_suite", "other", "low")
    assert rules.classify("CSO - Security").confidence == "high"
    assert rules.classify("CPO").confidence == "low"
    unknown = rules.classify("Distinguished Fellow")
    assert (unknown.seniority, unknown.confidence) == ("individual", "low")
    assert rules.classify("Software Engineer").confidence == "high"
    assert rules.classify("").confidence == "high"


def test_without_looks_senior_only_rules_marked_low_lower_the_confidence() -> None:
    titles = _titles(
        looks_senior=None,
        rules=[{"pattern": r"\bcso\b", "seniority": "c_suite", "function": "other", "confidence": "low"}],
    )
    assert titles.classify("Distinguished Fellow").confidence == "high"
    assert titles.classify("CSO").confidence == "low"


def _brute_force(title: str, titles: Titles) -> TitleClass:
    """The rules' meaning without the index: per axis, the first rule whose pattern is found."""
    text = normalize(title)
    seniority = function = None
    for index, (_, rule) in enumerate(titles.ordered):
        if re.search(rule.pattern, text):
            if seniority is None and rule.seniority is not None:
                seniority = (rule.seniority, index)
            if function is None and rule.function is not None:
                function = (rule.function, index)
    return TitleClass(
        seniority[0] if seniority else "individual",
        function[0] if function else "other",
        seniority[1] if seniority else None,
        function[1] if function else None,
    )


def test_the_index_never_changes_an_answer(rules: Titles) -> None:
    titles = [
        row["title"]
        for name in ("titles.csv", "titles_holdout.csv", "titles_intl.csv", "titles_intl_holdout.csv")
        for row in _labelled(name)
    ]
    titles += [f"{a} {b}" for a, b in zip(titles[::7], titles[3::11], strict=False)]  # mixed-up pairs
    assert len(titles) > 2000
    for title in titles:
        got = classify(title, rules.compiled)
        want = _brute_force(title, rules)
        assert (got.seniority, got.function, got.seniority_rule, got.function_rule) == (
            want.seniority,
            want.function,
            want.seniority_rule,
            want.function_rule,
        ), title


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        (r"\b(?:cso|cco|cao)\b", "acting cco emea", True),
        (r"(?<=[a-z])(?:directeur|directrice)\b", "salesdirecteur", True),
        (r"(?<=[a-z])(?:directeur|directrice)\b", "directeur", False),
        (r"\bp ?d ?g\b", "p dg", True),
        (r"(co ?)?fundador(a)?", "cofundadora", True),
        (r"^(?:soci[oa]|head de (vendas|marketing))$", "head de marketing", True),
        (r"(?:部長代理|次長|課長)", "営業部 次長", True),
        (r"\w+chef\b", "marknadschef", True),
    ],
)
def test_the_index_finds_every_rule_that_can_match(pattern: str, text: str, found: bool) -> None:
    compiled = compile_rules([_rule(pattern, seniority="director")])
    assert (classify(text, compiled).seniority_rule == 0) is found
