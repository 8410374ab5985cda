"""Job title -> (seniority, function), from the ordered rules of the mapping file.

A title is normalised first (:func:`normalize`): lower case, accents folded, ``&`` and ``+`` read as
``and``, dotted abbreviations joined (``V.P.`` -> ``vp``), ``Sr``/``Snr`` -> ``senior``, and every
other punctuation mark turned into a space. Rules are regular expressions searched in that text.
For each axis the first rule that matches and sets that axis wins; an axis no rule sets is
``individual`` / ``other``. Patterns are compiled once per rule list (:func:`compile_rules`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from mappings.vocab import SENIORITY_ORDER, Function, Seniority

DEFAULT_SENIORITY: Seniority = "individual"
DEFAULT_FUNCTION: Function = "other"

_RANK = {level: rank for rank, level in enumerate(SENIORITY_ORDER)}
_DOTTED = re.compile(r"\b(?:[a-z]\.){2,}")
_SENIOR = re.compile(r"\b(?:sr|snr)\b\.?")
_JUNIOR = re.compile(r"\bjr\b\.?")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


class TitleRuleLike(Protocol):
    """The shape of a rule (``mappings.policy.TitleRule`` in practice)."""

    @property
    def pattern(self) -> str: ...
    @property
    def seniority(self) -> Seniority | None: ...
    @property
    def function(self) -> Function | None: ...


@dataclass(frozen=True, slots=True)
class TitleClass:
    """What a title says. ``*_rule``: index of the deciding rule, None when the default applied."""

    seniority: Seniority
    function: Function
    seniority_rule: int | None = None
    function_rule: int | None = None


@dataclass(frozen=True, slots=True)
class CompiledRules:
    """Rules split per axis, in order, each pattern compiled once."""

    seniority: tuple[tuple[re.Pattern[str], Seniority, int], ...]
    function: tuple[tuple[re.Pattern[str], Function, int], ...]


def compile_rules(rules: Sequence[TitleRuleLike]) -> CompiledRules:
    """Compile a rule list; ``re.error`` for an invalid pattern (the loader reports it first)."""
    seniority: list[tuple[re.Pattern[str], Seniority, int]] = []
    function: list[tuple[re.Pattern[str], Function, int]] = []
    for index, rule in enumerate(rules):
        pattern = re.compile(rule.pattern)
        if rule.seniority is not None:
            seniority.append((pattern, rule.seniority, index))
        if rule.function is not None:
            function.append((pattern, rule.function, index))
    return CompiledRules(tuple(seniority), tuple(function))


@lru_cache(maxsize=65536)
def normalize(title: str) -> str:
    """The text rules are matched against: ``"Directeur Général, V.P. & Sr. Dir."`` ->
    ``"directeur general vp and senior dir"``."""
    text = title.casefold()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    if "." in text:
        text = _DOTTED.sub(lambda m: m.group().replace(".", "") + " ", text)
    text = text.replace("&", " and ").replace("+", " and ")
    text = _SENIOR.sub("senior ", text)
    text = _JUNIOR.sub("junior ", text)
    return _NOT_WORD.sub(" ", text).strip()


def classify(title: str | None, rules: CompiledRules | Sequence[TitleRuleLike]) -> TitleClass:
    """Seniority and function of ``title`` under ``rules`` (first matching rule per axis)."""
    compiled = rules if isinstance(rules, CompiledRules) else compile_rules(rules)
    text = normalize(title) if title else ""
    if not text:
        return TitleClass(DEFAULT_SENIORITY, DEFAULT_FUNCTION)
    seniority, seniority_rule = DEFAULT_SENIORITY, None
    for pattern, level, index in compiled.seniority:
        if pattern.search(text):
            seniority, seniority_rule = level, index
            break
    function, function_rule = DEFAULT_FUNCTION, None
    for pattern, value, index in compiled.function:
        if pattern.search(text):
            function, function_rule = value, index
            break
    return TitleClass(seniority, function, seniority_rule, function_rule)


def is_at_least(seniority: Seniority, threshold: Seniority) -> bool:
    """True when ``seniority`` is ``threshold`` or above (``vp`` is at least ``director``)."""
    return _RANK[seniority] >= _RANK[threshold]
