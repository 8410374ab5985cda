"""Fixtures for the Salesforce emulator's contract tests: one in-process sandbox per session over the
example org (sandbox/examples/salesforce-small.json), reset before every test, and the
unmodified simple-salesforce SDK pointed at it over HTTPS (SDK-NOTES recipe: a requests.Session with
``trust_env = False`` and ``verify`` = the sandbox CA)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from simple_salesforce.api import Salesforce

import sponsorsync.sandbox
from sponsorsync.sandbox.admin import SandboxAdmin
from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.salesforce import SalesforceEmulator
from sponsorsync.sandbox.salesforce.ids import make_id
from sponsorsync.sandbox.server import SandboxServer

EXAMPLE = Path(sponsorsync.sandbox.__file__).parent / "examples" / "salesforce-small.json"
VERSION = "v59.0"


def trusting_session(ca_path: Path | str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # the environment's REQUESTS_CA_BUNDLE would win over verify (SDK-NOTES S1)
    session.verify = str(ca_path)
    return session


@dataclass
class SfSandbox:
    server: SandboxServer
    emulator: SalesforceEmulator
    admin: SandboxAdmin

    @property
    def url(self) -> str:
        return self.server.base_url

    @property
    def ca_path(self) -> Path:
        return self.server.ca_path

    @property
    def token(self) -> str:
        return self.emulator.access_token

    def client(self, session_id: str | None = None) -> Salesforce:
        session = trusting_session(self.ca_path)
        return Salesforce(instance_url=self.url, session_id=session_id or self.token, session=session)


@dataclass
class Sf:
    """What a test gets: the SDK client, the raw HTTPS session, the admin API and the example's ids."""

    sandbox: SfSandbox
    sdk: Any  # simple_salesforce.Salesforce; Any because its attribute access (sf.Contact...) is dynamic
    http: requests.Session  # bearer-authenticated, for raw status/header/body assertions

    @property
    def admin(self) -> SandboxAdmin:
        return self.sandbox.admin

    @property
    def url(self) -> str:
        return self.sandbox.url

    def id(self, label: str) -> str:
        """The id of the example record with this ``"@id"`` label."""
        return self.sandbox.emulator.labels[label]

    def data(self, path: str) -> str:
        return f"{self.url}/services/data/{VERSION}/{path}"

    def get(self, path: str, **kw: Any) -> requests.Response:
        return self.http.get(self.data(path), timeout=30, **kw)

    def ids(self, soql: str, *, include_deleted: bool = False) -> list[str]:
        return [r["Id"] for r in self.sdk.query_all(soql, include_deleted=include_deleted)["records"]]

    def labels(self, soql: str, *, include_deleted: bool = False) -> list[str]:
        """The example labels of the records a query returns, in the order returned."""
        by_id = {v: k for k, v in self.sandbox.emulator.labels.items()}
        return [by_id.get(i, i) for i in self.ids(soql, include_deleted=include_deleted)]


def missing(prefix: str) -> str:
    """A well-formed id (right prefix and suffix) that no record has."""
    return make_id(prefix, 900_000_000)


def content(error: BaseException) -> Any:
    """The decoded body a SalesforceError carries (SDK-NOTES: JSON, or text when not JSON)."""
    return getattr(error, "content", None)


def start(tmp: Path, data: Path = EXAMPLE) -> SfSandbox:
    clock = Clock()
    emulator = SalesforceEmulator.from_data(clock, data)
    server = SandboxServer(emulator, clock, ca_dir=tmp).start()
    return SfSandbox(server, emulator, SandboxAdmin(server.base_url, server.ca_path))


@pytest.fixture(scope="session")
def salesforce_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SfSandbox]:
    sandbox = start(tmp_path_factory.mktemp("salesforce-sandbox"))
    yield sandbox
    sandbox.admin.close()
    sandbox.server.stop()


@pytest.fixture
def sf(salesforce_session: SfSandbox) -> Iterator[Sf]:
    salesforce_session.admin.reset()
    http = trusting_session(salesforce_session.ca_path)
    http.headers["Authorization"] = f"Bearer {salesforce_session.token}"
    sdk = salesforce_session.client()
    yield Sf(salesforce_session, sdk, http)
    http.close()
    sdk.session.close()
