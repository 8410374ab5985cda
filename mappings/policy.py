"""The policy sections: which accounts are alliances, where the sponsor is kept, the roster of
internal executives, the title rules, the cadence per tier and the matching weights."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping as MappingType
from datetime import date
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from sponsorsync.mappings.base import Scalar, Strict
from sponsorsync.mappings.titles import (
    CJK_LETTERS,
    CompiledRules,
    TitleClass,
    classify,
    compile_rules,
    is_at_least,
)
from sponsorsync.mappings.vocab import Function, Seniority

_OPS = ("equals", "in", "not_in", "is_set", "matches")


def _regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(
            f"invalid regular expression ({exc.msg} at position {exc.pos}); fix the pattern "
            "(Python syntax; in YAML write it in single quotes so backslashes stay as they are)"
        ) from None
    return value


class Condition(Strict):
    """One test on a canonical account field (after value maps). Give exactly one operator."""

    field: str = Field(
        description="Canonical account field (a key of objects.accounts.fields): type, tier, ..."
    )
    equals: Scalar = Field(default=None, description="The value equals this.")
    in_: list[Scalar] | None = Field(default=None, alias="in", description="The value is one of these.")
    not_in: list[Scalar] | None = Field(default=None, description="The value is none of these.")
    is_set: bool | None = Field(default=None, description="true: the value is not empty; false: it is empty.")
    matches: str | None = Field(
        default=None, description="The value (as text) matches this regular expression."
    )

    @field_validator("matches")
    @classmethod
    def _valid_regex(cls, value: str | None) -> str | None:
        return None if value is None else _regex(value)

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        given = [op for op in _OPS if (op if op != "in" else "in_") in self.model_fields_set]
        if given == ["equals"] and self.equals is None:
            raise ValueError(
                "equals: null never matches a CRM value; to test for an empty value use is_set: false"
            )
        if len(given) != 1:
            raise ValueError(
                f"give exactly one operator (found {', '.join(given) or 'none'}); use one of {', '.join(_OPS)}"
            )
        return self

    @property
    def operator(self) -> str:
        return next(op for op in _OPS if (op if op != "in" else "in_") in self.model_fields_set)

    def test(self, value: Scalar) -> bool:
        empty = value is None or value == ""
        op = self.operator
        if op == "equals":
            return value == self.equals
        if op == "in":
            return value in (self.in_ or [])
        if op == "not_in":
            return value not in (self.not_in or [])
        if op == "is_set":
            return self.is_set != empty
        return not empty and re.search(self.matches or "", str(value)) is not None


class Alliances(Strict):
    """Which accounts are alliances: every condition must hold."""

    where: list[Condition] = Field(min_length=1, description="Conditions, ANDed.")

    def is_alliance(self, account: MappingType[str, Any]) -> bool:
        """``account``: canonical account values (after value maps and defaults)."""
        return all(c.test(account.get(c.field)) for c in self.where)


class AccountFieldSponsor(Strict):
    """The sponsor is a user / owner id kept on the account itself."""

    source: Literal["account_field"] = Field(description="account_field")
    field: str = Field(default="sponsor_id", description="Canonical account field holding the sponsor's id.")


class AccountTeamSponsor(Strict):
    """Salesforce only: the sponsor is the account team member with this role."""

    source: Literal["account_team"] = Field(description="account_team")
    role: str = Field(min_length=1, description="Team role that marks the sponsor, e.g. Executive Sponsor.")


Sponsor = Annotated[AccountFieldSponsor | AccountTeamSponsor, Field(discriminator="source")]


class Executive(Strict):
    """An internal executive who can sponsor alliances."""

    email: str = Field(min_length=3, description="Email, matched (case-insensitively) to the user / owner.")
    name: str | None = Field(default=None, description="Display name (informational).")
    title: str | None = Field(default=None, description="Job title, classified by titles.rules.")
    seniority: Seniority | None = Field(default=None, description="Overrides the seniority from the title.")
    function: Function | None = Field(default=None, description="Overrides the function from the title.")
    capacity: int | None = Field(default=None, ge=0, description="Alliances this executive can sponsor.")


class Roster(Strict):
    """Internal executives (required in practice on HubSpot, whose owners carry no titles)."""

    default_capacity: int = Field(default=4, ge=0, description="Alliances one executive can sponsor.")
    executives: list[Executive] = Field(default_factory=list, description="The executives.")
    managers: dict[str, str] = Field(
        default_factory=dict,
        description="E-mail -> e-mail of that person's manager, for the escalation ladder's owner_manager "
        "step where the CRM does not say (HubSpot owners have no manager; on Salesforce it adds to "
        "User.ManagerId).",
    )


_CJK_LETTER = re.compile(f"[{CJK_LETTERS}]")


class TitleRule(Strict):
    """Pattern -> seniority and/or function. See `titles.rules`."""

    pattern: str = Field(
        min_length=1,
        description="Regular expression searched in the normalised title (lower case; Latin letters "
        "without accents; Chinese / Japanese / Korean letters as they are).",
    )
    seniority: Seniority | None = Field(default=None, description="Seniority this rule gives.")
    function: Function | None = Field(default=None, description="Function this rule gives.")
    confidence: Literal["low"] | None = Field(
        default=None,
        description="low: this rule's answer is a best guess (e.g. a bare CSO: strategy, sales or "
        'security?); `titles classify` then says "confidence": "low".',
    )
    note: str | None = Field(
        default=None, description="Why the rule is there (shown by `titles classify --explain`)."
    )

    @field_validator("pattern")
    @classmethod
    def _valid_pattern(cls, value: str) -> str:
        _regex(value)
        literal = re.sub(r"\\.", "", value)  # escapes like \b, \S are not letters to match
        if any(c.isupper() for c in literal):
            raise ValueError(
                "has upper-case letters, but titles are lower-cased before matching; write the pattern in lower case"
            )
        foreign = sorted({c for c in literal if not c.isascii() and not _CJK_LETTER.match(c)})
        other_scripts = [c for c in foreign if not unicodedata.name(c, "").startswith("LATIN")]
        if other_scripts:
            raise ValueError(
                f"has the letters {' '.join(other_scripts)}, but titles keep only Latin letters (accents "
                "folded) and Chinese, Japanese and Korean letters; this pattern could never match"
            )
        if foreign:
            raise ValueError(
                f"has the letters {' '.join(foreign)}, but Latin accents are folded before matching "
                "(é -> e, ä -> a, ł -> l, ß -> ss): write e.g. 'directeur general' for 'Directeur Général' "
                "(Chinese, Japanese and Korean letters, e.g. 代表取締役, may be written as they are)"
            )
        return value

    @model_validator(mode="after")
    def _sets_something(self) -> TitleRule:
        if self.seniority is None and self.function is None:
            raise ValueError("sets neither seniority nor function; add one of them or remove the rule")
        return self


class Titles(Strict):
    """How job titles map to seniority and function."""

    executive_threshold: Seniority = Field(
        default="vp", description="Partner contacts at or above this seniority are partner executives."
    )
    sponsor_threshold: Seniority = Field(
        default="vp", description="Internal users at or above this seniority are sponsor candidates."
    )
    packs: dict[str, list[TitleRule]] = Field(
        default_factory=dict,
        description="Language packs: name (e.g. it, ja) -> ordered rules for titles in that language. "
        "They are tried before `rules`, pack by pack in the order written; keep them to words of their "
        "own language.",
    )
    rules: list[TitleRule] = Field(
        min_length=1,
        description="Ordered rules; per axis the first matching rule that sets it wins "
        "(defaults: individual, other).",
    )
    looks_senior: str | None = Field(
        default=r"\b(?:c[a-z]{1,3}o|chief|officer|executive|exec|head|president|principal|partner|board|"
        r"director|directeur|direktor|dyrektor|diretor|direttore|fellow)\b",
        description="A title this regular expression finds in, but that no rule gives a seniority, is "
        "answered with low confidence (null: never).",
    )

    @field_validator("looks_senior")
    @classmethod
    def _valid_looks_senior(cls, value: str | None) -> str | None:
        return None if value is None else _regex(value)

    @cached_property
    def ordered(self) -> list[tuple[str, TitleRule]]:
        """Every rule in the order they are tried, with where it is written (``titles.packs.ja[2]``)."""
        ordered = [
            (f"titles.packs.{name}[{i}]", rule)
            for name, pack in self.packs.items()
            for i, rule in enumerate(pack)
        ]
        return ordered + [(f"titles.rules[{i}]", rule) for i, rule in enumerate(self.rules)]

    @cached_property
    def compiled(self) -> CompiledRules:
        return compile_rules([rule for _, rule in self.ordered], self.looks_senior)

    @cached_property
    def answers(self) -> dict[str | None, TitleClass]:
        """Titles already classified (an org repeats its titles): up to 100,000 kept."""
        return {}

    def classify(self, title: str | None) -> TitleClass:
        answers = self.answers
        answer = answers.get(title)
        if answer is None:
            answer = classify(title, self.compiled)
            if len(answers) < 100_000:
                answers[title] = answer
        return answer

    def is_executive(self, seniority: Seniority) -> bool:
        return is_at_least(seniority, self.executive_threshold)

    def is_sponsor_level(self, seniority: Seniority) -> bool:
        return is_at_least(seniority, self.sponsor_threshold)


class TierCadence(Strict):
    """The rhythm for one alliance tier."""

    sponsor_update_days: int = Field(ge=1, description="The sponsor gets an alliance update this often.")
    executive_touch_days: int = Field(
        ge=1, description="Sponsor and partner executive counterpart must connect this often."
    )
    inactive_after_days: int = Field(
        ge=1, description="A sponsor with no activity on the alliance this long is inactive."
    )
    lead_days: int = Field(
        default=7,
        ge=0,
        description="Cadence tasks (sponsor update, executive touch) appear this many days before their "
        "deadline and are due on the deadline, so their owner sees them coming; earlier where holidays in "
        "between would leave fewer working days than an ordinary week.",
    )

    @model_validator(mode="after")
    def _lead_fits(self) -> TierCadence:
        shortest = min(self.sponsor_update_days, self.executive_touch_days)
        if self.lead_days >= shortest:
            raise ValueError(
                f"lead_days ({self.lead_days}) must be shorter than the shortest cadence ({shortest} days), "
                "or the next task would appear before the current one is due"
            )
        return self


class Touch(Strict):
    """What counts as a touch between the sponsor and the partner."""

    kinds: list[str] = Field(
        default_factory=lambda: ["meeting", "call", "email"],
        min_length=1,
        description="Activity kinds (after value maps) that count.",
    )
    owner: Literal["sponsor", "any_internal"] = Field(
        default="sponsor", description="Whose activities count: the sponsor's only, or any internal user's."
    )
    counterpart: Literal["any_partner_executive", "partner_executive", "any_partner_contact"] = Field(
        default="any_partner_executive",
        description="Which partner contacts count for health and last touch: any_partner_executive (a touch "
        "with any executive of the partner; the reason names whom), partner_executive (only the counterpart), "
        "any_partner_contact (anyone at the partner).",
    )
    completed_only: bool = Field(default=True, description="Only completed activities count.")


class Health(Strict):
    """Account health from the days since the last executive touch."""

    amber_after_days_factor: float = Field(
        default=1.0, gt=0, description="Amber after this many times executive_touch_days."
    )
    red_after_days_factor: float = Field(
        default=2.0, gt=0, description="Red after this many times executive_touch_days."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Health:
        if self.red_after_days_factor < self.amber_after_days_factor:
            raise ValueError(
                "red_after_days_factor is below amber_after_days_factor; red must come after amber"
            )
        return self


class CadenceRules(Strict):
    """Which alert and task rules run."""

    no_sponsor: bool = Field(default=True, description="Alliance without a sponsor: propose candidates.")
    new_sponsor: bool = Field(default=True, description="New sponsor: onboarding task.")
    sponsor_update: bool = Field(
        default=True, description="Sponsor update due: task for the alliance manager."
    )
    executive_touch: bool = Field(default=True, description="Executive touch due: task for the sponsor.")
    sponsor_inactive: bool = Field(default=True, description="Sponsor inactive on the alliance: alert.")
    no_partner_executive: bool = Field(default=True, description="No partner executive known: task.")
    counterpart_gone: bool = Field(default=True, description="Partner counterpart left: task.")
    sponsor_gone: bool = Field(default=True, description="Sponsor deactivated: alert and candidates.")
    escalation: bool = Field(default=True, description="Overdue tasks climb the escalation ladder.")
    partner_escalation: bool = Field(
        default=True,
        description="An escalated partner case / ticket (objects.cases): a high-priority task for the sponsor.",
    )
    critical_moment: bool = Field(
        default=True,
        description="A QBR, executive briefing, renewal or large deal coming up: a task for the sponsor to "
        "attend or call (`cadence.critical`).",
    )
    charter: bool = Field(
        default=True, description="A new sponsor: a task for them to confirm their sponsorship charter."
    )


EscalationTarget = Literal["owner_manager", "alliance_manager", "sponsor", "user"]


class EscalationStep(Strict):
    """One rung of the escalation ladder: who hears about an overdue task, and when."""

    to: EscalationTarget = Field(
        description="owner_manager: the manager of the overdue task's owner (Salesforce User.ManagerId, "
        "or roster.managers); alliance_manager: the alliance's account owner; sponsor: the alliance's "
        "sponsor; user: the person named by `email`."
    )
    email: str | None = Field(default=None, description="With to: user, that person's e-mail.")
    after_working_days_overdue: int | None = Field(
        default=None,
        ge=1,
        description="Working days (cadence.working_days, less holidays) past the task's due date before "
        "this step: a weekend or a shutdown does not count against the task's owner. Give this or "
        "after_days_overdue.",
    )
    after_days_overdue: int | None = Field(
        default=None,
        ge=1,
        description="Calendar days past the task's due date before this step, days off included. Give this "
        "or after_working_days_overdue.",
    )
    rules: list[str] | None = Field(
        default=None, description="Only tasks of these rules escalate at this step (default: all)."
    )

    @model_validator(mode="after")
    def _email_for_user(self) -> EscalationStep:
        if (self.to == "user") != (self.email is not None):
            raise ValueError("give `email` exactly when `to` is user (the person to escalate to)")
        if (self.after_working_days_overdue is None) == (self.after_days_overdue is None):
            raise ValueError(
                "give exactly one of `after_working_days_overdue` (working days, the usual choice) and "
                "`after_days_overdue` (calendar days): how long a task is overdue before this step"
            )
        return self

    @property
    def working(self) -> bool:
        """Whether the step counts working days (else calendar days)."""
        return self.after_working_days_overdue is not None

    @property
    def days(self) -> int:
        """The step's number of days overdue, in its unit (:attr:`working`)."""
        return self.after_working_days_overdue or self.after_days_overdue or 0


