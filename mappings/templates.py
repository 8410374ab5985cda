"""Wording: the subject and body of every task, the notes written when a task is closed and the
health reasons, as sandboxed Jinja2 templates.

The shipped wording lives in ``mappings/templates/<language>.yaml`` (English and German); a mapping
picks a language and may override any template in its ``templates.overrides`` section. Templates are
checked when the mapping loads: syntax, and that they use only the variables documented for them
(:data:`VARIABLES`), so a typo is reported with the file and line, never at run time.

Values from the CRM are inserted as plain text; the writer encodes them for the target field (a
rich-text field gets HTML-escaped text, see :func:`sync.diff.encode_for_field`). Nothing here puts an
internal score or a relative day count into text that is stored: both would either confuse the reader
or change every day and rewrite the record every day.
"""

from __future__ import annotations

import re
from functools import cache, cached_property
from importlib.resources import files
from typing import Any, Literal

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment
from pydantic import Field, create_model, field_validator
from ruamel.yaml import YAML

from sponsorsync.mappings.base import Strict

Language = Literal["en", "de"]

_COMMON = ("alliance", "tier", "manager", "sponsor")  # no "today": stored text must not change daily
#: What a sponsor commits to, from the tier's cadence (the briefing and the charter task).
_CHARTER = ("touch_days", "update_days", "sla_days", "lookahead_days")
#: The variables each template may use (all plain text, dates as YYYY-MM-DD).
VARIABLES: dict[str, tuple[str, ...]] = {
    "no_sponsor": (*_COMMON, "candidates", "candidates_note", "marked_done"),
    "sponsor_gone": (*_COMMON, "candidates", "candidates_note", "marked_done"),
    "new_sponsor": (*_COMMON, "counterpart", "counterpart_title", "appointed_on", *_CHARTER),
    "charter": (*_COMMON, "counterpart", "counterpart_title", "appointed_on", *_CHARTER),
    "sponsor_update": (
        *_COMMON,
        "deadline",
        "period_start",
        "every_days",
        "last_touch",
        "counterpart",
        # the brief, as of the day the task is written (its body is not rewritten afterwards)
        "as_of",
        "health",
        "health_then",
        "health_reason",
        "touches_90",
        "last_touch_with",
        "pipeline",
        "pipeline_total",
        "won",
        "escalations",
        "moments",
        "alerts",
        "ask",
    ),
    "executive_touch": (
        *_COMMON,
        "counterpart",
        "counterpart_title",
        "last_touch",
        "last_touch_with",
        "counterpart_last_touch",
        "deadline",
        "every_days",
        "suggested",
        "suggested_title",
        "marked_done",
    ),
    "sponsor_inactive": (*_COMMON, "counterpart", "last_touch", "last_touch_with", "limit_days"),
    "no_partner_executive": (*_COMMON, "threshold", "marked_done"),
    "counterpart_gone": (*_COMMON, "counterpart", "what", "replacement"),
    "escalation": (
        *_COMMON,
        "original_subject",
        "original_owner",
        "original_due",
        "after_days",
        "step_person",
        "your_update",
        # the follow-up list: every overdue task of the owner on it (the original_* values are the
        # first one's, oldest due first), each with subject, alliance, due, after_days, your_update
        "items",
    ),
    "partner_escalation": (
        *_COMMON,
        "case_subject",
        "case_id",
        "case_label",
        "priority",
        "opened_on",
        "sla_days",
        "counterpart",
        "counterpart_title",
        "for_sponsor",
    ),
    "critical_moment": (
        *_COMMON,
        "moment",
        "moment_subject",
        "moment_date",
        "organiser",
        "amount",
        "stage",
        "counterpart",
        "counterpart_title",
    ),
    "close": ("today", "reason"),
    "reason": ("sponsor", "counterpart", "date", "owner", "rule", "replacement", "subject"),
    "health": ("counterpart", "last_touch", "limit_days", "sponsor"),
    "candidates": ("focus",),
    "seniority": (),
    "gone": ("title",),
    "ask": ("counterpart", "subject", "date", "person"),
    "brief": (),
}
#: Groups of phrases used inside other texts (not task templates an admin overrides per rule).
PHRASES = frozenset({"close", "reason", "health", "candidates", "seniority", "gone", "ask", "brief"})


class RuleWording(Strict):
    """Subject and body of one rule's task (Jinja2)."""

    subject: str | None = Field(default=None, description="One line; what to do, for whom.")
    body: str | None = Field(default=None, description="Why now, what to do, one line of context.")


