"""Loading mapping files: the defaults, and every kind of problem with its file:line:col."""

from __future__ import annotations

from pathlib import Path

import pytest

from sponsorsync.connectors.errors import ConfigError, ExitCode
from sponsorsync.mappings.loader import default_mapping_path, load_mapping, parse_mapping
from sponsorsync.mappings.problems import MappingError
from sponsorsync.mappings.vocab import CrmName
from tests.mappings.support import default_text, edited, line_of, problems


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_the_default_files_load_cleanly(crm: CrmName) -> None:
    mapping = load_mapping(None, crm)
    assert mapping.crm == crm
    assert mapping.source is not None
    assert mapping.source.file == str(default_mapping_path(crm))
    assert set(mapping.cadence.tiers) == {"strategic", "key", "standard"}


def test_both_defaults_share_title_rules_cadence_and_matching() -> None:
    salesforce, hubspot = load_mapping(None, "salesforce"), load_mapping(None, "hubspot")
    assert salesforce.titles == hubspot.titles
    assert salesforce.cadence == hubspot.cadence
    assert salesforce.matching == hubspot.matching


def test_the_hubspot_roster_is_the_sandbox_executive_team() -> None:
    from sponsorsync.sandbox.orggen import EXECUTIVES

    roster = load_mapping(None, "hubspot").roster.executives
    assert [(e.email, e.title) for e in roster] == [(x.email, x.title) for x in EXECUTIVES]


def test_the_hubspot_roster_are_all_sponsor_level() -> None:
    mapping = load_mapping(None, "hubspot")
    levels = {e.email: mapping.titles.classify(e.title).seniority for e in mapping.roster.executives}
    assert all(mapping.titles.is_sponsor_level(level) for level in levels.values()), levels


def _one(text: str) -> str:
    found = problems(text)
    assert len(found) == 1, "\n".join(found)
    return found[0]


@pytest.mark.parametrize(
    ("crm", "edits", "marker", "expected"),
    [
        (
            "salesforce",
            [("crm: salesforce", "crm: salesforse")],
            "crm: salesforse",
            "crm: 'salesforse' is not allowed; did you mean 'salesforce'? (use 'salesforce' or 'hubspot')",
        ),
        (
            "salesforce",
            [("      tier: Alliance_Tier__c", "      teir: Alliance_Tier__c")],
            "teir: Alliance_Tier__c",
            "objects.accounts.fields.teir: unknown key; did you mean 'tier'? "
            "(valid keys here: id, name, owner_id, type, tier, sponsor_id, focus)",
        ),
        (
            "salesforce",
            [("  task_due_days: 7", "  task_due_days: 7\n  task_due_dayz: 3")],
            "task_due_dayz",
            "cadence.task_due_dayz: unknown key; did you mean 'task_due_days'? "
            "(valid keys here: tiers, touch, health, task_due_days, working_days, holidays, public_holidays, rules, escalation, new_sponsor_window_days, intake, critical)",
        ),
        (
            "salesforce",
            [("      status_open: Not Started\n", "")],
            "    values:\n      status_completed",
            "writeback.task.values.status_open: required but missing; add it",
        ),
        (
            "salesforce",
            [("    - pattern: '\\bchief of staff\\b'", "    - pattern: '\\bchief of (staff'")],
            "chief of (staff",
            "titles.rules[7].pattern: invalid regular expression (missing ), unterminated subpattern at "
            "position 11); fix the pattern (Python syntax; in YAML write it in single quotes so backslashes "
            "stay as they are)",
        ),
        (
            "salesforce",
            [("    - pattern: '\\bchief of staff\\b'", "    - pattern: '\\bChief of Staff\\b'")],
            "Chief of Staff",
            "titles.rules[7].pattern: has upper-case letters, but titles are lower-cased before matching; "
            "write the pattern in lower case",
        ),
        (
            "salesforce",
            [("executive_touch_days: 90,", "executive_touch_days: 0,")],
            "executive_touch_days: 0,",
            "cadence.tiers.key.executive_touch_days: input should be greater than or equal to 1 (got 0); "
            "fix the value",
        ),
        (
            "salesforce",
            [
                (
                    "  source: account_field\n  field: sponsor_id",
                    "  source: account_feild\n  field: sponsor_id",
                )
            ],
            "source: account_feild",
            "sponsor: 'source' 'account_feild' is not allowed; did you mean 'account_field'? "
            "(use 'account_field', 'account_team')",
        ),
    ],
    ids=[
        "bad-literal",
        "unknown-field",
        "unknown-key",
        "missing-key",
        "invalid-regex",
        "upper-case-pattern",
        "out-of-range",
        "bad-union-tag",
    ],
)
def test_each_structural_problem_names_its_line_and_what_to_do(
    crm: CrmName, edits: list[tuple[str, str]], marker: str, expected: str
) -> None:
    text = edited(crm, *edits)
    got = _one(text)
    where, _, rest = got.partition(": ")
    file, line, _col = where.split(":")
    assert (file, int(line), rest) == ("m.yaml", line_of(text, marker), expected)