class Escalation(Strict):
    """The escalation ladder: overdue tasks reach the next person up, one keyed task per step."""

    steps: list[EscalationStep] = Field(
        default_factory=lambda: [
            EscalationStep(to="owner_manager", after_working_days_overdue=5),
            EscalationStep(to="sponsor", after_working_days_overdue=10),
        ],
        description="Steps in increasing order of days overdue, all counted the same way (working days or "
        "calendar days); a step whose person is missing, inactive or the task's own owner passes to the next "
        "one. Default: the owner's manager after 5 working days, the sponsor after 10.",
    )
    sponsor_sla_days: int = Field(
        default=2,
        ge=0,
        le=60,
        description="An escalated partner case / ticket gives the sponsor a high-priority task due this many "
        "days after sponsorsync first sees it escalated, or the next working day after that (the sponsor's "
        "answer time in the charter and the scorecard). If the task is not done in time, the steps above apply.",
    )

    @model_validator(mode="after")
    def _ordered(self) -> Escalation:
        if len({step.working for step in self.steps}) > 1:
            raise ValueError(
                "count every step the same way: all with after_working_days_overdue, or all with "
                "after_days_overdue"
            )
        days = [s.days for s in self.steps]
        if days != sorted(days):
            unit = "after_working_days_overdue" if self.steps[0].working else "after_days_overdue"
            raise ValueError(f"steps must be in increasing {unit} order (found {days})")
        return self