def _rule_wording(rule: str) -> type[RuleWording]:
    """The wording model of one rule: its templates may use that rule's variables only (checked on
    load, so a typo is reported at the template's own line)."""
    allowed = VARIABLES[rule]

    def valid(text: str | None) -> str | None:
        problem = None if text is None else check_template(text, allowed)
        if problem:
            raise ValueError(problem)
        return text

    return create_model(
        f"{''.join(w.capitalize() for w in rule.split('_'))}Wording",
        __base__=RuleWording,
        __doc__=f"Subject and body of {rule} tasks; variables: {', '.join(allowed)}.",
        __validators__={"_valid": field_validator("subject", "body")(valid)},
    )


#: The rules whose task wording an admin may override (each rule's variables in :data:`VARIABLES`).
OVERRIDABLE = tuple(name for name in VARIABLES if name not in PHRASES)
Overrides = create_model(
    "Overrides",
    __base__=Strict,
    __doc__="Rule name -> its own subject and/or body, replacing the shipped wording.",
    **{  # type: ignore[call-overload]
        rule: (_rule_wording(rule) | None, Field(default=None, description=f"Wording of {rule} tasks."))
        for rule in OVERRIDABLE
    },
)


class Templates(Strict):
    """Which wording to use, and the admin's own versions of any template."""

    language: Language = Field(default="en", description="Shipped wording: en (English) or de (German).")
    overrides: Overrides = Field(
        default_factory=Overrides,
        description="Rule name -> subject and/or body replacing the shipped wording (Jinja2; variables "
        "in README 'Templates').",
    )

    @cached_property
    def compiled(self) -> Wording:
        return Wording.of(self)

    def wording(self) -> Wording:
        """The templates compiled (once per mapping)."""
        return self.compiled


@cache
def _environment() -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, lstrip_blocks=True
    )
    env.filters["sentence"] = sentence
    return env


def check_template(text: str, allowed: tuple[str, ...]) -> str | None:
    """What is wrong with a template (syntax, unknown variables), or None."""
    env = _environment()
    try:
        parsed = env.parse(text)
    except TemplateSyntaxError as exc:
        return f"template syntax error on its line {exc.lineno}: {exc.message}; fix the Jinja2 syntax"
    unknown = sorted(meta.find_undeclared_variables(parsed) - set(allowed))
    if unknown:
        return f"unknown variable(s) {', '.join(unknown)}; this template can use {', '.join(allowed)}"
    return None


_DOUBLE_STOP = re.compile(r"(?<=\w\.)\.(?=\s|$)")
_BLANKS = re.compile(r"\n{3,}")


def sentence(text: Any) -> str:
    """A value that ends a sentence: no second full stop after "Inc." and the like."""
    value = str(text).rstrip()
    return value if value.endswith((".", "!", "?", "…")) else value + "."


def tidy(text: str) -> str:
    """Rendered text without doubled full stops ("Inc..") or runs of blank lines."""
    return _BLANKS.sub("\n\n", _DOUBLE_STOP.sub("", text)).strip()


@cache
def shipped(language: Language) -> dict[str, dict[str, str]]:
    """The shipped wording of one language: name -> {part: template}."""
    text = (files("sponsorsync.mappings") / "templates" / f"{language}.yaml").read_text(encoding="utf-8")
    data = YAML(typ="safe").load(text)
    return {str(k): {str(p): str(t) for p, t in v.items()} for k, v in data.items()}


class Wording:
    """Renders the templates of one mapping."""

    def __init__(self, templates: dict[str, dict[str, str]]) -> None:
        env = _environment()
        self._compiled = {
            (name, part): env.from_string(text)
            for name, parts in templates.items()
            for part, text in parts.items()
        }

    @classmethod
    def of(cls, settings: Templates) -> Wording:
        merged = {name: dict(parts) for name, parts in shipped(settings.language).items()}
        for rule in OVERRIDABLE:
            wording = getattr(settings.overrides, rule)
            if wording is None:
                continue
            for part in ("subject", "body"):
                text = getattr(wording, part)
                if text is not None:
                    merged.setdefault(rule, {})[part] = text
        return cls(merged)

    def render(self, name: str, part: str, **values: Any) -> str:
        template = self._compiled.get((name, part))
        if template is None:
            raise KeyError(f"no template {name}.{part}")
        return tidy(template.render(**values))