@pytest.mark.parametrize(
    ("crm", "edits", "marker", "expected"),
    [
        (
            "salesforce",
            [("  field: sponsor_id", "  field: sponsor")],
            "  field: sponsor",
            "sponsor.field: 'sponsor' is not an account field; did you mean 'sponsor_id'? "
            "(fields: id, name, owner_id, type, tier, sponsor_id, focus)",
        ),
        (
            "salesforce",
            [("      sponsor_id: Executive_Sponsor__c  # a User lookup (see `sponsor` below)\n", "")],
            "  field: sponsor_id",
            "sponsor.field: sponsor_id is not read: objects.accounts.fields.sponsor_id is not set; map it to "
            "the CRM field that holds the sponsor",
        ),
        (
            "salesforce",
            [("        Standard: standard", "        Standard: standrd")],
            "Standard: standrd",
            "objects.accounts.value_maps.tier.Standard: tier 'standrd' has no cadence; did you mean 'standard'?; "
            "add cadence.tiers.standrd or map 'Standard' to one of strategic, key, standard",
        ),
        (
            "salesforce",
            [("    kinds: [meeting, call, email]", "    kinds: [meeting, cal, email]")],
            "kinds: [meeting, cal, email]",
            "cadence.touch.kinds[1]: no activity object produces kind 'cal'; did you mean 'call'? "
            "(kinds produced: call, email, meeting, task)",
        ),
        (
            "salesforce",
            [("    - {field: tier, is_set: true}", "    - {field: tier, in: [Strategic]}")],
            "in: [Strategic]",
            "alliances.where[1].in: 'Strategic' never occurs: objects.accounts.value_maps.tier gives key, "
            "standard, strategic; compare with those",
        ),
        (
            "salesforce",
            [
                (
                    "        sync_key: Sponsor_Sync_Key__c   # must equal writeback.task.key_field",
                    "        sync_key: Sync_Key__c",
                )
            ],
            "sync_key: Sync_Key__c",
            "objects.activities[0].fields.sync_key: must be Sponsor_Sync_Key__c (writeback.task.key_field) so "
            "sponsorsync recognises the tasks it wrote; set it",
        ),
        (
            "salesforce",
            [("      account_id: WhatId\n    values:", "    values:")],
            "    fields:\n      subject: Subject",
            "writeback.task.fields.account_id: required but missing on Salesforce (tasks would not be linked); "
            "add account_id: WhatId",
        ),
        (
            "hubspot",
            [
                (
                    "  source: account_field\n  field: sponsor_id",
                    "  source: account_team\n  role: Executive Sponsor",
                )
            ],
            "source: account_team",
            "sponsor.source: account_team is Salesforce only; on HubSpot use source: account_field with an owner property",
        ),
        (
            "hubspot",
            [("      tier: alliance_tier", "      tier: Alliance_Tier__c")],
            "tier: Alliance_Tier__c",
            "objects.accounts.fields.tier: 'Alliance_Tier__c' is a Salesforce name; use the HubSpot internal "
            "name (e.g. alliance_tier)",
        ),
        (
            "hubspot",
            [
                (
                    "      associations: [contacts, companies]\n      fields:\n        id: hs_object_id\n        owner_id: hubspot_owner_id\n        contact_ids: {association: contacts}\n        account_id: {association: companies}\n        occurred_at: hs_timestamp\n        completed: hs_meeting_outcome",
                    "      associations: [companies]\n      fields:\n        id: hs_object_id\n        owner_id: hubspot_owner_id\n        contact_ids: {association: contacts}\n        account_id: {association: companies}\n        occurred_at: hs_timestamp\n        completed: hs_meeting_outcome",
                )
            ],
            "        contact_ids: {association: contacts}\n        account_id: {association: companies}\n"
            "        occurred_at: hs_timestamp\n        completed: hs_meeting_outcome",
            "objects.activities[1].fields.contact_ids: reads associated contacts but contacts is not in this "
            "object's associations; add it: associations: [companies, contacts]",
        ),
        (
            "hubspot",
            [("      contact: {to: contacts, type_id: 204}    # task -> contact\n", "")],
            "    associations:                     # HUBSPOT_DEFINED",
            "writeback.task.associations.contact: required but missing on HubSpot (tasks would not be linked); "
            "add {to: contacts, type_id: ...}",
        ),
        (
            "salesforce",
            [
                (
                    "      priority_normal: Normal\n",
                    "      priority_normal: Normal\n    associations:\n      case: {to: tickets, type_id: 230}\n",
                )
            ],
            "      case: {to: tickets",
            "writeback.task.associations: HubSpot only; on Salesforce link tasks with fields.contact_id (WhoId) "
            "and fields.account_id (WhatId)",
        ),
        (
            "hubspot",
            [("      stage:\n        appointmentscheduled:", "      stages:\n        appointmentscheduled:")],
            "      stages:",
            "objects.opportunities.labels.stages: 'stages' is not a field of this record; did you mean 'stage'? "
            "(fields: id, account_id, name, stage, amount, close_date, closed, won, owner_id, closed_at)",
        ),
    ],
    ids=[
        "sponsor-field-unknown",
        "sponsor-field-not-mapped",
        "tier-without-cadence",
        "touch-kind-never-produced",
        "alliance-value-never-produced",
        "sync-key-differs-from-key-field",
        "writeback-field-missing",
        "hubspot-account-team",
        "hubspot-salesforce-field-name",
        "association-not-pulled",
        "hubspot-task-association-missing",
        "salesforce-task-association-to-a-case",
        "labels-of-an-unknown-field",
    ],
)
def test_each_cross_field_problem_names_its_line_and_what_to_do(
    crm: CrmName, edits: list[tuple[str, str]], marker: str, expected: str
) -> None:
    text = edited(crm, *edits)
    got = _one(text)
    where, _, rest = got.partition(": ")
    assert where.startswith(f"m.yaml:{line_of(text, marker)}:"), got
    assert rest == expected


