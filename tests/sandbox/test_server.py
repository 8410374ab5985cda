"""The sandbox server itself, with a toy emulator: TLS, routing, stats, faults, clock, admin API.
The CRM emulators' own contract tests drive the real SDKs (test_salesforce_*.py, test_hubspot_*.py)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from sponsorsync.sandbox.admin import SandboxAdmin
from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.http import Route, SandboxRequest, SandboxResponse
from sponsorsync.sandbox.server import SandboxServer


class ToyEmulator:
    crm = "toy"

    def __init__(self) -> None:
        self.items: list[str] = []
        self.resets = 0
        self.settings: dict[str, Any] = {}
        self.seen_record_faults: list[Any] = []

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/api/{version:v\\d+}/items", self.list_items),
            Route("POST", "/api/{version:v\\d+}/items", self.add_items),
        ]

    def list_items(self, request: SandboxRequest) -> SandboxResponse:
        return SandboxResponse.json(200, {"items": self.items, "version": request.params["version"]})

    def add_items(self, request: SandboxRequest) -> SandboxResponse:
        results = []
        for index, item in enumerate(request.json()["items"]):
            failed = next((f for f in request.record_faults if f.applies_to(index)), None)
            if failed:
                results.append({"ok": False, "error": failed.error_code})
            else:
                self.items.append(item)
                results.append({"ok": True})
        return SandboxResponse.json(201, results)

    def reset(self) -> None:
        self.items.clear()
        self.resets += 1

    def env(self, base_url: str, ca_path: str) -> dict[str, str]:
        return {"TOY_URL": base_url, "TOY_CA": ca_path}

    def error_response(
        self, status: int, error_code: str | None, message: str | None, request: SandboxRequest
    ) -> SandboxResponse:
        return SandboxResponse.json(
            status, [{"errorCode": error_code or "ERR", "message": message or "injected"}]
        )

    def admit(self, request: SandboxRequest) -> SandboxResponse | None:
        if request.header("authorization") != "Bearer good":
            return self.error_response(401, "INVALID_SESSION_ID", "Session expired or invalid", request)
        return None

    def decorate(self, request: SandboxRequest, response: SandboxResponse) -> None:
        response.headers["X-Toy"] = "1"

    def configure(self, settings: dict[str, Any]) -> dict[str, Any]:
        self.settings.update(settings)
        return dict(self.settings)


@pytest.fixture
def toy(tmp_path: Path) -> Iterator[tuple[SandboxServer, ToyEmulator, requests.Session, SandboxAdmin]]:
    emulator = ToyEmulator()
    server = SandboxServer(emulator, Clock(), ca_dir=tmp_path).start()
    session = requests.Session()
    session.trust_env = False
    session.verify = str(server.ca_path)
    session.headers["Authorization"] = "Bearer good"
    admin = SandboxAdmin(server.base_url, server.ca_path)
    yield server, emulator, session, admin
    session.close()
    admin.close()
    server.stop()


def test_serves_https_with_its_own_ca_and_writes_the_ca_pem(toy: Any) -> None:
    server, _, session, _ = toy
    assert server.base_url.startswith("https://127.0.0.1:")
    assert server.ca_path.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert session.get(f"{server.base_url}/api/v1/items").json() == {"items": [], "version": "v1"}
    untrusting = requests.Session()
    untrusting.trust_env = False
    with pytest.raises(requests.exceptions.SSLError):
        untrusting.get(f"{server.base_url}/api/v1/items", timeout=5)


def test_refuses_to_listen_beyond_loopback(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="only listens on loopback"):
        SandboxServer(ToyEmulator(), Clock(), ca_dir=tmp_path, host="0.0.0.0")


def test_a_client_that_never_handshakes_does_not_stall_others(toy: Any) -> None:
    server, _, session, _ = toy
    silent = socket.create_connection(("127.0.0.1", server.port))
    try:
        started = time.monotonic()
        assert session.get(f"{server.base_url}/api/v1/items", timeout=5).status_code == 200
        assert time.monotonic() - started < 2
    finally:
        silent.close()


def test_stats_count_by_route_template_and_status(toy: Any) -> None:
    server, _, session, admin = toy
    session.get(f"{server.base_url}/api/v1/items")
    session.get(f"{server.base_url}/api/v2/items")
    session.post(f"{server.base_url}/api/v1/items", json={"items": ["a"]})
    session.get(f"{server.base_url}/api/v1/nothing")
    session.delete(f"{server.base_url}/api/v1/items")
    session.get(f"{server.base_url}/api/v1/items", headers={"Authorization": "Bearer bad"})
    stats = admin.stats()
    assert stats["total"] == 6
    assert stats["by_route"] == {
        "GET /api/{version}/items": 3,
        "POST /api/{version}/items": 1,
        "GET (unmatched)": 1,
        "DELETE (unmatched)": 1,
    }
    assert stats["by_status"] == {"200": 2, "201": 1, "401": 1, "404": 1, "405": 1}
    admin.reset_stats()
    assert admin.stats()["total"] == 0


def test_unknown_paths_get_the_emulators_error_body(toy: Any) -> None:
    server, _, session, _ = toy
    response = session.get(f"{server.base_url}/api/v1/nothing")
    assert response.status_code == 404
    assert response.json() == [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]
    assert response.headers["X-Toy"] == "1"


def test_error_fault_fires_for_the_next_k_matches_after_skipping_some(toy: Any) -> None:
    server, _, session, admin = toy
    admin.add_faults(
        {"method": "GET", "path": "/api/*/items", "status": 503, "count": 2, "after": 1, "retry_after": 3}
    )
    statuses = [session.get(f"{server.base_url}/api/v1/items").status_code for _ in range(5)]
    assert statuses == [200, 503, 503, 200, 200]
    response = session.post(f"{server.base_url}/api/v1/items", json={"items": []})
    assert response.status_code == 201  # other method: untouched
    (rule,) = admin.faults()
    assert (rule["matched"], rule["fired"]) == (5, 2)


def test_error_fault_carries_retry_after_and_the_crm_body(toy: Any) -> None:
    server, _, session, admin = toy
    admin.add_faults(
        {"path": "re:/items$", "status": 429, "error_code": "REQUEST_LIMIT_EXCEEDED", "retry_after": 7}
    )
    response = session.get(f"{server.base_url}/api/v1/items")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    assert response.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_probability_is_seeded_and_repeatable(tmp_path: Path) -> None:
    def run() -> list[int]:
        with SandboxServer(ToyEmulator(), Clock(), ca_dir=tmp_path, fault_seed=7) as server:
            admin = SandboxAdmin(server.base_url, server.ca_path)
            admin.add_faults({"status": 500, "probability": 0.5})
            session = requests.Session()
            session.trust_env, session.verify = False, str(server.ca_path)
            session.headers["Authorization"] = "Bearer good"
            return [session.get(f"{server.base_url}/api/v1/items").status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second
    assert 3 <= first.count(500) <= 17


def test_drop_closes_the_connection_without_an_answer(toy: Any) -> None:
    server, emulator, session, admin = toy
    admin.add_faults({"method": "POST", "action": "drop", "count": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(f"{server.base_url}/api/v1/items", json={"items": ["lost"]})
    assert emulator.items == []  # dropped before processing
    assert admin.stats()["by_status"] == {"dropped": 1}


def test_drop_response_processes_the_request_but_never_answers(toy: Any) -> None:
    server, emulator, session, admin = toy
    admin.add_faults({"method": "POST", "action": "drop_response", "count": 1})
    with pytest.raises(requests.exceptions.ConnectionError):
        session.post(f"{server.base_url}/api/v1/items", json={"items": ["kept"]})
    assert emulator.items == ["kept"]


def test_delay_fault_slows_the_answer(toy: Any) -> None:
    server, _, session, admin = toy
    admin.add_faults({"action": "delay", "delay_ms": 300, "count": 1})
    started = time.monotonic()
    session.get(f"{server.base_url}/api/v1/items")
    assert time.monotonic() - started >= 0.3
    admin.add_faults({"action": "delay", "delay_ms": 1500, "count": 1})
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.get(f"{server.base_url}/api/v1/items", timeout=0.5)


def test_record_failures_reach_the_handler(toy: Any) -> None:
    server, emulator, session, admin = toy
    admin.add_faults(
        {"method": "POST", "action": "record_failure", "records": [1], "error_code": "UNABLE_TO_LOCK_ROW"}
    )
    results = session.post(f"{server.base_url}/api/v1/items", json={"items": ["a", "b", "c"]}).json()
    assert results == [{"ok": True}, {"ok": False, "error": "UNABLE_TO_LOCK_ROW"}, {"ok": True}]
    assert emulator.items == ["a", "c"]


def test_bad_fault_rules_are_refused_with_the_reason(toy: Any) -> None:
    _, _, _, admin = toy
    with pytest.raises(RuntimeError, match="needs a status"):
        admin.add_faults({"action": "error"})
    with pytest.raises(RuntimeError, match="unknown keys"):
        admin.add_faults({"status": 500, "cuont": 1})


def test_clock_moves_forward_and_shows_in_the_date_header(toy: Any) -> None:
    server, _, session, admin = toy
    before = parsedate_to_datetime(session.get(f"{server.base_url}/api/v1/items").headers["Date"])
    admin.advance_clock(days=30)
    after = parsedate_to_datetime(session.get(f"{server.base_url}/api/v1/items").headers["Date"])
    assert 29.9 <= (after - before).total_seconds() / 86400 <= 30.1


def test_reset_restores_the_emulator_and_clears_faults_and_clock(toy: Any) -> None:
    server, emulator, session, admin = toy
    session.post(f"{server.base_url}/api/v1/items", json={"items": ["x"]})
    admin.add_faults({"status": 500})
    admin.advance_clock(days=3)
    admin.reset()
    assert emulator.items == []
    assert emulator.resets == 1
    assert admin.faults() == []
    assert session.get(f"{server.base_url}/api/v1/items").status_code == 200


def test_config_reaches_the_emulator_and_sets_latency(toy: Any) -> None:
    server, emulator, session, admin = toy
    result = admin.configure(index_lag_ms=500, latency_ms=50)
    assert result == {"latency_ms": 50.0, "index_lag_ms": 500}
    assert emulator.settings == {"index_lag_ms": 500}
    started = time.monotonic()
    session.get(f"{server.base_url}/api/v1/items")
    assert time.monotonic() - started >= 0.05


def test_env_file_is_written_atomically(toy: Any, tmp_path: Path) -> None:
    server, _, _, _ = toy
    target = tmp_path / "env" / "sandbox.env"
    server.write_env_file(target)
    assert target.read_text() == f"TOY_URL={server.base_url}\nTOY_CA={server.ca_path}\n"


def test_delay_response_processes_at_once_and_answers_late(toy: Any) -> None:
    server, emulator, session, admin = toy
    admin.add_faults({"method": "POST", "action": "delay_response", "delay_ms": 1500, "count": 1})
    with pytest.raises(requests.exceptions.ReadTimeout):
        session.post(f"{server.base_url}/api/v1/items", json={"items": ["early"]}, timeout=0.5)
    assert emulator.items == ["early"]  # the write happened before the client gave up
    assert admin.stats()["by_status"] == {"201": 1}