#: Meeting subjects that make a critical moment, in the shipped languages (case-insensitive).
DEFAULT_MOMENT_PATTERNS = [
    r"\bQBR\b",
    r"quarterly business review",
    r"executive briefing",
    r"\brenewal\b",
    r"steering committee",
    r"quartalsgespr(ä|ae)ch|quartalsbesprechung|quartalsreview",
    r"lenkungs(ausschuss|kreis)",
    r"vertragsverl(ä|ae)ngerung",
]


class Critical(Strict):
    """Critical moments: where the partner expects to see the sponsor."""

    lookahead_days: int = Field(
        default=14,
        ge=1,
        le=120,
        description="Meetings and deal closes this many days ahead are looked at.",
    )
    meeting_patterns: list[str] = Field(
        default_factory=lambda: list(DEFAULT_MOMENT_PATTERNS),
        description="Regular expressions (case-insensitive, searched in the subject): a meeting on the alliance "
        "whose subject matches one is a critical moment. Default: QBR, quarterly business review, executive "
        "briefing, renewal, steering committee, and their German names.",
    )
    large_deal_amount: float | None = Field(
        default=None,
        gt=0,
        description="An open partner deal (objects.opportunities) of at least this amount, closing within "
        "lookahead_days, is a critical moment: the sponsor calls the partner executive. null: deals are not "
        "critical moments.",
    )

    @field_validator("meeting_patterns")
    @classmethod
    def _compiles(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern, re.IGNORECASE)
            except re.error as exc:
                raise ValueError(
                    f"meeting pattern {pattern!r} is not a valid regular expression: {exc}"
                ) from None
        return patterns

    def is_moment(self, subject: str | None) -> bool:
        return bool(subject) and any(
            re.search(p, subject or "", re.IGNORECASE) for p in self.meeting_patterns
        )


