"""Job title -> (seniority, function), from the ordered rules of the mapping file.

A title is normalised first (:func:`normalize`): lower case, full-width forms made plain, Latin
accents folded (``é`` -> ``e``, ``ł`` -> ``l``), Chinese / Japanese / Korean letters kept as they are
(with a space where they meet Latin letters or digits), ``&`` and ``+`` read as ``and``, dotted
abbreviations joined (``V.P.`` -> ``vp``), ``Sr``/``Snr`` -> ``senior``, and every other punctuation
mark turned into a space. Rules are regular expressions searched in that text. For each axis the
first rule that matches and sets that axis wins; an axis no rule sets is ``individual`` / ``other``.
Patterns are compiled once per rule list (:func:`compile_rules`).

The answer is ``low`` confidence when a deciding rule is marked so (a bare ``CSO`` could be
strategy, sales or security) or when no rule set the seniority of a title that looks senior.
"""

from __future__ import annotations

import re
import re._parser as _sre  # type: ignore[import-not-found]  # the stdlib regex parser (no stubs)
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal, Protocol

from sponsorsync.mappings.vocab import SENIORITY_ORDER, Function, Seniority

DEFAULT_SENIORITY: Seniority = "individual"
DEFAULT_FUNCTION: Function = "other"

_RANK = {level: rank for rank, level in enumerate(SENIORITY_ORDER)}
_DOTTED = re.compile(r"\b(?:[a-z]\.){2,}")
_SENIOR = re.compile(r"\b(?:sr|snr)\b\.?")
_JUNIOR = re.compile(r"\bjr\b\.?")
#: Letters of scripts without case or accents to fold, kept as they are: CJK ideographs (and the
#: iteration mark), hiragana, katakana (with the long-vowel mark, not the middle dot), hangul.
CJK_LETTERS = "\u3005\u3041-\u30fa\u30fc-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_CJK = re.compile(f"[{CJK_LETTERS}]")
_NOT_WORD = re.compile(f"[^a-z0-9{CJK_LETTERS}]+")
_SCRIPT_EDGE = re.compile(f"(?<=[{CJK_LETTERS}])(?=[a-z0-9])|(?<=[a-z0-9])(?=[{CJK_LETTERS}])")
#: Latin letters that Unicode does not decompose into a base letter and an accent.
_LATIN_FOLD = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "ı": "i", "ŀ": "l"}
)

Confidence = Literal["high", "low"]


class TitleRuleLike(Protocol):
    """The shape of a rule (``mappings.policy.TitleRule`` in practice)."""

    @property
    def pattern(self) -> str: ...
    @property
    def seniority(self) -> Seniority | None: ...
    @property
    def function(self) -> Function | None: ...
    @property
    def confidence(self) -> Literal["low"] | None: ...


@dataclass(frozen=True, slots=True)
class TitleClass:
    """What a title says. ``*_rule``: index of the deciding rule, None when the default applied."""

    seniority: Seniority
    function: Function
    seniority_rule: int | None = None
    function_rule: int | None = None
    #: ``low``: a deciding rule is marked uncertain, or nothing decided a title that looks senior.
    confidence: Confidence = "high"


@dataclass(frozen=True, slots=True)
class CompiledRules:
    """The rules in order, each pattern compiled once, with an index that skips the rules a title
    cannot match (see :func:`_starts`)."""

    rules: tuple[tuple[re.Pattern[str], Seniority | None, Function | None], ...]
    #: Text piece (2 or 3 characters) -> indexes of the rules whose every match starts with it.
    index: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: Rules the index cannot bound: always searched.
    unbounded: frozenset[int] = frozenset()
    #: Indexes of the rules marked ``confidence: low``.
    uncertain: frozenset[int] = frozenset()
    #: A title this matches, but no seniority rule does, is answered with low confidence.
    looks_senior: re.Pattern[str] | None = None


def compile_rules(rules: Sequence[TitleRuleLike], looks_senior: str | None = None) -> CompiledRules:
    """Compile a rule list; ``re.error`` for an invalid pattern (the loader reports it first)."""
    compiled: list[tuple[re.Pattern[str], Seniority | None, Function | None]] = []
    index: dict[str, list[int]] = {}
    unbounded: set[int] = set()
    uncertain: set[int] = set()
    for position, rule in enumerate(rules):
        pattern = re.compile(rule.pattern)
        compiled.append((pattern, rule.seniority, rule.function))
        starts = _starts(list(_sre.parse(rule.pattern)))
        if starts is None or min(map(len, starts)) < 2:
            unbounded.add(position)
        else:
            width = 3 if min(map(len, starts)) >= 3 else 2
            for key in {start[:width] for start in starts}:
                index.setdefault(key, []).append(position)
        if getattr(rule, "confidence", None) == "low":
            uncertain.add(position)
    return CompiledRules(
        tuple(compiled),
        {key: tuple(positions) for key, positions in index.items()},
        frozenset(unbounded),
        frozenset(uncertain),
        re.compile(looks_senior) if looks_senior else None,
    )


