"""Bad configuration: broken settings, env files, secrets, state directories, CA files, mapping files
and credentials. Each is run as a scheduler runs sponsorsync (`python -m sponsorsync.cli ...`, a clean
environment) against a sandbox that would otherwise work, and must give one clear `error:` message
naming the culprit, exit 2 (4 when the CRM refuses the credentials, 7 for an unusable state
database), no traceback, and nothing written to the CRM.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sponsorsync.mappings.loader import default_mapping_path
from tests.support import orgs
from tests.support.cli import CliResult, run
from tests.support.sandbox import Sandbox, running_sandbox

WRITES = ("PATCH", "POST /crm/v3/objects/{objectType}/batch/create", "batch/update", "DELETE")


@dataclass(frozen=True)
class Bad:
    """A broken input. Placeholders in values: {tmp} (the test's directory), {port} (the sandbox's)."""

    id: str
    culprit: str  # a regex the `error:` message (with its detail lines and hint) must match
    crm: str = "salesforce"
    env: dict[str, str] = field(default_factory=dict)  # settings over the working ones ("" unsets)
    files: dict[str, str | bytes] = field(default_factory=dict)  # written under {tmp} first
    mapping_edit: tuple[str, str] | None = None  # (old, new) applied to a copy of the default mapping
    mapping_of: str | None = None  # use the default mapping of this CRM (unchanged unless edited)
    args: tuple[str, ...] = ("sync", "run")
    env_file: str | None = None  # --env-file to pass instead of the working one
    process_env: dict[str, str] = field(default_factory=dict)  # real environment variables
    exit_code: int = 2


def sf_login(**env: str) -> dict[str, str]:
    """A Salesforce login other than the sandbox's access token."""
    return {"SALESFORCE__INSTANCE_URL": "", "SALESFORCE__ACCESS_TOKEN": "", **env}


PASSWORD = {
    "SALESFORCE__DOMAIN": "127.0.0.1:{port}/sf",
    "SALESFORCE__USERNAME": "integration@northwind.example",
    "SALESFORCE__PASSWORD": "sandbox-password",
    "SALESFORCE__SECURITY_TOKEN": "SandboxSecurityToken",
}
TITLE_RULE = "    - pattern: '\\bchief of staff\\b'"

