"""The matching rules as product rules, on small orgs without a CRM: who the sponsor's counterpart
is, how last touch is counted, and in which order sponsor candidates are proposed."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from sponsorsync.mappings.policy import Touch
from sponsorsync.sync.match import (
    Counterpart,
    alliance_fit,
    choose_counterpart,
    engagement,
    rank_candidates,
    red_sponsorships,
)
from sponsorsync.sync.mirror import TouchAggregate
from sponsorsync.sync.model import Org, PartnerContact
from tests.sync.builders import TODAY, alliance, contact, org, person, salesforce_mapping, touch

MATCHING = salesforce_mapping().matching
CRO = person("cro", "Priya Natarajan", seniority="c_suite", function="sales")

CFO_AND_SVP = [
    contact("carla_cfo", seniority="c_suite", function="finance"),
    contact("sam_svp_sales", seniority="evp", function="sales"),
]


def cro_counterpart(contacts: list[PartnerContact], touches: list[TouchAggregate]) -> Counterpart:
    """The counterpart of the CRO, sponsor of the one alliance, on a 45-day touch interval."""
    model = org(users=[CRO], alliances=[alliance(sponsor="cro")], contacts=contacts, touches=touches)
    chosen = choose_counterpart(model, model.alliances[0], CRO, MATCHING, touch_days=45)
    assert chosen is not None
    return chosen


def _contoso(*extra_touches: TouchAggregate, svp: bool = True) -> Org:
    people = [contact("carla_cfo", seniority="c_suite", function="finance")]
    if svp:
        people.append(contact("sam_svp_sales", seniority="evp", function="sales"))
    return org(
        users=[CRO, person("manager", seniority="manager")],
        alliances=[alliance(sponsor="cro")],
        contacts=people,
        touches=[touch("cro", "carla_cfo", days_ago=10, count_365=12), *extra_touches],
    )


def test_an_established_relationship_keeps_the_counterpart_and_the_better_fit_is_only_suggested() -> None:
    model = _contoso()
    chosen = choose_counterpart(model, model.alliances[0], CRO, MATCHING, touch_days=45)
    assert chosen is not None
    assert chosen.contact.id == "carla_cfo"
    assert chosen.established
    assert chosen.suggested is not None
    assert chosen.suggested.id == "sam_svp_sales"
    assert chosen.suggested_score is not None
    assert chosen.suggested_score.total > chosen.score.total  # the better fit on paper, as promised
    assert "established relationship: 12 touches in 365 days, last on 2026-11-19" in chosen.why()
    assert "better fit on paper, never met: Sam Svp Sales" in chosen.why()


@pytest.mark.parametrize(
    ("count", "days_ago", "established"),
    [(2, 10, False), (3, 10, True), (12, 46, False), (12, 45, True)],
    ids=["2-touches-not-enough", "3-touches-enough", "last-touch-too-old", "last-touch-on-the-limit"],
)
def test_the_relationship_threshold(count: int, days_ago: int, established: bool) -> None:
    # Below the threshold the CFO the CRO has met stays the counterpart all the same: the SVP Sales,
    # a better fit on paper the CRO has never met, is only suggested (a task never pairs a sponsor
    # with a stranger while there is someone they know, nor switches to one the day a habit lapses).
    chosen = cro_counterpart(CFO_AND_SVP, [touch("cro", "carla_cfo", days_ago=days_ago, count_365=count)])
    assert (chosen.contact.id, chosen.established) == ("carla_cfo", established)
    assert chosen.suggested is not None
    assert chosen.suggested.id == "sam_svp_sales"
    if not established:
        lapsed = f"relationship to revive: {count} touches in 365 days, the last on "  # 3 or more: kept
        assert (lapsed if count >= 3 else f"met {count} times in 365 days, last on ") in chosen.why()
        assert "better fit on paper, never met: Sam Svp Sales" in chosen.why()


def test_a_lapsed_habit_outranks_a_better_fit_met_once() -> None:
    # The CRO met the CFO five times this year, the last 76 days ago (past the 45-day interval: no
    # longer established), and the SVP Sales, a better fit on paper, once in the spring. The CRO's
    # relationship at the partner is the CFO: the task must name her, not the near stranger, and
    # must not suggest an introduction to someone the CRO has already met.
    chosen = cro_counterpart(
        CFO_AND_SVP,
        [
            touch("cro", "carla_cfo", days_ago=76, count_365=5),
            touch("cro", "sam_svp_sales", days_ago=250, count_365=1),
        ],
    )
    assert (chosen.contact.id, chosen.established, chosen.lapsed) == ("carla_cfo", False, True)
    assert chosen.suggested is None
    assert chosen.why().startswith(
        "relationship to revive: 5 touches in 365 days, the last on 2026-09-14, longer ago than the "
        "touch interval; kept over executives met less often; score "
    )


def test_among_lapsed_habits_the_strongest_wins_and_an_established_one_comes_first() -> None:
    contacts = [
        contact("vp_sales", seniority="vp", function="sales"),
        contact("cfo", seniority="c_suite", function="finance"),
        contact("coo", seniority="c_suite", function="operations"),
    ]
    lapsed = [
        touch("cro", "vp_sales", days_ago=60, count_365=3),
        touch("cro", "cfo", days_ago=90, count_365=7),
    ]
    chosen = cro_counterpart(contacts, lapsed)
    assert (chosen.contact.id, chosen.lapsed) == ("cfo", True)
    chosen = cro_counterpart(contacts, [*lapsed, touch("cro", "coo", days_ago=5, count_365=3)])
    assert (chosen.contact.id, chosen.established, chosen.lapsed) == ("coo", True, False)
    assert chosen.suggested is None  # the better fit (VP Sales) is someone the CRO has met: no introduction


def test_with_nobody_met_in_a_year_the_fit_on_paper_decides() -> None:
    chosen = cro_counterpart(CFO_AND_SVP, [])
    assert (chosen.contact.id, chosen.suggested) == ("sam_svp_sales", None)
    assert chosen.why().startswith("best fit (no partner executive ever met); score ")


def test_with_nobody_met_in_a_year_the_executive_met_before_is_kept_over_a_stranger() -> None:
    # What the CRO reads: "Connect with Carla Cfo", the executive they met, if 500 days ago, not the
    # SVP Sales they have never met; the SVP is only suggested, as someone worth an introduction.
    chosen = cro_counterpart(CFO_AND_SVP, [touch("cro", "carla_cfo", days_ago=500, count_365=0)])
    assert chosen.contact.id == "carla_cfo"
    assert chosen.suggested is not None
    assert chosen.suggested.id == "sam_svp_sales"
    last = (TODAY - timedelta(days=500)).isoformat()
    assert chosen.why().startswith(
        f"met before, last on {last} (none met in 365 days): kept over executives never met; score "
    )
    assert "better fit on paper, never met: Sam Svp Sales" in chosen.why()


def test_an_executive_met_this_year_comes_before_one_met_longer_ago() -> None:
    # One call with the SVP Sales 100 days ago outranks years of calls with the CFO that ended 400
    # days ago: the year's contact is the warmer one, and nobody is suggested (both were met).
    chosen = cro_counterpart(
        CFO_AND_SVP,
        [
            touch("cro", "carla_cfo", days_ago=400, count_365=0),
            touch("cro", "sam_svp_sales", days_ago=100, count_365=1),
        ],
    )
    assert (chosen.contact.id, chosen.suggested) == ("sam_svp_sales", None)


def test_no_introduction_is_suggested_to_an_executive_the_sponsor_has_met_before() -> None:
    # The CRO calls the CFO every month; the SVP Sales fits better on paper but the CRO met him two
    # years ago: "worth an introduction" would be wrong, so nobody is suggested.
    chosen = cro_counterpart(
        CFO_AND_SVP,
        [
            touch("cro", "carla_cfo", days_ago=10, count_365=12),
            touch("cro", "sam_svp_sales", days_ago=730, count_365=0),
        ],
    )
    assert (chosen.contact.id, chosen.established, chosen.suggested) == ("carla_cfo", True, None)


def test_among_established_relationships_the_strongest_wins() -> None:
    chosen = cro_counterpart(
        [
            contact("vp_sales", seniority="vp", function="sales"),
            contact("cfo", seniority="c_suite", function="finance"),
        ],
        [touch("cro", "vp_sales", days_ago=5, count_365=4), touch("cro", "cfo", days_ago=20, count_365=9)],
    )
    assert chosen.contact.id == "cfo"
    assert chosen.suggested is None  # the better fit (VP Sales) has an established relationship too


def test_without_a_relationship_the_best_fit_wins_and_the_arithmetic_adds_up() -> None:
    model = _contoso(svp=True)
    model.touches.clear()
    chosen = choose_counterpart(model, model.alliances[0], CRO, MATCHING, touch_days=45)
    assert chosen is not None
    assert chosen.contact.id == "sam_svp_sales"
    assert not chosen.established
    w = MATCHING.weights
    s = chosen.score
    expected = (w.function * s.function + w.seniority * s.seniority + w.relationship * s.relationship) / (
        w.function + w.seniority + w.relationship
    )
    assert s.total == pytest.approx(expected)
    assert s.arithmetic() == "(0.4x1.00 function + 0.3x0.80 seniority + 0.2x0.00 relationship) / 0.9 = 0.71"


def test_last_touch_counts_any_partner_executive_by_default_and_says_whom() -> None:
    model = _contoso(touch("cro", "sam_svp_sales", days_ago=2, count_365=1))
    a = model.alliances[0]
    chosen = choose_counterpart(model, a, CRO, MATCHING, touch_days=45)
    assert chosen is not None
    assert chosen.contact.id == "carla_cfo"
    default = engagement(model, a, CRO, chosen, Touch())
    assert (default.last_touch, default.contact and default.contact.id) == (
        TODAY.replace(day=27),
        "sam_svp_sales",
    )
    assert default.touches_365 == 13
    only = engagement(model, a, CRO, chosen, Touch(counterpart="partner_executive"))
    assert (only.last_touch, only.contact and only.contact.id) == (TODAY.replace(day=19), "carla_cfo")


def test_candidates_fit_the_alliance_not_any_executive() -> None:
    executives = [
        contact("ceo", seniority="c_suite", function="general_management"),
        contact("vp_sales", seniority="vp", function="sales"),
        contact("vp_marketing", seniority="vp", function="marketing"),
    ]
    cro, cto = (
        person("cro", seniority="c_suite", function="sales"),
        person("cto", seniority="c_suite", function="technology"),
    )
    weighted = alliance_fit(cro, executives, None, MATCHING)
    assert 0.25 < weighted < 1.0  # no longer 1.0 because one executive shares the function
    assert alliance_fit(cto, executives, None, MATCHING) < weighted
    assert alliance_fit(cto, executives, ["technology", "product"], MATCHING) > alliance_fit(
        cto, executives, None, MATCHING
    )


def test_candidates_reflect_load_and_red_sponsorships() -> None:
    users = [
        person("ceo", "Ava Chen", seniority="c_suite", function="general_management"),
        person("cto", "Marcus Reid", seniority="c_suite", function="technology"),
        person("cfo", "Daniel Okafor", seniority="c_suite", function="technology"),
        person("manager", seniority="manager"),
    ]
    sponsored = [alliance(f"a{i}", sponsor="cfo") for i in range(3)] + [alliance("red", sponsor="ceo")]
    model = org(
        users=users, alliances=[alliance("target", sponsor=None), *sponsored], contacts=[contact("cto_there")]
    )
    plain = rank_candidates(model, model.alliances[0], MATCHING, Counter())
    assert [c.person.name for c in plain][:2] == ["Marcus Reid", "Ava Chen"]  # Daniel: 1 of 4 free
    assert plain[-1].person.name == "Daniel Okafor"
    ranked = rank_candidates(model, model.alliances[0], MATCHING, Counter(), red=Counter({"ceo": 1}))
    assert [c.person.name for c in ranked] == ["Marcus Reid", "Daniel Okafor", "Ava Chen"]
    assert ranked[-1].red_sponsored == 1


def test_red_sponsorships_come_from_the_touch_rule() -> None:
    cadence = salesforce_mapping().cadence
    model = org(
        users=[person("ceo", seniority="c_suite"), person("cto", seniority="c_suite", function="technology")],
        alliances=[alliance("never", sponsor="ceo"), alliance("fresh", sponsor="cto")],
        contacts=[contact("x", "never"), contact("y", "fresh")],
        touches=[touch("cto", "y", days_ago=3)],
    )
    assert red_sponsorships(model, cadence, MATCHING) == Counter({"ceo": 1})


def test_without_partner_executives_candidates_rank_by_focus_and_say_so() -> None:
    users = [
        person("ceo", "Ava Chen", seniority="c_suite", function="general_management"),
        person("cto", "Marcus Reid", seniority="c_suite", function="technology"),
        person("cmo", "Sofia Lindqvist", seniority="c_suite", function="marketing"),
    ]
    target = replace(alliance("target", sponsor=None), focus="go_to_market")
    model = org(users=users, alliances=[target], contacts=[])
    ranked = rank_candidates(model, target, MATCHING, Counter())
    assert ranked[0].person.name == "Sofia Lindqvist"
    assert ranked[0].notes == (
        "no partner executive on record: ranked by the alliance focus (go_to_market), seniority and capacity",
    )
    unfocused = rank_candidates(model, replace(target, focus=None), MATCHING, Counter())
    assert "no alliance focus" in unfocused[0].notes[0]


def test_the_health_reason_names_whom_the_last_touch_was_with_and_holds_a_date() -> None:
    from sponsorsync.sync.assess import assess

    model = _contoso(touch("cro", "sam_svp_sales", days_ago=2, count_365=1))
    view = assess(model, salesforce_mapping(), model.alliances[0], Counter())
    assert view.counterpart is not None
    assert view.counterpart.contact.id == "carla_cfo"  # the established relationship stays the counterpart
    assert view.health == "green"
    assert view.last_touch == TODAY.replace(day=27)
    assert "Sam Svp Sales" in view.reason
    assert "2026-11-27" in view.reason
    assert "days" not in view.reason.replace("executive_touch_days", "")