class Intake(Strict):
    """How many new tasks one person gets from one run (the first run is a baseline, not a flood)."""

    max_new_tasks_per_owner: int | None = Field(
        default=5,
        ge=1,
        description="New tasks per owner per run, most urgent first; the rest wait for the next runs "
        "(their due dates are set when they are created). null: no limit.",
    )


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _each_day_once(days: list[Weekday]) -> list[Weekday]:
    twice = sorted({d for d in days if days.count(d) > 1}, key=WEEKDAYS.index)
    if twice:
        raise ValueError(f"{', '.join(twice)} listed more than once; list each working day once")
    return days


# A type, not a Cadence validator: the loader checks each field of cadence on its own, by its type.
WorkingDays = Annotated[list[Weekday], AfterValidator(_each_day_once)]


def _known_region(text: str) -> str:
    """``US``, ``us``, ``DE-BY``: a country (ISO 3166) the holidays library knows, and a subdivision of
    it; upper-cased."""
    import holidays  # 40 ms: only for a mapping that names a region

    supported: dict[str, list[str]] = holidays.list_supported_countries()
    country, _, part = text.strip().upper().partition("-")
    if country not in supported:
        raise ValueError(
            f"{text!r} is not a country the public-holiday data knows; give an ISO 3166 code such as US, GB, "
            "DE or FR, or one with a subdivision such as US-CA or DE-BY"
        )
    subdivisions = [s.upper() for s in supported[country]]
    if part and part not in subdivisions:
        raise ValueError(
            f"{part!r} is not a subdivision of {country} the public-holiday data knows; use one of "
            f"{', '.join(subdivisions[:20])}{' ...' if len(subdivisions) > 20 else ''}, or {country} alone"
        )
    return f"{country}-{part}" if part else country