def test_every_problem_is_reported_in_one_pass_in_file_order() -> None:
    text = edited(
        "salesforce",
        ("crm: salesforce", "crm: zoho"),
        ("      tier: Alliance_Tier__c", "      teir: Alliance_Tier__c"),
        ("  field: sponsor_id", "  field: sponsor"),
        ("    kinds: [meeting, call, email]", "    kinds: [meeting, cal, email]"),
        ("  weights: {function: 0.4,", "  weights: {function: 0.5,"),
    )
    found = problems(text)
    paths = [line.split(": ")[1] for line in found]
    assert paths == [
        "crm",
        "objects.accounts.fields.teir",
        "sponsor.field",
        "cadence.touch.kinds[1]",
        "matching.weights",
    ]
    lines = [int(line.split(":")[1]) for line in found]
    assert lines == sorted(lines)


def test_yaml_syntax_errors_have_their_line() -> None:
    text = edited("salesforce", ("    watermark: SystemModstamp\n", "    watermark: [SystemModstamp\n"))
    (got,) = problems(text)
    assert got.startswith("m.yaml:")
    assert "(YAML syntax)" in got
    assert got.endswith("fix the YAML syntax")
    assert int(got.split(":")[1]) in (line_of(text, "[SystemModstamp"), line_of(text, "[SystemModstamp") + 1)


