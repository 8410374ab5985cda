"""The optional `opportunities` and `cases` sections: absent is fine (nothing is pulled), present
they are checked like every other object section, with the line of each problem."""

from __future__ import annotations

import re

import pytest

from sponsorsync.mappings.loader import parse_mapping
from sponsorsync.mappings.records import canonical_values, crm_fields
from sponsorsync.mappings.vocab import CrmName
from sponsorsync.sync.sources import sources
from tests.mappings.support import default_text, edited, line_of, problems


def _without(text: str, section: str) -> str:
    """``text`` with the top-level objects section ``section`` (and its comment block) removed."""
    pattern = rf"(?:\n  #[^\n]*)*\n  {section}:\n(?:    [^\n]*\n|\n(?=    ))*"
    stripped, count = re.subn(pattern, "\n", text)
    assert count == 1, f"{section} not found once"
    return stripped


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_the_default_files_pull_both_kinds(crm: CrmName) -> None:
    mapping = parse_mapping(default_text(crm), "m.yaml")
    kinds = [source.kind for source in sources(mapping)]
    assert kinds.count("opportunities") == 1
    assert kinds.count("cases") == 1
    assert [path for path, _ in mapping.objects.named()][-2:] == [
        ("objects", "opportunities"),
        ("objects", "cases"),
    ]


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_a_mapping_without_the_sections_loads_and_pulls_neither(crm: CrmName) -> None:
    text = _without(_without(default_text(crm), "opportunities"), "cases")
    mapping = parse_mapping(text, "m.yaml")
    assert mapping.objects.opportunities is None
    assert mapping.objects.cases is None
    assert {source.kind for source in sources(mapping)} & {"opportunities", "cases"} == set()


@pytest.mark.parametrize(
    ("crm", "old", "new", "expected"),
    [
        (
            "salesforce",
            "      stage: StageName",
            "      stag: StageName",
            "objects.opportunities.fields.stag: unknown key; did you mean 'stage'? (valid keys here: id, "
            "account_id, name, stage, amount, close_date, closed, won, owner_id, closed_at)",
        ),
        (
            "hubspot",
            "      escalated: hs_ticket_priority",
            "      escalate: hs_ticket_priority",
            "objects.cases.fields.escalate: unknown key; did you mean 'escalated'? (valid keys here: id, "
            "account_id, contact_id, subject, priority, escalated, closed, opened_at, closed_at, owner_id)",
        ),
    ],
    ids=["salesforce-opportunity-field", "hubspot-case-field"],
)
def test_an_unknown_field_in_a_section_names_its_line(
    crm: CrmName, old: str, new: str, expected: str
) -> None:
    text = edited(crm, (old, new))
    found = problems(text)
    assert len(found) == 1, "\n".join(found)
    where, rest = found[0].split(": ", 1)
    file, line, _col = where.split(":")
    assert (file, int(line), rest) == ("m.yaml", line_of(text, new.strip()), expected)


def test_a_value_map_of_a_flag_must_give_true_or_false() -> None:
    text = edited("hubspot", ("        HIGH: true", "        HIGH: yes please"))
    found = problems(text)
    assert len(found) == 1, "\n".join(found)
    assert found[0].endswith(
        "objects.cases.value_maps.escalated.HIGH: escalated must map to true or false, not 'yes please'"
    )
    assert found[0].startswith(f"m.yaml:{line_of(text, 'HIGH: yes please')}:")


def test_salesforce_names_are_refused_in_a_hubspot_section() -> None:
    text = edited("hubspot", ("      stage: dealstage", "      stage: StageName__c"))
    found = problems(text)
    assert len(found) == 1, "\n".join(found)
    assert "objects.opportunities.fields.stage: 'StageName__c' is a Salesforce name" in found[0]


def test_one_crm_field_feeds_two_canonical_fields() -> None:
    """HubSpot's ticket priority is both the priority and, through its value map, the escalation."""
    mapping = parse_mapping(default_text("hubspot"), "m.yaml")
    cases = mapping.objects.cases
    assert cases is not None
    assert crm_fields(cases).count("hs_ticket_priority") == 1  # read once
    for raw, escalated in (
        ("URGENT", True),
        ("HIGH", True),
        ("MEDIUM", False),
        ("LOW", False),
        (None, False),
    ):
        values = canonical_values(cases, {"hs_ticket_priority": raw, "hs_pipeline_stage": "1"})
        assert (values["priority"], values["escalated"], values["closed"]) == (raw, escalated, False)
    assert canonical_values(cases, {"hs_pipeline_stage": "4"})["closed"] is True


def test_cases_that_could_belong_to_no_alliance_are_refused() -> None:
    text = edited(
        "salesforce",
        (
            "      account_id: AccountId\n      contact_id: ContactId\n      subject: Subject",
            "      subject: Subject",
        ),
    )
    found = problems(text)
    assert len(found) == 1, "\n".join(found)
    assert found[0].split(": ", 1)[1] == (
        "objects.cases.fields: neither account_id nor contact_id is read, so no case could belong to an alliance; "
        "map account_id (Salesforce AccountId; HubSpot {association: companies}) or contact_id"
    )


PARTNERS = """  opportunity_partners:
    object: OpportunityPartner
    watermark: SystemModstamp
    fields: {id: Id, opportunity_id: OpportunityId, account_id: AccountToId}
"""


def test_opportunity_partners_are_pulled_where_mapped_on_salesforce() -> None:
    text = default_text("salesforce").replace("\n  cases:\n", "\n" + PARTNERS + "\n  cases:\n", 1)
    mapping = parse_mapping(text, "m.yaml")
    assert [s.kind for s in sources(mapping)].count("opportunity_partners") == 1


def test_opportunity_partners_need_opportunities_and_salesforce() -> None:
    no_deals = _without(default_text("salesforce"), "opportunities").replace(
        "\n  cases:\n", "\n" + PARTNERS + "\n  cases:\n", 1
    )
    (found,) = problems(no_deals)
    assert found.split(": ", 1)[1] == (
        "objects.opportunity_partners: needs objects.opportunities (the deals it links to partners); add that section"
    )
    on_hubspot = default_text("hubspot").replace(
        "\n  cases:\n", "\n" + PARTNERS.replace("SystemModstamp", "hs_lastmodifieddate") + "\n  cases:\n", 1
    )
    found_hs = problems(on_hubspot)
    assert any(
        line.split(": ", 1)[1].startswith(
            "objects.opportunity_partners: Salesforce only (OpportunityPartner)"
        )
        for line in found_hs
    ), found_hs