PublicHolidays = Annotated[str, AfterValidator(_known_region)]


class Cadence(Strict):
    """How often things must happen, per tier, and what the engine does about it."""

    tiers: dict[str, TierCadence] = Field(min_length=1, description="Tier name -> rhythm.")
    touch: Touch = Field(default_factory=Touch, description="What counts as a touch.")
    health: Health = Field(default_factory=Health, description="Health thresholds.")
    task_due_days: int = Field(
        default=7,
        ge=0,
        description="Tasks with no cadence deadline (alerts, a missed deadline) are due this many days "
        "after they are created, on a working day, and later where holidays in between would leave fewer "
        "working days than an ordinary week. A due date is set once, on creation, and never moved by sponsorsync.",
    )
    working_days: WorkingDays = Field(
        default_factory=lambda: list(WEEKDAYS[:5]),
        min_length=1,
        description="The days the people who get the tasks work (mon ... sun). A task is never due on "
        "another day: a deadline that falls on one brings the task forward to the last working day "
        "before it (if that is not past), anything else goes to the next working day. List all seven "
        "for due dates on any day.",
    )
    holidays: list[date] = Field(
        default_factory=list,
        description="Days off besides the weekly ones (public holidays, a company shutdown), as YYYY-MM-DD: "
        "no task is due on one, as for a day not in working_days.",
    )
    public_holidays: PublicHolidays | None = Field(
        default=None,
        description="The public holidays of a country (ISO 3166: US, GB, DE, FR, ...) or of one of its "
        "subdivisions (US-CA, DE-BY, GB-SCT), from the holidays library: days off like the listed holidays. "
        "Empty: only the listed holidays.",
    )
    rules: CadenceRules = Field(default_factory=CadenceRules, description="Rules switched on or off.")
    escalation: Escalation = Field(default_factory=Escalation, description="The escalation ladder.")
    new_sponsor_window_days: int = Field(
        default=30,
        ge=0,
        le=365,
        description="On the first sight of an alliance (the first run), a sponsor whose appointment the CRM's "
        "field history dates within this many days is new (briefed); any other sponsor in place is not. "
        "0: never read the history.",
    )
    intake: Intake = Field(default_factory=Intake, description="New tasks per person per run.")
    critical: Critical = Field(default_factory=Critical, description="Critical moments for the sponsor.")

    @property
    def working_weekdays(self) -> frozenset[int]:
        """The working days as ``date.weekday()`` numbers (Monday 0)."""
        return frozenset(WEEKDAYS.index(d) for d in self.working_days)