_ZERO_WIDTH = {_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT}


def _starts(items: list[Any]) -> set[str] | None:
    """Literal texts one of which every match of the parsed pattern ``items`` starts with (e.g.
    ``\\b(?:ceo|chief exec)`` -> {"ceo", "chief exec"}), or None when no such set is known. A title
    that contains none of them cannot match, so the rule is not searched (the answer is the same)."""
    found = {""}
    for position, (op, arg) in enumerate(items):
        if op in _ZERO_WIDTH:
            continue
        if op is _sre.LITERAL:
            found = {text + chr(arg) for text in found}
            continue
        if op is _sre.IN and len(arg) <= 4 and all(kind is _sre.LITERAL for kind, _ in arg):
            found = {text + chr(code) for text in found for _, code in arg}
            continue
        if all(found):
            tail = _starts(items[position:])
            if tail is None or len(found) * len(tail) > 256:
                return found
            return {text + more for text in found for more in tail}
        rest = items[position + 1 :]
        if op is _sre.SUBPATTERN and not arg[1] and not arg[2]:
            return _starts(list(arg[3]) + rest)
        if op is _sre.BRANCH:
            return _union(_starts(list(branch) + rest) for branch in arg[1])
        if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT):
            low, _, body = arg
            first = _starts(list(body))
            if first is not None and not all(first):
                first = None
            return first if low >= 1 else _union((first, _starts(rest)))
        return None
    return found if all(found) else None


def _union(parts: Iterable[set[str] | None]) -> set[str] | None:
    union: set[str] = set()
    for part in parts:
        if part is None:
            return None
        union |= part
    return union


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    """One non-ASCII character: CJK letters as they are, Latin ones without their accents."""
    if _CJK.match(char):
        return char
    return "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def normalize(title: str) -> str:
    """The text rules are matched against: ``"Directeur Général, V.P. & Sr. Dir."`` ->
    ``"directeur general vp and senior dir"``."""
    text = title.casefold()
    mixed = not text.isascii()
    if mixed:
        text = unicodedata.normalize("NFKC", text).casefold().translate(_LATIN_FOLD)
        text = "".join(c if c.isascii() else _fold_char(c) for c in text)
    if "." in text:
        text = _DOTTED.sub(lambda m: m.group().replace(".", "") + " ", text)
    text = text.replace("&", " and ").replace("+", " and ")
    text = _SENIOR.sub("senior ", text)
    text = _JUNIOR.sub("junior ", text)
    text = _NOT_WORD.sub(" ", text)
    if mixed:
        text = _SCRIPT_EDGE.sub(" ", text)
    return text.strip()


def classify(title: str | None, rules: CompiledRules | Sequence[TitleRuleLike]) -> TitleClass:
    """Seniority and function of ``title`` under ``rules`` (first matching rule per axis)."""
    compiled = rules if isinstance(rules, CompiledRules) else compile_rules(rules)
    text = normalize(title) if title else ""
    if not text:
        return TitleClass(DEFAULT_SENIORITY, DEFAULT_FUNCTION)
    index = compiled.index
    candidates = set(compiled.unbounded)
    for width in (2, 3):
        for start in range(len(text) - width + 1):
            hit = index.get(text[start : start + width])
            if hit is not None:
                candidates.update(hit)
    seniority: Seniority | None = None
    function: Function | None = None
    seniority_rule = function_rule = None
    for position in sorted(candidates):
        pattern, level, value = compiled.rules[position]
        wanted = (level is not None and seniority is None) or (value is not None and function is None)
        if wanted and pattern.search(text):
            if level is not None and seniority is None:
                seniority, seniority_rule = level, position
            if value is not None and function is None:
                function, function_rule = value, position
            if seniority is not None and function is not None:
                break
    seniority = seniority or DEFAULT_SENIORITY
    function = function or DEFAULT_FUNCTION
    low = seniority_rule in compiled.uncertain or function_rule in compiled.uncertain
    if seniority_rule is None and compiled.looks_senior is not None and compiled.looks_senior.search(text):
        low = True
    return TitleClass(seniority, function, seniority_rule, function_rule, "low" if low else "high")


def is_at_least(seniority: Seniority, threshold: Seniority) -> bool:
    """True when ``seniority`` is ``threshold`` or above (``vp`` is at least ``director``)."""
    return _RANK[seniority] >= _RANK[threshold]
