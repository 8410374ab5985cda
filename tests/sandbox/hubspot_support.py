"""Fixtures for the HubSpot emulator's contract tests: one in-process sandbox per session over the
example portal (sandbox/examples/hubspot-small.json), reset before every test, and the
unmodified hubspot-api-client pointed at it over HTTPS.

The SDK client is built with ``retry=Retry(0)``: urllib3 would otherwise retry some 429s and GET
timeouts by itself (SDK-NOTES), and these tests count requests and assert on single answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest
import requests
from hubspot import HubSpot
from urllib3.util.retry import Retry

import sponsorsync.sandbox
from sponsorsync.sandbox.admin import SandboxAdmin
from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.hubspot import HubSpotEmulator
from sponsorsync.sandbox.server import SandboxServer
from tests.support.sandbox import UNLIMITED

EXAMPLE = Path(sponsorsync.sandbox.__file__).parent / "examples" / "hubspot-small.json"


class Apis:
    """The SDK's generated APIs, each cached (SDK-NOTES H-1: one connection instead of one per call)."""

    def __init__(self, client: HubSpot) -> None:
        self.client = client

    @cached_property
    def objects(self) -> Any:
        return self.client.crm.objects.basic_api

    @cached_property
    def batch(self) -> Any:
        return self.client.crm.objects.batch_api

    @cached_property
    def search(self) -> Any:
        return self.client.crm.objects.search_api

    @cached_property
    def contacts(self) -> Any:
        return self.client.crm.contacts.basic_api

    @cached_property
    def owners(self) -> Any:
        return self.client.crm.owners.owners_api

    @cached_property
    def properties(self) -> Any:
        return self.client.crm.properties.core_api

    @cached_property
    def associations(self) -> Any:
        return self.client.crm.associations.v4.basic_api

    @cached_property
    def association_batch(self) -> Any:
        return self.client.crm.associations.v4.batch_api


@dataclass
class Sandbox:
    server: SandboxServer
    emulator: HubSpotEmulator
    admin: SandboxAdmin
    api: Apis
    http: requests.Session  # plain HTTPS with the token, for raw-body assertions

    @property
    def url(self) -> str:
        return self.server.base_url

    @property
    def now(self) -> datetime:
        return self.emulator.seed.now

    def id(self, label: str) -> str:
        """The id the example file's ``"@id": label`` received."""
        return self.emulator.seed.labels[label]

    def client(self, **kwargs: Any) -> HubSpot:
        options: dict[str, Any] = {"access_token": self.emulator.access_token, "retry": Retry(0)}
        options.update(kwargs)
        return HubSpot(host=self.url, ssl_ca_cert=str(self.server.ca_path), **options)

    def raw(self, method: str, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
        return self.http.request(method, self.url + path, json=body, timeout=30, **kwargs)


def start_sandbox(emulator: HubSpotEmulator, clock: Clock, ca_dir: Path) -> Sandbox:
    server = SandboxServer(emulator, clock, ca_dir=ca_dir, settings=UNLIMITED["hubspot"]).start()
    http = requests.Session()
    http.trust_env = False  # REQUESTS_CA_BUNDLE would override verify (SDK-NOTES S1)
    http.verify = str(server.ca_path)
    http.headers["Authorization"] = f"Bearer {emulator.access_token}"
    admin = SandboxAdmin(server.base_url, server.ca_path)
    sandbox = Sandbox(server, emulator, admin, Apis(HubSpot()), http)
    sandbox.api = Apis(sandbox.client())
    return sandbox


def stop_sandbox(sandbox: Sandbox) -> None:
    sandbox.http.close()
    sandbox.admin.close()
    sandbox.server.stop()


@pytest.fixture(scope="session")
def hubspot_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    clock = Clock()
    sandbox = start_sandbox(HubSpotEmulator.from_data(clock, EXAMPLE), clock, tmp_path_factory.mktemp("hs"))
    yield sandbox
    stop_sandbox(sandbox)


@pytest.fixture
def hs(hubspot_session: Sandbox) -> Sandbox:
    """The example portal, freshly reset (records, clock, faults, settings, rate windows)."""
    hubspot_session.admin.reset()
    hubspot_session.admin.reset_stats()
    return hubspot_session


def body_of(error: Any) -> dict[str, Any]:
    """The JSON body of an SDK ApiException (its ``.body`` is the raw text)."""
    loaded: dict[str, Any] = json.loads(error.body)
    return loaded
