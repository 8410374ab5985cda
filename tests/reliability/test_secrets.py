"""Secrets never show, and TLS verification is on unless a loudly warned option turns it off.

Every command runs as a real process (`python -m sponsorsync.cli -vv ...`, debug logs and SDK traffic included)
with sentinel secret values arriving by all three routes (the env file, the secrets directory, the
environment), on both CRMs. Salesforce logs in with a password and a security token the sandbox
was told to expect (so the sentinels are the live credentials, and the session ids the sandbox
hands out are secrets too); HubSpot's private-app token is the sandbox's own random one. The
sentinels, and their URL-encoded and base64 forms, must appear nowhere: stdout, stderr (logs in
text and JSON), the error messages of failing runs, and every file of the state directory.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from tests.support import orgs
from tests.support.cli import CliResult, run
from tests.support.sandbox import Sandbox, running_sandbox

SF_PASSWORD = "S3ntinel-sf-password-5c1e"
SF_SECURITY_TOKEN = "S3ntinelSfSecurityToken77"
SF_CONSUMER_SECRET = "S3ntinel-sf-consumer-secret-a9"
UNUSED_SF_ACCESS_TOKEN = "00DS3ntinel!unused-sf-access-token"
UNUSED_HUBSPOT_TOKEN = "pat-na1-S3ntinel-unused-hubspot-token"
WRONG_SF_PASSWORD = "S3ntinel-wrong-sf-password"
WRONG_HUBSPOT_TOKEN = "pat-na1-S3ntinel-wrong-hubspot-token"

COMMANDS = {
    "config-show": ("config", "show"),
    "config-show-json": ("config", "show", "--json"),
    "check": ("check",),
    "mappings-validate-live": ("mappings", "validate", "--live"),
    "mappings-show": ("mappings", "show"),
    "titles-classify": ("titles", "classify", "Chief Executive Officer"),
    "sync-plan": ("sync", "plan"),
    "sync-plan-json": ("sync", "plan", "--json"),
    "sync-run-dry-run": ("sync", "run", "--dry-run"),
    "sync-run": ("sync", "run"),
    "sync-run-json-logs": ("--log-format", "json", "sync", "run", "--json"),
    "sync-status": ("sync", "status"),
    "sync-status-json": ("sync", "status", "--json"),
    "sync-history": ("sync", "history"),
    "sync-explain": ("sync", "explain", "Acme"),
}


@dataclass(frozen=True)
class Failure:
    """A command that must fail without showing a secret."""

    exit_code: int
    env: dict[str, str]  # process environment on top of the working one
    fault: dict[str, object] | None = None


FAILURES = {
    "wrong-credentials": Failure(
        4,
        {
            "SPONSORSYNC_SALESFORCE__PASSWORD": WRONG_SF_PASSWORD,
            "SPONSORSYNC_HUBSPOT__ACCESS_TOKEN": WRONG_HUBSPOT_TOKEN,
        },
    ),
    "crm-keeps-failing": Failure(6, {}, {"status": 500}),
    "misspelt-secret-setting": Failure(2, {"SPONSORSYNC_HUBSPOT__ACCES_TOKEN": WRONG_HUBSPOT_TOKEN}),
    "secret-in-broken-json": Failure(
        2, {"SPONSORSYNC_SALESFORCE": '{"password": "' + WRONG_SF_PASSWORD + '"'}
    ),
    "another-setting-invalid": Failure(2, {"SPONSORSYNC_LIMITS__TIMEOUT_SECONDS": "soon"}),
    "misspelt-secret-in-a-group": Failure(2, {"SPONSORSYNC_SALESFORCE__PASWORD": WRONG_SF_PASSWORD}),
}


@dataclass
class World:
    box: Sandbox
    home: Path
    env_file: Path
    process_env: dict[str, str]
    sentinels: list[str]

    def secrets(self) -> set[str]:
        """The sentinels and every session the sandbox has issued."""
        found = set(self.sentinels)
        if self.box.crm == "salesforce":
            found |= set(self.box.server.emulator.auth.tokens)  # type: ignore[attr-defined]
        return found

    def run(self, *args: str, env: dict[str, str] | None = None) -> CliResult:
        return run("-vv", *args, env_file=self.env_file, env=self.process_env | (env or {}), cwd=self.home)


@pytest.fixture(scope="module", params=["salesforce", "hubspot"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    crm: str = request.param
    home = tmp_path_factory.mktemp(crm)
    with running_sandbox(crm, home / "sandbox", data=orgs.render(crm, orgs.known_answers())) as box:
        secrets_dir = home / "secrets"
        secrets_dir.mkdir()
        process_env = {
            "SPONSORSYNC_SECRETS_DIR": str(secrets_dir),
            "SPONSORSYNC_SALESFORCE__CONSUMER_SECRET": SF_CONSUMER_SECRET,
        }
        env = {
            "SALESFORCE__ACCESS_TOKEN": UNUSED_SF_ACCESS_TOKEN,
            "HUBSPOT__ACCESS_TOKEN": UNUSED_HUBSPOT_TOKEN,
        }
        sentinels = [SF_PASSWORD, SF_SECURITY_TOKEN, SF_CONSUMER_SECRET, UNUSED_SF_ACCESS_TOKEN, WRONG_SF_PASSWORD,
                     WRONG_HUBSPOT_TOKEN]  # fmt: skip
        if crm == "salesforce":
            box.admin.configure(credentials={"password": SF_PASSWORD, "security_token": SF_SECURITY_TOKEN,
                                             "consumer_secret": SF_CONSUMER_SECRET})  # fmt: skip
            env |= {
                "SALESFORCE__AUTH": "password",
                "SALESFORCE__INSTANCE_URL": "",
                "SALESFORCE__DOMAIN": f"127.0.0.1:{box.server.port}/sf",
                "SALESFORCE__USERNAME": "integration@northwind.example",
            }
            (secrets_dir / "SPONSORSYNC_SALESFORCE__PASSWORD").write_text(SF_PASSWORD + "\n")
            (secrets_dir / "sponsorsync_salesforce__security_token").write_text(SF_SECURITY_TOKEN)
            sentinels.append(UNUSED_HUBSPOT_TOKEN)
        else:
            token = box.server.env()["SPONSORSYNC_HUBSPOT__ACCESS_TOKEN"]
            env["HUBSPOT__ACCESS_TOKEN"] = ""  # from the secrets directory instead
            (secrets_dir / "SPONSORSYNC_HUBSPOT__ACCESS_TOKEN").write_text(token)
            (secrets_dir / "SPONSORSYNC_SALESFORCE__PASSWORD").write_text(SF_PASSWORD)
            sentinels += [token, SF_SECURITY_TOKEN]
        world = World(
            box, home, box.env_file(home / "run.env", env, state_dir=home / "state"), process_env, sentinels
        )
        first = world.run("sync", "run")
        assert first.exit_code == 0, first.output
        yield world


def leaks(text: str, secrets: set[str]) -> list[str]:
    """The secrets found in ``text``, as they are or URL-encoded or base64-encoded."""
    found = []
    for secret in secrets:
        forms = {
            secret,
            quote(secret, safe=""),
            quote_plus(secret),
            base64.b64encode(secret.encode()).decode(),
        }
        if any(form in text for form in forms):
            found.append(secret)
    return found


def state_leaks(world: World) -> dict[str, list[str]]:
    found = {}
    for path in (world.home / "state").rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("latin-1")
            if hits := leaks(text, world.secrets()):
                found[path.name] = hits
    return found


@pytest.mark.parametrize("command", COMMANDS, ids=list(COMMANDS))
def test_no_command_shows_a_secret(world: World, command: str) -> None:
    result = world.run(*COMMANDS[command])
    assert result.exit_code == 0, result.output
    assert leaks(result.stdout, world.secrets()) == []
    assert leaks(result.stderr, world.secrets()) == []
    assert state_leaks(world) == {}


@pytest.mark.parametrize("failure", FAILURES, ids=list(FAILURES))
def test_no_failure_shows_a_secret(world: World, failure: str) -> None:
    case = FAILURES[failure]
    if case.fault:
        world.box.admin.add_faults({"method": "GET", **case.fault})
    try:
        result = world.run("sync", "run", env=case.env)
    finally:
        world.box.admin.clear_faults()
    assert result.exit_code == case.exit_code, result.output
    assert len(result.errors()) == 1, result.stderr
    assert leaks(result.stdout, world.secrets()) == []
    assert leaks(result.stderr, world.secrets()) == []
    assert state_leaks(world) == {}


def test_config_show_masks_every_secret_it_read(world: World) -> None:
    shown = world.run("config", "show", "--json").stdout
    for name in ("SPONSORSYNC_SALESFORCE__PASSWORD", "SPONSORSYNC_SALESFORCE__CONSUMER_SECRET",
                 "SPONSORSYNC_HUBSPOT__ACCESS_TOKEN", "SPONSORSYNC_SALESFORCE__ACCESS_TOKEN"):  # fmt: skip
        assert f'"name": "{name}",\n    "value": "********"' in shown


# -- TLS ---------------------------------------------------------------------------------------
TRUST_VARIABLES = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


def test_tls_is_verified_and_the_environment_cannot_loosen_it(world: World, tmp_path: Path) -> None:
    """Without SPONSORSYNC_CA_BUNDLE the sandbox's private CA is not trusted, even when the usual
    environment variables of requests, curl and OpenSSL point at it."""
    ca = str(world.box.server.ca_path)
    env_file = world.box.env_file(tmp_path / "no-ca.env", {"CA_BUNDLE": ""}, state_dir=tmp_path / "state")
    result = run("sync", "run", env_file=env_file, env=dict.fromkeys(TRUST_VARIABLES, ca), cwd=tmp_path)
    assert result.exit_code == 6, result.output
    [error] = result.errors()
    assert "TLS certificate" in error
    assert "could not be verified" in error
    assert "SPONSORSYNC_CA_BUNDLE" in result.stderr  # the hint says how to trust a private CA


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_turning_verification_off_works_only_with_a_loud_warning(
    world: World, tmp_path: Path, log_format: str
) -> None:
    env = {"CA_BUNDLE": "", "INSECURE_SKIP_TLS_VERIFY": "true"}
    env_file = world.box.env_file(tmp_path / "insecure.env", env, state_dir=tmp_path / "state")
    result = run("-q", "--log-format", log_format, "sync", "run", env_file=env_file, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if "TLS CERTIFICATE VERIFICATION IS OFF" in line]
    assert len(warnings) == 1, result.stderr  # once per run, even with -q, not once per request
    assert "SPONSORSYNC_INSECURE_SKIP_TLS_VERIFY" in warnings[0]
    assert "InsecureRequestWarning" not in result.stderr


# -- the demo ----------------------------------------------------------------------------------
def test_the_demo_never_uses_the_host_s_crm_settings(world: World, tmp_path: Path) -> None:
    """On a host whose environment holds the real CRM's settings and secrets (exported for the
    scheduled job), `sponsorsync demo` runs against its own sandbox only: nothing reaches the real
    CRM (here a second sandbox standing in for it), its state is untouched, no secret is shown."""
    crm = world.box.crm
    production = dict(world.box.server.env())  # the real CRM, as exported
    production |= {"SPONSORSYNC_STATE_DIR": str(tmp_path / "production-state"), **world.process_env}
    world.box.admin.reset_stats()

    result = run("demo", "--crm", crm, "--size", "20", "--state-dir", str(tmp_path / "demo"), env=production,
                 cwd=tmp_path)  # fmt: skip

    assert result.exit_code == 0, result.output
    assert world.box.total_calls() == 0, f"the demo sent {world.box.calls()} to the real CRM"
    assert not (tmp_path / "production-state").exists()
    secrets = world.secrets() | {production.get("SPONSORSYNC_SALESFORCE__ACCESS_TOKEN", ""),
                                 production.get("SPONSORSYNC_HUBSPOT__ACCESS_TOKEN", "")} - {""}  # fmt: skip
    assert leaks(result.output, secrets) == []