class Weights(Strict):
    """Weights of the counterpart / sponsor match score; they add up to 1."""

    function: float = Field(default=0.4, ge=0, description="Same or related business function.")
    seniority: float = Field(default=0.3, ge=0, description="Comparable seniority.")
    relationship: float = Field(default=0.2, ge=0, description="Past activities between the two.")
    capacity: float = Field(default=0.1, ge=0, description="Sponsorships left before capacity.")

    @model_validator(mode="after")
    def _sum_to_one(self) -> Weights:
        total = self.function + self.seniority + self.relationship + self.capacity
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"weights add up to {total:g}; make them add up to 1")
        return self


class Established(Strict):
    """When a sponsor and a partner executive have an established relationship."""

    touches: int = Field(default=3, ge=1, description="At least this many touches in the last 365 days ...")
    within_touch_interval: bool = Field(
        default=True,
        description="... and the last one within the tier's executive_touch_days (false: any time in the year).",
    )


def _default_focus() -> dict[str, list[Function]]:
    return {
        "technology": ["technology", "product"],
        "go_to_market": ["sales", "marketing", "partnerships"],
        "customer": ["customer_success", "sales"],
        "operations": ["operations", "finance"],
    }


class Matching(Strict):
    """How partner executives are matched with internal counterparts and sponsor candidates."""

    weights: Weights = Field(default_factory=Weights, description="Score weights.")
    established: Established = Field(
        default_factory=Established,
        description="An established relationship keeps that partner executive as the sponsor's counterpart "
        "over a better fit on paper.",
    )
    focus_functions: dict[str, list[Function]] = Field(
        default_factory=_default_focus,
        description="Alliance focus (objects.accounts.fields.focus, after value maps) -> the internal "
        "functions that serve it best.",
    )
    related_functions: list[tuple[Function, Function]] = Field(
        default_factory=lambda: [  # type: ignore[arg-type]  # the literals are Function values
            ("sales", "partnerships"),
            ("technology", "product"),
            ("general_management", "partnerships"),
            ("marketing", "partnerships"),
            ("customer_success", "sales"),
            ("operations", "finance"),
        ],
        description="Pairs of functions that count as related (both directions).",
    )
