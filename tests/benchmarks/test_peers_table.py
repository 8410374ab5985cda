"""The peers table (benchmarks/peers_table.py), what is read from a peer's output
(benchmarks/peers_output.py) and how a peer is configured and selected (benchmarks/peers_specs.py,
benchmarks/peers_run.peer_env). Pure: no peer is installed or run here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from benchmarks.__main__ import parse
from benchmarks.calls import Calls
from benchmarks.peers import peer_figures
from benchmarks.peers_install import STAMP, Venv, ensure_venv, requirement, trust_bundle
from benchmarks.peers_output import failure_line, read_messages
from benchmarks.peers_run import PeerResult, Step, peer_env
from benchmarks.peers_specs import (
    HUBSPOT_ASSOCIATIONS,
    PEERS,
    Login,
    association_streams,
    config,
    missing_streams,
    select_airbyte,
    select_singer,
    selected_names,
)
from benchmarks.peers_table import Figures, RunFigures, as_json, endpoint_group, grouped, markdown, rows

OWN_FULL = RunFigures(9, 10_356, 2.0, {"query": 9})
OWN_AGAIN = RunFigures(5, 0, 1.0, {"query": 5})


def _peer(label: str = "singer-io tap-salesforce", **kwargs: object) -> Figures:
    values: dict[str, object] = {
        "discovery": RunFigures(17, 0, 1.0, {"describe": 16, "login": 1}),
        "full": RunFigures(18, 10_356, 5.0, {"login": 1, "query": 17}),
        "unchanged": RunFigures(10, 9, 0.5, {"login": 1, "query": 9}),
    }
    values.update(kwargs)
    return Figures(label, "2.8.1", "salesforce", 1000, **values)  # type: ignore[arg-type]


def test_routes_fall_into_endpoint_groups() -> None:
    assert endpoint_group("POST /services/oauth2/token") == "login"
    assert endpoint_group("POST /{prefix}/services/oauth2/token") == "login"
    assert endpoint_group("GET /services/data/{version}/queryAll{slash}") == "query"
    assert endpoint_group("GET /services/data/{version}/queryAll/{locator}") == "query"
    assert endpoint_group("GET /services/data/{version}/sobjects/{sobject}/describe{slash}") == "describe"
    assert endpoint_group("GET /services/data/{version}/sobjects{slash}") == "describe"
    assert endpoint_group("POST /services/data/{version}/composite/batch{slash}") == "composite"
    assert endpoint_group("POST /services/data/{version}/jobs/query{slash}") == "bulk 2.0"
    assert endpoint_group("GET /services/data/{version}/jobs/query/{job}/results{slash}") == "bulk 2.0"
    assert endpoint_group("POST /crm/v3/objects/{objectType}/search") == "search"
    assert endpoint_group("GET /crm/v3/objects/{objectType}") == "objects"
    assert (
        endpoint_group("POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read")
        == "associations"
    )
    assert endpoint_group("GET /crm/v3/properties/{objectType}") == "properties"
    assert endpoint_group("GET /crm/v3/owners") == "owners"
    assert endpoint_group("GET /crm/v3/schemas") == "schemas"
    assert endpoint_group("GET /services/data/{version}{slash}") == "identity"
    assert endpoint_group("GET /account-info/v3/details") == "identity"
    assert endpoint_group("GET /services/data{slash}") == "versions"
    assert endpoint_group("GET /somewhere/else") == "other"
    assert grouped({"GET /crm/v3/owners": 2, "GET /crm/v3/owners/": 1, "GET /x": 4}) == {
        "other": 4,
        "owners": 3,
    }


def test_rows_put_sponsorsync_first_with_peers_as_ratios_to_it() -> None:
    own = Figures("sponsorsync", "", "salesforce", 1000, full=OWN_FULL, unchanged=OWN_AGAIN)
    lines = rows([_peer(), own])
    assert lines[0].count("|") == lines[1].count("|") == lines[2].count("|") == lines[3].count("|")
    assert lines[2].startswith("| salesforce | 1,000 | sponsorsync | 0 | 9 | 10,356 | 2.0 | 5 | 0 | 1.0 |")
    cells = [c.strip() for c in lines[3].strip("|").split("|")]
    assert cells[:10] == [
        "salesforce", "1,000", "singer-io tap-salesforce 2.8.1", "17",
        "18 (2.00x)", "10,356", "5.0 (2.50x)", "10 (2.00x)", "9", "0.5 (0.50x)",
    ]  # fmt: skip
    assert cells[10] == "login 1, query 17"


def test_a_peer_that_cannot_run_keeps_its_row_with_the_reason() -> None:
    own = Figures("sponsorsync", "", "salesforce", 1000, full=OWN_FULL, unchanged=OWN_AGAIN)
    failed = _peer(
        "airbyte-source-salesforce",
        full=None,
        unchanged=None,
        note="full: exit 1: 404 on /jobs/query | x",
        failed=True,
    )
    line = rows([own, failed])[-1]
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[4:10] == ["-"] * 6
    assert cells[-1] == "could not run: full: exit 1: 404 on /jobs/query / x"


def test_markdown_and_json_carry_the_run_and_the_ratios() -> None:
    own = Figures("sponsorsync", "", "salesforce", 1000, full=OWN_FULL, unchanged=OWN_AGAIN)
    meta = {
        "command": "python -m benchmarks --peers",
        "started": "2026-12-06",
        "commit": "abc",
        "load": "0.5",
    }
    text = markdown([own, _peer()], meta)
    assert "`python -m benchmarks --peers`" in text
    assert "load average at start: 0.5" in text
    data = as_json([own, _peer()], meta)
    peer = data["figures"][1]
    assert peer["ratios"] == {
        "full": {"calls": 2.0, "seconds": 2.5},
        "unchanged": {"calls": 2.0, "seconds": 0.5},
    }
    assert "ratios" not in data["figures"][0]
    json.dumps(data)  # serialisable as is


def test_singer_messages_give_records_per_stream_and_the_last_state() -> None:
    lines = [
        '{"type": "SCHEMA", "stream": "Contact"}',
        '{"type": "RECORD", "stream": "Contact", "record": {}}',
        '{"type": "RECORD", "stream": "Contact", "record": {}}',
        '{"type": "STATE", "value": {"bookmarks": {"Contact": {"SystemModstamp": "1"}}}}',
        "INFO not a message",
        '{"type": "RECORD", "stream": "Account", "record": {}}',
        '{"type": "STATE", "value": {"bookmarks": {"Contact": {"SystemModstamp": "2"}}}}',
    ]
    emitted = read_messages("singer", lines)
    assert emitted.records == {"Contact": 2, "Account": 1}
    assert emitted.state == {"bookmarks": {"Contact": {"SystemModstamp": "2"}}}


def test_airbyte_messages_keep_the_latest_state_of_each_stream() -> None:
    def state(name: str, value: int) -> str:
        body = {
            "type": "STREAM",
            "stream": {"stream_descriptor": {"name": name}, "stream_state": {"v": value}},
        }
        return json.dumps({"type": "STATE", "state": body})

    lines = [
        '{"type": "RECORD", "record": {"stream": "Contact", "data": {}}}',
        state("Contact", 1),
        state("Account", 1),
        state("Contact", 2),
        '{"type": "TRACE", "trace": {"type": "ERROR", "error": {"message": "Bulk job failed"}}}',
        '{"type": "CATALOG", "catalog": {"streams": []}}',
    ]
    emitted = read_messages("airbyte", lines)
    assert emitted.records == {"Contact": 1}
    assert [
        (s["stream"]["stream_descriptor"]["name"], s["stream"]["stream_state"]["v"]) for s in emitted.state
    ] == [
        ("Contact", 2),
        ("Account", 1),
    ]
    assert emitted.errors == ["Bulk job failed"]
    assert emitted.catalog == {"streams": []}


def test_the_failure_line_is_the_real_error_without_secrets() -> None:
    stderr = "\n".join(
        [
            "INFO starting",
            "Traceback (most recent call last):",
            '  File "x.py", line 1, in <module>',
            "requests.exceptions.HTTPError: 400 Client Error for refresh_token=5Aep861secret",
            "INFO cleanup",
        ]
    )
    line = failure_line(stderr, [], ["5Aep861secret"])
    assert line == "requests.exceptions.HTTPError: 400 Client Error for refresh_token=[secret]"
    assert failure_line(stderr, ["Bulk job failed"], []) == "Bulk job failed"
    assert failure_line("", [], []) == "no output"


def test_singer_selection_picks_the_wanted_streams_incrementally() -> None:
    catalog = {
        "streams": [
            {
                "tap_stream_id": "Contact",
                "metadata": [
                    {"breadcrumb": [], "metadata": {"valid-replication-keys": ["SystemModstamp"]}},
                    {"breadcrumb": ["properties", "Id"], "metadata": {"inclusion": "automatic"}},
                ],
            },
            {"tap_stream_id": "Lead", "metadata": [{"breadcrumb": [], "metadata": {}}]},
            {"tap_stream_id": "User", "metadata": [{"breadcrumb": [], "metadata": {"forced-replication-method": "FULL_TABLE"}}]},
        ]
    }  # fmt: skip
    assert selected_names(select_singer(catalog, ["Contact", "User"])) == ["Contact", "User"]
    chosen = select_singer(catalog, ["Contact", "User"])["streams"]
    assert [s["tap_stream_id"] for s in chosen] == ["Contact", "User"]
    top = chosen[0]["metadata"][0]["metadata"]
    assert top == {
        "valid-replication-keys": ["SystemModstamp"],
        "selected": True,
        "replication-method": "INCREMENTAL",
        "replication-key": "SystemModstamp",
    }
    assert chosen[0]["metadata"][1]["metadata"]["selected"] is True
    assert chosen[1]["metadata"][0]["metadata"] == {
        "forced-replication-method": "FULL_TABLE",
        "selected": True,
    }


def test_airbyte_selection_is_incremental_where_the_stream_allows_it() -> None:
    catalog = {
        "streams": [
            {"name": "Contact", "supported_sync_modes": ["full_refresh", "incremental"], "default_cursor_field": ["SystemModstamp"]},
            {"name": "EventRelation", "supported_sync_modes": ["full_refresh"]},
            {"name": "Lead", "supported_sync_modes": ["full_refresh", "incremental"], "default_cursor_field": ["SystemModstamp"]},
        ]
    }  # fmt: skip
    configured = select_airbyte(catalog, ["Contact", "EventRelation", "Opportunity"])
    assert selected_names(configured) == ["Contact", "EventRelation"]
    assert missing_streams(selected_names(configured), ["Contact", "EventRelation", "Opportunity"]) == [
        "Opportunity"
    ]
    chosen = configured["streams"]
    assert [(c["stream"]["name"], c["sync_mode"], c.get("cursor_field")) for c in chosen] == [
        ("Contact", "incremental", ["SystemModstamp"]),
        ("EventRelation", "full_refresh", None),
    ]


def test_peers_are_pinned_and_configured_with_the_sandboxs_login() -> None:
    assert all("==" in p.requirement or "@" in p.requirement for p in PEERS)
    login = Login("key", "secret", "refresh", "pat")
    for peer in PEERS:
        settings = config(peer, login)
        if peer.crm == "salesforce":
            assert (settings["client_id"], settings["refresh_token"], settings["is_sandbox"]) == (
                "key",
                "refresh",
                False,
            )
        else:
            assert settings["access_token"] == "pat"
            assert settings["associations"] == HUBSPOT_ASSOCIATIONS
    rest = [config(p, login)["api_type"] for p in PEERS if p.protocol == "singer" and p.crm == "salesforce"]
    assert rest == ["REST", "REST"]
    assert len(association_streams()) == 13
    assert "tasks_contacts_associations" in association_streams()


def test_a_peers_environment_sends_everything_through_the_proxy_with_telemetry_off(tmp_path: Path) -> None:
    env = peer_env(Venv(tmp_path / "venv"), "http://127.0.0.1:4321", tmp_path / "ca.pem", tmp_path)
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        assert env[name] == "http://127.0.0.1:4321"
    assert env["NO_PROXY"] == env["no_proxy"] == ""
    assert env["REQUESTS_CA_BUNDLE"] == env["SSL_CERT_FILE"] == str(tmp_path / "ca.pem")
    assert env["DO_NOT_TRACK"] == "1"
    assert env["MELTANO_SEND_ANONYMOUS_USAGE_STATS"] == "false"
    assert env["PATH"].split(":")[0] == str(tmp_path / "venv" / "bin")
    assert not any(k.startswith("SPONSORSYNC_") for k in env)


def _step(name: str, routes: dict[str, int], records: dict[str, int], error: str = "") -> Step:
    return Step(name, Calls(routes, {"200": sum(routes.values())}), 1.5, records, error)


def test_a_peers_figures_come_from_its_steps_with_association_rows_noted() -> None:
    hubspot = next(p for p in PEERS if p.crm == "hubspot")
    result = PeerResult(hubspot, 1000)
    result.steps["discovery"] = _step("discovery", {"GET /crm/v3/properties/{objectType}": 8}, {})
    result.steps["full"] = _step(
        "full",
        {"GET /crm/v3/objects/{objectType}": 10, "POST /crm/v4/associations/{a}/{b}/batch/read": 2},
        {"contacts": 1000, "tasks_contacts_associations": 400},
    )
    result.steps["unchanged"] = _step("unchanged", {"GET /crm/v3/objects/{objectType}": 10}, {"contacts": 0})
    figures = peer_figures(result)
    assert figures.discovery is not None
    assert figures.full is not None
    assert (figures.discovery.calls, figures.full.calls, figures.full.records) == (8, 12, 1400)
    assert figures.full.groups == {"associations": 2, "objects": 10}
    assert not figures.failed
    assert figures.note == f"{hubspot.note}; 400 of the full run's records are association rows"


def test_a_peer_that_stops_says_where_and_why_and_what_the_proxy_refused() -> None:
    airbyte = next(p for p in PEERS if p.protocol == "airbyte")
    result = PeerResult(airbyte, 1000, refused=["CONNECT telemetry.example:443"], missing=["Case"])
    result.steps["discovery"] = _step("discovery", {"POST /services/oauth2/token": 1}, {})
    result.steps["full"] = _step(
        "full", {"POST /services/data/{version}/jobs/query{slash}": 3}, {}, "exit 1: 404"
    )
    figures = peer_figures(result)
    assert figures.failed
    assert figures.full is None
    assert figures.note.startswith("full: exit 1: 404; proxy refused CONNECT telemetry.example:443; ")
    assert figures.note.endswith("; streams it does not offer: Case")
    assert rows([figures])[-1].endswith(f"| could not run: {figures.note} |")


def test_the_peers_flag_runs_1k_and_10k_by_default_and_takes_local_sources() -> None:
    args = parse(["--peers"])
    assert (args.peers, args.sizes, args.peer_source) == (True, [1000, 10_000], [])
    assert parse([]).sizes == [1000, 10_000, 100_000]
    args = parse(["--peers", "--sizes", "500", "--peer-source", "meltanolabs-tap-salesforce=/src/tap"])
    assert args.sizes == [500]
    assert dict(args.peer_source) == {"meltanolabs-tap-salesforce": Path("/src/tap")}
    with pytest.raises(SystemExit):
        parse(["--peers", "--peer-source", "no-path-given"])


def test_an_installed_peer_venv_is_reused_and_a_local_source_replaces_the_pin(tmp_path: Path) -> None:
    peer = PEERS[0]
    assert requirement(peer, {}) == peer.requirement
    assert requirement(peer, {peer.key: tmp_path}) == str(tmp_path.resolve())
    venv = Venv(tmp_path / peer.key)
    venv.bin.mkdir(parents=True)
    venv.executable(peer.executable).write_text("#!/bin/sh\n", encoding="utf-8")
    (venv.root / STAMP).write_text(peer.requirement + "\n", encoding="utf-8")
    assert ensure_venv(peer, {}, tmp_path) == venv  # nothing installed: it would need a registry


def test_the_trust_bundle_is_the_venvs_bundle_plus_the_proxy_ca(tmp_path: Path) -> None:
    ca = tmp_path / "proxy-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\nproxy\n-----END CERTIFICATE-----\n", encoding="utf-8")
    bundle = trust_bundle(Venv(tmp_path / "no-venv"), ca, tmp_path / "bundle.pem")
    assert bundle.read_text(encoding="utf-8").strip() == ca.read_text(encoding="utf-8").strip()