def test_a_duplicate_key_is_a_syntax_problem_with_its_line() -> None:
    text = edited("salesforce", ("  task_due_days: 7", "  task_due_days: 7\n  task_due_days: 8"))
    (got,) = problems(text)
    assert got.startswith(f"m.yaml:{line_of(text, 'task_due_days: 8')}:")
    assert "duplicate key" in got


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text\n"], ids=["empty", "list", "scalar"])
def test_a_file_that_is_not_a_mapping(text: str) -> None:
    assert problems(text) == [
        "m.yaml:1:1: (top level): the file must be a YAML mapping of keys (version:, crm:, ...)"
    ]


def test_a_missing_top_level_section_and_an_unknown_one() -> None:
    text = default_text("salesforce").replace("\nalliances:", "\nalliancez:", 1)
    found = problems(text)
    assert [line.split(": ", 1)[1] for line in found] == [
        "alliances: required but missing; add it",
        "alliancez: unknown key; did you mean 'alliances'? (valid keys here: version, crm, objects, alliances, "
        "sponsor, roster, titles, cadence, matching, writeback, templates)",
    ]


def test_the_mapping_error_is_a_config_error_with_exit_code_2() -> None:
    with pytest.raises(MappingError) as caught:
        parse_mapping("version: 2\n", "m.yaml")
    assert isinstance(caught.value, ConfigError)
    assert caught.value.exit_code == ExitCode.CONFIG
    assert caught.value.message.splitlines()[0].startswith("m.yaml: ")
    assert caught.value.message.splitlines()[1:] == caught.value.lines


def test_a_file_for_another_crm_than_asked(tmp_path: Path) -> None:
    path = tmp_path / "m.yaml"
    path.write_text(default_text("hubspot"))
    with pytest.raises(MappingError) as caught:
        load_mapping(path, "salesforce")
    assert caught.value.lines == [
        f"{path}:{line_of(default_text('hubspot'), 'crm: hubspot')}:6: crm: this file maps hubspot, but "
        "salesforce was asked for; use a salesforce mapping file"
    ]


def test_an_unreadable_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Cannot read the mapping file"):
        load_mapping(tmp_path / "nope.yaml")


def test_value_map_keys_are_text_even_when_yaml_reads_booleans() -> None:
    mapping = load_mapping(None, "hubspot")
    assert mapping.objects.users.value_maps["active"] == {"true": False, "false": True}
    text = edited(
        "hubspot",
        ('      active: {"true": false, "false": true}', "      active: {true: false, false: true}"),
    )
    assert parse_mapping(text, "m.yaml").objects.users.value_maps["active"] == {"true": False, "false": True}


_BOMB = "\n".join(
    [
        "version: 1",
        "crm: salesforce",
        'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
        *(
            f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]"
            for prev, name in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def test_a_yaml_alias_bomb_is_refused_at_the_first_alias_with_its_line() -> None:
    assert problems(_BOMB) == [
        "m.yaml:4:8: (YAML syntax): YAML aliases (*a) are not allowed in a mapping file; "
        "write the values out in full"
    ]


def test_a_merge_key_alias_in_a_real_mapping_is_refused_too() -> None:
    text = edited("salesforce", ("  task_due_days: 7", "  task_due_days: &days 7\n  other_days: *days"))
    (got,) = problems(text)
    assert got.startswith(f"m.yaml:{line_of(text, 'other_days: *days')}:")
    assert "aliases (*days) are not allowed" in got


def test_a_yaml_syntax_error_names_where_the_construct_started() -> None:
    """An unclosed '[' is only noticed lines later: both places are named."""
    text = edited("salesforce", ("    - {field: type, in: [Partner]}", "    - {field: type, in: [Partner}"))
    (got,) = problems(text)
    start = line_of(text, "{field: type, in: [Partner}")
    assert got.startswith(f"m.yaml:{start}:33: (YAML syntax): expected ',' or ']', but got '}}'")
    assert f"the flow sequence that starts at line {start}, column 25 is not closed" in got

    unclosed = "version: 1\ncrm: [salesforce\nobjects:\n  users: {}\n"
    (got,) = problems(unclosed)
    assert got.startswith("m.yaml:3:8: (YAML syntax):")
    assert "the flow sequence that starts at line 2, column 6 is not closed or not well-formed" in got
    assert got.endswith("fix the YAML syntax")