CASES = [
    # -- settings: values ------------------------------------------------------------------------
    Bad("crm-unknown", r"SPONSORSYNC_CRM: Input should be 'salesforce' or 'hubspot' \(got 'zoho'\)",
        env={"CRM": "zoho"}),
    Bad("crm-missing", r"No CRM chosen.*SPONSORSYNC_CRM", env={"CRM": ""}),
    Bad("unknown-setting", r"SPONSORSYNC_SYNC_MODE in .*run.env: unknown setting", env={"SYNC_MODE": "fast"}),
    Bad("unknown-nested-setting", r"SPONSORSYNC_LIMITS__TIMEOUT in .*run.env: unknown setting",
        env={"LIMITS__TIMEOUT": "5"}),
    Bad("wrong-type-float", r"SPONSORSYNC_LIMITS__TIMEOUT_SECONDS: .*valid number.*'soon'",
        env={"LIMITS__TIMEOUT_SECONDS": "soon"}),
    Bad("wrong-type-int", r"SPONSORSYNC_LIMITS__MAX_ATTEMPTS: .*valid integer.*'many'",
        env={"LIMITS__MAX_ATTEMPTS": "many"}),
    Bad("timeout-infinite", r"SPONSORSYNC_LIMITS__TIMEOUT_SECONDS: Input should be a finite number \(got 'inf'\)",
        env={"LIMITS__TIMEOUT_SECONDS": "inf"}),
    Bad("timeout-nan", r"SPONSORSYNC_LIMITS__TIMEOUT_SECONDS: Input should be a finite number \(got 'nan'\)",
        env={"LIMITS__TIMEOUT_SECONDS": "nan"}),
    Bad("timeout-huge", r"SPONSORSYNC_LIMITS__TIMEOUT_SECONDS: Input should be less than or equal to 3600",
        env={"LIMITS__TIMEOUT_SECONDS": "1e308"}),
    Bad("backoff-infinite", r"SPONSORSYNC_LIMITS__MAX_BACKOFF_SECONDS: Input should be a finite number",
        env={"LIMITS__MAX_BACKOFF_SECONDS": "inf"}),
    Bad("sweep-infinite", r"SPONSORSYNC_SYNC__DELETION_SWEEP_HOURS: Input should be a finite number", crm="hubspot",
        env={"SYNC__DELETION_SWEEP_HOURS": "inf"}),
    Bad("out-of-range", r"SPONSORSYNC_LIMITS__CONCURRENCY: Input should be greater than or equal to 1",
        env={"LIMITS__CONCURRENCY": "0"}),
    Bad("quota-reserve-over-1", r"SPONSORSYNC_LIMITS__SALESFORCE_QUOTA_RESERVE: Input should be less than 1",
        env={"LIMITS__SALESFORCE_QUOTA_RESERVE": "1.5"}),
    Bad("not-a-boolean", r"SPONSORSYNC_INSECURE_SKIP_TLS_VERIFY: .*valid boolean.*'perhaps'",
        env={"INSECURE_SKIP_TLS_VERIFY": "perhaps"}),
    Bad("log-format", r"SPONSORSYNC_LOG_FORMAT: Input should be 'text' or 'json'", env={"LOG_FORMAT": "xml"}),
    Bad("negative-lookback", r"SPONSORSYNC_SYNC__LOOKBACK_SECONDS: Input should be greater than or equal to 0",
        env={"SYNC__LOOKBACK_SECONDS": "-1"}),
    Bad("api-version", r"SPONSORSYNC_SALESFORCE__API_VERSION: must look like 59.0",
        env={"SALESFORCE__API_VERSION": "latest"}),
    Bad("salesforce-url-not-https", r"SPONSORSYNC_SALESFORCE__INSTANCE_URL: .*must be an https:// URL",
        env={"SALESFORCE__INSTANCE_URL": "http://127.0.0.1:{port}"}),
    Bad("hubspot-url-not-https", r"SPONSORSYNC_HUBSPOT__BASE_URL: .*must be an https:// URL", crm="hubspot",
        env={"HUBSPOT__BASE_URL": "http://127.0.0.1:{port}"}),
    Bad("salesforce-url-space-before-port", r"SPONSORSYNC_SALESFORCE__INSTANCE_URL: is not a valid URL",
        env={"SALESFORCE__INSTANCE_URL": "https://127.0.0.1: {port}"}),
    Bad("salesforce-url-port-not-a-number", r"SPONSORSYNC_SALESFORCE__INSTANCE_URL: is not a valid URL: the port",
        env={"SALESFORCE__INSTANCE_URL": "https://127.0.0.1:port"}),
    Bad("hubspot-url-space-in-host", r"SPONSORSYNC_HUBSPOT__BASE_URL: is not a valid URL", crm="hubspot",
        env={"HUBSPOT__BASE_URL": "https://api .hubapi.com"}),
    Bad("group-not-json", r"SPONSORSYNC_LIMITS in .*run.env: not a valid JSON object",
        env={"LIMITS": '{"timeout_seconds": 3'}),
    Bad("salesforce-auth-kind", r"SPONSORSYNC_SALESFORCE__AUTH: Input should be", env={"SALESFORCE__AUTH": "kerberos"}),
    # -- settings: files and directories --------------------------------------------------------
    Bad("env-file-missing", r"Env file .*missing.env does not exist", env_file="{tmp}/missing.env"),
    Bad("env-file-not-utf8", r"The env file .*bad.env is not UTF-8 text", env_file="{tmp}/bad.env",
        files={"bad.env": b"\xff\xfeSPONSORSYNC_CRM=salesforce\n"}),
    Bad("secrets-dir-missing", r"SPONSORSYNC_SECRETS_DIR=.*nowhere is not a directory",
        process_env={"SPONSORSYNC_SECRETS_DIR": "{tmp}/nowhere"}),
    Bad("secret-file-not-utf8", r"The secret file .*SPONSORSYNC_HUBSPOT__ACCESS_TOKEN is not UTF-8 text", crm="hubspot",
        process_env={"SPONSORSYNC_SECRETS_DIR": "{tmp}/secrets"},
        files={"secrets/SPONSORSYNC_HUBSPOT__ACCESS_TOKEN": b"\xff\xfe\x00t\x00o\x00k"}),
    Bad("ca-file-missing", r"SPONSORSYNC_CA_BUNDLE=.*no-such-ca.pem cannot be read: No such file",
        env={"CA_BUNDLE": "{tmp}/no-such-ca.pem"}),
    Bad("ca-file-is-a-directory", r"SPONSORSYNC_CA_BUNDLE=.*cannot be read: Is a directory", env={"CA_BUNDLE": "{tmp}"}),
    Bad("ca-file-not-pem", r"SPONSORSYNC_CA_BUNDLE=.*junk.pem holds no PEM certificate",
        env={"CA_BUNDLE": "{tmp}/junk.pem"}, files={"junk.pem": "this is not a certificate\n"}),
    Bad("ca-file-corrupt", r"SPONSORSYNC_CA_BUNDLE=.*corrupt.pem is not a valid certificate file",
        env={"CA_BUNDLE": "{tmp}/corrupt.pem"},
        files={"corrupt.pem": "-----BEGIN CERTIFICATE-----\nMIIBbroken\n-----END CERTIFICATE-----\n"}),
    Bad("state-dir-under-a-file", r"The state directory .*a-file/state is not writable",
        env={"STATE_DIR": "{tmp}/a-file/state"}, files={"a-file": "x"}),
    Bad("state-dir-read-only", r"The state directory /proc/sponsorsync-state is not writable",
        env={"STATE_DIR": "/proc/sponsorsync-state"}),
    Bad("state-database-corrupt", r"The state database .*state.sqlite3 cannot be used.*--full",
        files={"state/state.sqlite3": b"this is not a database" * 100}, exit_code=7),
    # -- mapping files ---------------------------------------------------------------------------
    Bad("mapping-missing", r"Cannot read the mapping file .*nope.yaml", env={"MAPPING": "{tmp}/nope.yaml"}),
    Bad("mapping-yaml-syntax", r"mapping.yaml:\d+:\d+: \(YAML syntax\)", mapping_edit=("objects:\n", "objects: [\n")),
    Bad("mapping-unknown-key", r"mapping.yaml:\d+:\d+: objects.users.fields.nickname: unknown key",
        mapping_edit=("      title: Title", "      nickname: Nickname\n      title: Title")),
    Bad("mapping-wrong-type", r"mapping.yaml:\d+:\d+: cadence.tiers.strategic.sponsor_update_days: .*'thirty'",
        mapping_edit=("sponsor_update_days: 30", "sponsor_update_days: thirty")),
    Bad("mapping-invalid-pattern", r"mapping.yaml:\d+:\d+: titles.rules\[\d+\].pattern: invalid regular expression",
        mapping_edit=(TITLE_RULE, "    - pattern: '(chief of staff'")),
    Bad("mapping-unknown-overwrite-rule", r"mapping.yaml:\d+:\d+: writeback.account.fields.health.overwrite: 'sometimes'",
        mapping_edit=("overwrite: always, values", "overwrite: sometimes, values")),
    Bad("mapping-other-crm", r"mapping.yaml:\d+:\d+: crm: this file maps salesforce, but hubspot was asked for",
        crm="hubspot", mapping_of="salesforce"),
    Bad("mapping-empty", r"empty.yaml:1:1: \(top level\): the file must be a YAML mapping",
        env={"MAPPING": "{tmp}/empty.yaml"}, files={"empty.yaml": ""}),
    Bad("mapping-a-list", r"list.yaml:1:1: \(top level\): the file must be a YAML mapping",
        env={"MAPPING": "{tmp}/list.yaml"}, files={"list.yaml": "- crm: salesforce\n"}),
    Bad("mapping-unknown-field-live-salesforce", r"mapping.yaml:\d+:\d+: objects.contacts.fields.title: .*Titel",
        mapping_edit=("      title: Title            # partner", "      title: Titel            # partner"),
        args=("mappings", "validate", "--live")),
    Bad("mapping-unknown-field-live-hubspot", r"mapping.yaml:\d+:\d+: objects.contacts.fields.title: .*job_title",
        crm="hubspot", mapping_edit=("title: jobtitle", "title: job_title"), args=("mappings", "validate", "--live")),
    Bad("mapping-unknown-object-live", r"mapping.yaml:\d+:\d+: objects.contacts.object: .*Contakt",
        mapping_edit=("    object: Contact\n", "    object: Contakt\n"), args=("check",)),
    Bad("mapping-unknown-writeback-field-live", r"mapping.yaml:\d+:\d+: writeback.account.fields.health: Account has no field 'Sponsor_Helth__c'; did you mean 'Sponsor_Health__c'",
        mapping_edit=("field: Sponsor_Health__c", "field: Sponsor_Helth__c"), args=("check",)),
    Bad("mapping-unknown-field-in-a-run", r"INVALID_FIELD.*Titel",
        mapping_edit=("      title: Title            # partner", "      title: Titel            # partner")),
    # -- credentials -----------------------------------------------------------------------------
    Bad("hubspot-token-missing", r"No HubSpot access token is set.*SPONSORSYNC_HUBSPOT__ACCESS_TOKEN", crm="hubspot",
        env={"HUBSPOT__ACCESS_TOKEN": ""}),
    Bad("hubspot-token-wrong", r"HubSpot rejected the access token.*SPONSORSYNC_HUBSPOT__ACCESS_TOKEN", crm="hubspot",
        env={"HUBSPOT__ACCESS_TOKEN": "pat-na1-00000000-0000-0000-0000-000000000000"}, exit_code=4),
    Bad("salesforce-access-token-wrong", r"INVALID_SESSION_ID.*SPONSORSYNC_SALESFORCE__ACCESS_TOKEN",
        env={"SALESFORCE__ACCESS_TOKEN": "00D000000000001!AQwrong"}, exit_code=4),
    Bad("salesforce-no-credentials", r"No Salesforce credentials are set", env=sf_login()),
    Bad("salesforce-instance-url-missing", r"needs SPONSORSYNC_SALESFORCE__INSTANCE_URL",
        env={"SALESFORCE__INSTANCE_URL": ""}),
    Bad("salesforce-password-wrong", r"Salesforce refused the password login.*SPONSORSYNC_SALESFORCE__",
        env=sf_login(**PASSWORD | {"SALESFORCE__PASSWORD": "wrong"}), exit_code=4),
    Bad("salesforce-password-missing", r"The Salesforce password login needs SPONSORSYNC_SALESFORCE__PASSWORD",
        env=sf_login(SALESFORCE__AUTH="password", SALESFORCE__USERNAME="integration@northwind.example")),
    Bad("salesforce-client-secret-wrong", r"Salesforce refused the client_credentials login",
        env=sf_login(SALESFORCE__CONSUMER_KEY="3MVG9sandbox.sponsorsync.consumer.key",
                     SALESFORCE__CONSUMER_SECRET="wrong", SALESFORCE__DOMAIN="127.0.0.1:{port}/sf"), exit_code=4),
    Bad("salesforce-client-credentials-without-my-domain", r"client_credentials login needs your My Domain.*SPONSORSYNC_SALESFORCE__DOMAIN",
        env=sf_login(SALESFORCE__CONSUMER_KEY="3MVG9sandbox.sponsorsync.consumer.key",
                     SALESFORCE__CONSUMER_SECRET="sandbox-consumer-secret")),
    Bad("salesforce-jwt-key-missing", r"SPONSORSYNC_SALESFORCE__PRIVATE_KEY_FILE=.*no-key.pem cannot be read",
        env=sf_login(SALESFORCE__USERNAME="integration@northwind.example", SALESFORCE__CONSUMER_KEY="3MVG9sandbox.sponsorsync.consumer.key",
                     SALESFORCE__PRIVATE_KEY_FILE="{tmp}/no-key.pem", SALESFORCE__DOMAIN="127.0.0.1:{port}/sf")),
    Bad("salesforce-jwt-key-not-a-key", r"SPONSORSYNC_SALESFORCE__PRIVATE_KEY_FILE=.*not-a-key.pem holds no PEM private key",
        env=sf_login(SALESFORCE__USERNAME="integration@northwind.example", SALESFORCE__CONSUMER_KEY="3MVG9sandbox.sponsorsync.consumer.key",
                     SALESFORCE__PRIVATE_KEY_FILE="{tmp}/not-a-key.pem", SALESFORCE__DOMAIN="127.0.0.1:{port}/sf"),
        files={"not-a-key.pem": "ssh-rsa AAAA not a pem key\n"}),
]  # fmt: skip


