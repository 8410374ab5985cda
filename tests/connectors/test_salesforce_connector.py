"""The Salesforce connector on the unmodified simple-salesforce SDK, over HTTPS against the sandbox:
pulls, cursors, writes, faults, quotas and every login kind."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from simple_salesforce.api import Salesforce

from sponsorsync.connectors.base import ObjectSpec, WriteItem
from sponsorsync.connectors.errors import AuthFailed, CrmUnreachable, QuotaExhausted
from sponsorsync.connectors.factory import connect
from sponsorsync.connectors.salesforce import SalesforceConnector
from sponsorsync.sandbox.salesforce import SalesforceEmulator
from sponsorsync.sandbox.salesforce.ids import ORG_ID
from tests.support.sandbox import Sandbox, connector, drain, running_sandbox

QUERY_ALL = "GET /services/data/{version}/queryAll{slash}"
QUERY_MORE = "GET /services/data/{version}/queryAll/{locator}"
UPSERT = "PATCH /services/data/{version}/composite/sobjects/{sobject}/{field}{slash}"
CONTACT = ObjectSpec(
    "Contact", ("Id", "FirstName", "LastName", "Title", "AccountId", "SystemModstamp"), "SystemModstamp"
)
TASK = ObjectSpec(
    "Task",
    ("Id", "Subject", "Status", "IsClosed", "IsArchived", "Sponsor_Sync_Key__c", "SystemModstamp"),
    "SystemModstamp",
)
SAME_INSTANT = 2_500  # contacts sharing one SystemModstamp, across the 2,000-record page boundary


def org_with_ties() -> dict[str, Any]:
    return {
        "User": [{"@id": "u", "FirstName": "Ada", "LastName": "Lovelace", "Email": "ada@northwind.example",
                  "Username": "ada@northwind.example", "Title": "CEO"}],
        "Account": [{"@id": "acme", "Name": "Acme", "Type": "Partner", "OwnerId": "@u", "LastModifiedDate": "@now-2d"}],
        "Contact": [{"LastName": f"Person {i}", "AccountId": "@acme", "OwnerId": "@u",
                     "LastModifiedDate": "@now-1d"} for i in range(SAME_INSTANT)],
        "Task": [
            {"Subject": "Old call", "Status": "Completed", "OwnerId": "@u", "ActivityDate": "@today-500d",
             "LastModifiedDate": "@now-500d"},
            {"Subject": "Recent call", "Status": "Completed", "OwnerId": "@u", "ActivityDate": "@today-5d",
             "LastModifiedDate": "@now-5d"},
        ],
    }  # fmt: skip


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox("salesforce", tmp_path_factory.mktemp("sf"), data=org_with_ties()) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def fresh(box: Sandbox) -> None:
    box.admin.reset()
    box.admin.reset_stats()


def test_a_full_pull_pages_through_every_record_with_queryall(box: Sandbox) -> None:
    records, cursor = drain(connector(box).pull(CONTACT, None))
    assert len(records) == SAME_INSTANT
    assert len({r.id for r in records}) == SAME_INSTANT
    assert box.calls() == {QUERY_ALL: 1, QUERY_MORE: 1}  # 2,500 records: two pages of at most 2,000
    # A complete pull moves the cursor up to the CRM's clock at its start, past the last change.
    assert cursor is not None
    assert cursor.ids_at_last == frozenset()
    assert cursor.last_value > str(records[0].fields["SystemModstamp"])[:19]


def test_an_unchanged_object_costs_one_call(box: Sandbox) -> None:
    _, cursor = drain(connector(box).pull(TASK, None))
    box.admin.reset_stats()
    records, again = drain(connector(box).pull(TASK, cursor))
    assert records == []
    assert again is not None
    assert cursor is not None
    assert again.last_value >= cursor.last_value  # never backwards; up to the CRM's clock
    assert box.calls() == {QUERY_ALL: 1}


def test_a_crowded_last_timestamp_is_not_read_again(box: Sandbox) -> None:
    """2,500 records share the last timestamp; the next incremental does not page through them again."""
    _, cursor = drain(connector(box).pull(CONTACT, None))
    box.admin.reset_stats()
    records, again = drain(connector(box).pull(CONTACT, cursor))
    assert records == []
    assert again is not None
    assert box.calls() == {QUERY_ALL: 1}


def test_records_sharing_the_boundary_timestamp_are_neither_lost_nor_repeated(box: Sandbox) -> None:
    """A run that stops after the first page resumes with `>=` the boundary, dropping the ids seen."""
    first = next(iter(connector(box).pull(CONTACT, None)))
    assert len(first.records) == 2_000
    assert first.cursor is not None
    rest, _ = drain(connector(box).pull(CONTACT, first.cursor))
    assert len(rest) == SAME_INSTANT - 2_000
    assert {r.id for r in rest}.isdisjoint({r.id for r in first.records})


def test_a_record_changed_during_the_pull_is_read_again_next_time(box: Sandbox) -> None:
    pages = connector(box).pull(CONTACT, None)
    first = next(pages)
    changed = first.records[0].id
    client = connector(box)
    for results in client.update("Contact", [WriteItem(changed, {"Title": "Chief Technology Officer"})]):
        assert all(r.ok for r in results)
    _, cursor = drain(pages)
    again, _ = drain(connector(box).pull(CONTACT, cursor))
    assert [(r.id, r.fields["Title"]) for r in again] == [(changed, "Chief Technology Officer")]


def test_deletions_arrive_through_queryall(box: Sandbox) -> None:
    records, cursor = drain(connector(box).pull(CONTACT, None))
    target = records[7].id
    token = box.server.env()["SPONSORSYNC_SALESFORCE__ACCESS_TOKEN"]
    response = box.admin.session.delete(  # as a person deleting the contact in the CRM
        f"{box.server.base_url}/services/data/v59.0/sobjects/Contact/{target}",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 204
    deleted, _ = drain(connector(box).pull(CONTACT, cursor))
    assert [(r.id, r.deleted) for r in deleted] == [(target, True)]


def test_archived_activities_arrive(box: Sandbox) -> None:
    records, _ = drain(connector(box).pull(TASK, None))
    old = next(r for r in records if r.fields["Subject"] == "Old call")
    assert old.fields["IsArchived"] is True


def task_items(count: int, prefix: str = "t") -> list[WriteItem]:
    return [
        WriteItem(f"ss1:test:{prefix}{i}", {"Subject": f"Task {i}", "Status": "Not Started"})
        for i in range(count)
    ]


def test_upserts_go_200_at_a_time_and_never_duplicate(box: Sandbox) -> None:
    client = connector(box)
    results = [r for batch in client.upsert("Task", "Sponsor_Sync_Key__c", task_items(450)) for r in batch]
    assert len(results) == 450
    assert all(r.ok and r.created for r in results)
    assert box.calls() == {UPSERT: 3}
    again = [r for batch in client.upsert("Task", "Sponsor_Sync_Key__c", task_items(450)) for r in batch]
    assert all(r.ok and not r.created for r in again)
    assert {r.id for r in again} == {r.id for r in results}
    tasks, _ = drain(client.pull(TASK, None))
    assert sum(1 for t in tasks if str(t.fields["Sponsor_Sync_Key__c"] or "").startswith("ss1:test:")) == 450


def test_per_record_failures_come_back_and_the_rest_lands(box: Sandbox) -> None:
    box.admin.add_faults(
        {"method": "PATCH", "path": "*/composite/sobjects/Task/*", "action": "record_failure", "records": [1, 5],
         "error_code": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": "Subject is required", "count": 1}
    )  # fmt: skip
    results = [
        r for batch in connector(box).upsert("Task", "Sponsor_Sync_Key__c", task_items(10)) for r in batch
    ]
    failed = [r for r in results if not r.ok]
    assert [r.key for r in failed] == ["ss1:test:t1", "ss1:test:t5"]
    assert {r.error_code for r in failed} == {"FIELD_CUSTOM_VALIDATION_EXCEPTION"}
    assert sum(r.ok for r in results) == 8


def test_locked_rows_are_retried_once(box: Sandbox) -> None:
    box.admin.add_faults(
        {"method": "PATCH", "path": "*/composite/sobjects/Task/*", "action": "record_failure", "records": [0],
         "error_code": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access", "count": 1}
    )  # fmt: skip
    results = [
        r for batch in connector(box).upsert("Task", "Sponsor_Sync_Key__c", task_items(3)) for r in batch
    ]
    assert all(r.ok for r in results)
    assert len(results) == 3
    assert box.calls() == {UPSERT: 2}


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 503, "count": 2},
        {"status": 500, "count": 1},
        {"status": 502, "count": 1},
        {"status": 504, "count": 1},
        {"action": "drop", "count": 1},
        {"action": "delay", "delay_ms": 1500, "count": 1},
    ],
    ids=["503-twice", "500", "502", "504", "dropped-connection", "read-timeout"],
)
def test_transient_faults_are_retried_while_paging(box: Sandbox, fault: dict[str, Any]) -> None:
    box.admin.add_faults({"method": "GET", "path": "*/queryAll/*", **fault})  # the second page
    records, _ = drain(connector(box, LIMITS__TIMEOUT_SECONDS="0.5").pull(CONTACT, None))
    assert len(records) == SAME_INSTANT


def test_request_limit_exceeded_stops_the_run_cleanly_without_hammering(box: Sandbox) -> None:
    box.admin.add_faults(
        {
            "path": "*/queryAll*",
            "status": 403,
            "error_code": "REQUEST_LIMIT_EXCEEDED",
            "message": "TotalRequests Limit exceeded.",
        }
    )
    with pytest.raises(QuotaExhausted, match="REQUEST_LIMIT_EXCEEDED"):
        drain(connector(box).pull(CONTACT, None))
    assert box.total_calls() == 1


def test_the_daily_quota_reserve_is_left_untouched(box: Sandbox) -> None:
    box.admin.configure(daily_api_requests=10)
    client = connector(box, LIMITS__SALESFORCE_QUOTA_RESERVE="0.5")

    def pull_until_stopped() -> None:
        for _ in range(10):
            drain(client.pull(TASK, None))

    with pytest.raises(QuotaExhausted, match="50%"):
        pull_until_stopped()
    assert box.total_calls() <= 6


def test_the_call_budget_stops_a_run(box: Sandbox) -> None:
    with pytest.raises(QuotaExhausted, match="limit of 1 API calls"):
        drain(connect(box.settings(), max_api_calls=1).pull(CONTACT, None))


def test_an_expired_access_token_fails_with_a_clear_message(box: Sandbox) -> None:
    box.admin.configure(expire_sessions=True)
    with pytest.raises(AuthFailed, match="INVALID_SESSION_ID") as err:
        drain(connector(box).pull(CONTACT, None))
    assert err.value.exit_code == 4
    assert "SPONSORSYNC_SALESFORCE__ACCESS_TOKEN" in (err.value.hint or "")


def login_env(box: Sandbox, kind: str, key_file: Path) -> dict[str, str]:
    domain = f"127.0.0.1:{box.server.port}/sf"
    common = {"SALESFORCE__INSTANCE_URL": "", "SALESFORCE__ACCESS_TOKEN": "", "SALESFORCE__DOMAIN": domain}
    return common | {
        "password": {"SALESFORCE__USERNAME": "integration@northwind.example", "SALESFORCE__PASSWORD": "sandbox-password",
                     "SALESFORCE__SECURITY_TOKEN": "SandboxSecurityToken"},
        "password_oauth": {"SALESFORCE__USERNAME": "integration@northwind.example", "SALESFORCE__PASSWORD": "sandbox-passwordSandboxSecurityToken",
                           "SALESFORCE__CONSUMER_KEY": "3MVG9sandbox.sponsorsync.consumer.key",
                           "SALESFORCE__CONSUMER_SECRET": "sandbox-consumer-secret"},
        "client_credentials": {"SALESFORCE__CONSUMER_KEY": "3MVG9sandbox.sponsorsync.consumer.key",
                               "SALESFORCE__CONSUMER_SECRET": "sandbox-consumer-secret"},
        "jwt": {"SALESFORCE__USERNAME": "integration@northwind.example",
                "SALESFORCE__CONSUMER_KEY": "3MVG9sandbox.sponsorsync.consumer.key",
                "SALESFORCE__PRIVATE_KEY_FILE": str(key_file)},
    }[kind]  # fmt: skip


@pytest.fixture(scope="module")
def jwt_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sponsorsync test")])
    import datetime as dt

    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    path = tmp_path_factory.mktemp("jwt") / "server.key"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return path, cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.mark.parametrize("kind", ["password", "password_oauth", "client_credentials", "jwt"])
def test_every_login_kind(box: Sandbox, kind: str, jwt_key: tuple[Path, str]) -> None:
    box.admin.configure(jwt_public_keys=[jwt_key[1]])
    client = connector(box, **login_env(box, kind, jwt_key[0]))
    report = client.check()
    assert report.api_limit is not None
    assert f"{kind.replace('_oauth', '')} login" in report.identity


def test_a_session_expiring_mid_paging_is_renewed_once_in_login_modes(
    box: Sandbox, jwt_key: tuple[Path, str]
) -> None:
    client = connector(box, **login_env(box, "client_credentials", jwt_key[0]))
    pages = client.pull(CONTACT, None)
    first = next(pages)
    box.admin.configure(expire_sessions=True)
    rest, _ = drain(pages)
    assert len(first.records) + len(rest) == SAME_INSTANT
    logins = sum(n for route, n in box.calls().items() if "oauth2/token" in route)
    assert logins == 2  # the first login and one renewal


def test_wrong_credentials_are_an_auth_failure(box: Sandbox, jwt_key: tuple[Path, str]) -> None:
    env = login_env(box, "client_credentials", jwt_key[0]) | {"SALESFORCE__CONSUMER_SECRET": "wrong"}
    with pytest.raises(AuthFailed, match="client_credentials"):
        connector(box, **env)


def test_an_untrusted_certificate_is_refused(box: Sandbox) -> None:
    settings = box.settings().model_copy(update={"ca_bundle": None})
    with pytest.raises(CrmUnreachable, match="TLS certificate"):
        drain(connect(settings).pull(CONTACT, None))


def test_server_time_follows_the_crm_clock(box: Sandbox) -> None:
    client = connector(box)
    before = client.server_time()
    box.admin.advance_clock(days=10)
    drain(client.pull(TASK, None))
    assert client.server_time() - before >= timedelta(days=9, hours=23)


def test_a_key_held_by_two_tasks_is_refused_never_written_a_third_time(box: Sandbox) -> None:
    """The key field is an External ID without Unique (Salesforce offers no Unique on activity
    fields, docs/salesforce-activity-keys.md): a person can clone a task, key and all. The upsert by
    that key then matches two tasks: the CRM refuses that record, nothing is created or overwritten."""
    client = connector(box)
    [[first]] = list(client.upsert("Task", "Sponsor_Sync_Key__c", task_items(1)))
    assert first.ok
    assert first.id is not None
    settings = box.settings()
    assert settings.salesforce.access_token is not None
    session = requests.Session()
    session.trust_env = False
    session.verify = str(box.server.ca_path)
    person = Salesforce(
        instance_url=box.server.base_url,
        session_id=settings.salesforce.access_token.get_secret_value(),
        session=session,
    )
    tasks_api: Any = person.Task
    clone = tasks_api.create({"Subject": "Cloned by a person", "Sponsor_Sync_Key__c": first.key})["id"]

    [[again]] = list(client.upsert("Task", "Sponsor_Sync_Key__c", task_items(1)))

    assert (again.ok, again.error_code) == (False, "DUPLICATE_EXTERNAL_ID")
    assert first.id in (again.message or "")
    assert clone in (again.message or "")
    tasks, _ = drain(client.pull(TASK, None))
    holders = sorted(t.id for t in tasks if t.fields["Sponsor_Sync_Key__c"] == first.key)
    assert holders == sorted([first.id, clone])


# -- the org's default time zone (Organization.TimeZoneSidKey) -------------------------------------
SF_QUERY = "GET /services/data/{version}/query{slash}"


def _client(box: Sandbox) -> SalesforceConnector:
    client = connector(box)
    assert isinstance(client, SalesforceConnector)
    box.admin.reset_stats()  # count from here (an access-token connector sends nothing to start)
    return client


def test_the_org_time_zone_is_its_default_time_zone_read_with_one_query(box: Sandbox) -> None:
    client = _client(box)
    assert client.org_time_zone() == "America/Los_Angeles"  # the sandbox org's default, a new US org's
    assert box.calls() == {SF_QUERY: 1}
    assert client.api_calls() == 1


def test_the_identity_is_still_one_call_and_leaves_the_time_zone_to_its_query(box: Sandbox) -> None:
    client = _client(box)
    identity = client.identity()
    assert identity.org_id == ORG_ID
    assert identity.time_zone is None  # not in the resource list: Connector.org_time_zone reads it
    assert box.total_calls() == 1


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Kolkata", "GMT"])
def test_the_org_time_zone_is_the_one_the_org_is_set_to(box: Sandbox, zone: str) -> None:
    box.admin.configure(time_zone=zone)
    assert _client(box).org_time_zone() == zone


def test_a_refused_query_gives_no_time_zone_and_one_warning_saying_what_to_set(
    box: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    # As Salesforce answers a user who may not see an object.
    box.admin.add_faults(
        {"method": "GET", "path": "*/query/*", "action": "error", "status": 400, "error_code": "INVALID_TYPE",
         "message": "sObject type 'Organization' is not supported.", "count": 1}
    )  # fmt: skip
    client = _client(box)
    with caplog.at_level(logging.WARNING, logger="sponsorsync.connectors.salesforce"):
        assert client.org_time_zone() is None
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "INVALID_TYPE" in warnings[0]
    assert "the zone read before is kept (none: UTC); set SPONSORSYNC_SYNC__TIMEZONE" in warnings[0]
    emulator = box.server.emulator
    assert isinstance(emulator, SalesforceEmulator)
    assert emulator.access_token not in caplog.text