@pytest.fixture(scope="module")
def sandboxes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Sandbox]]:
    with ExitStack() as stack:
        yield {
            crm: stack.enter_context(
                running_sandbox(
                    crm, tmp_path_factory.mktemp(crm), data=orgs.render(crm, orgs.known_answers())
                )
            )
            for crm in ("salesforce", "hubspot")
        }


def written(box: Sandbox) -> dict[str, int]:
    return {route: n for route, n in box.calls().items() if any(w in route for w in WRITES)}


def fill(text: str, tmp: Path, box: Sandbox) -> str:
    return text.replace("{tmp}", str(tmp)).replace("{port}", str(box.server.port))


def prepare(case: Bad, box: Sandbox, tmp: Path) -> Path:
    """The case's files, and an env file that works but for what the case breaks."""
    for name, content in case.files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    env = {k: fill(v, tmp, box) for k, v in case.env.items()}
    if case.mapping_edit or case.mapping_of:
        text = default_mapping_path(case.mapping_of or box.crm).read_text()  # type: ignore[arg-type]
        if case.mapping_edit:
            old, new = case.mapping_edit
            assert old in text, f"{case.id}: {old!r} is not in the default mapping"
            text = text.replace(old, new, 1)
        (tmp / "mapping.yaml").write_text(text)
        env.setdefault("MAPPING", str(tmp / "mapping.yaml"))
    return box.env_file(tmp / "run.env", env, state_dir=tmp / "state")


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_a_bad_input_gives_one_clear_message_and_writes_nothing(
    sandboxes: dict[str, Sandbox], case: Bad, tmp_path: Path
) -> None:
    box = sandboxes[case.crm]
    box.admin.reset()
    box.admin.reset_stats()
    env_file = prepare(case, box, tmp_path)
    if case.env_file is not None:
        env_file = Path(fill(case.env_file, tmp_path, box))
    process_env = {k: fill(v, tmp_path, box) for k, v in case.process_env.items()}

    result: CliResult = run(*case.args, env_file=env_file, env=process_env, cwd=tmp_path)

    assert result.exit_code == case.exit_code, result.output
    assert "Traceback" not in result.output
    errors = result.errors()
    assert len(errors) == 1, result.stderr
    message = result.stderr[result.stderr.index(errors[0]) :]
    assert re.search(fill(case.culprit, tmp_path, box), message, re.DOTALL), message
    assert written(box) == {}, "something was written to the CRM"


def test_there_are_at_least_30_bad_inputs() -> None:
    assert len(CASES) >= 30
    assert len({case.id for case in CASES}) == len(CASES)
