"""The commands a user runs, as a user runs them: the console entry point in a subprocess (exit
codes, stdout, stderr, signals) against the sandbox, over HTTPS."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from markupsafe import escape

from tests.support import orgs
from tests.support.sandbox import Sandbox, running_sandbox

ROOT = Path(__file__).resolve().parent.parent


def sponsorsync(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPONSORSYNC_")}
    return subprocess.run(
        [sys.executable, "-m", "sponsorsync.cli", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_demo_syncs_twice_and_writes_nothing_the_second_time(crm: str, tmp_path: Path) -> None:
    result = sponsorsync(
        "demo", "--crm", crm, "--size", "120", "--state-dir", str(tmp_path / "demo"), cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.count(f"on {crm}: ok") == 2
    assert "nothing new to write: the CRM already holds the plan" in out
    assert "sync explain" in out
    assert "Traceback" not in result.stderr
    # Paced to the limits the sandbox enforces (HubSpot's, by default): a new user's first run is
    # never shown the CRM refusing calls.
    # (As a status: the sandbox's random port, 127.0.0.1:42911, is not one.)
    assert not re.search(r"(?<![\d.:])429(?!\d)", result.stdout + result.stderr)
    assert "WARNING" not in result.stdout + result.stderr
    env_file = tmp_path / "demo" / crm / "sandbox.env"
    status = sponsorsync("--env-file", str(env_file), "sync", "status", "--json", cwd=ROOT)
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["last_run"]["outcome"] == "ok"
    assert data["ledger"]["task:open"] > 0
    # The demo ends with the path of its portfolio report, written from the state it leaves.
    report = Path(out.strip().splitlines()[-1])
    assert report == (tmp_path / "demo" / crm / "sponsorsync-report.html").resolve()
    html = report.read_text(encoding="utf-8")
    alliances = data["last_run"]["counts"]["alliances"]
    assert html.count('<td class="health"') == alliances  # one row per alliance
    assert data["coverage"]["overall"]["alliances"] == alliances
    assert data["scorecards"]
    assert all(str(escape(card["name"])) in html for card in data["scorecards"])
    assert data["mirror"]["opportunities"] > 0  # the demo org's partner pipeline, pulled and counted
    assert data["mirror"]["cases"] > 0
    history = sponsorsync("--env-file", str(env_file), "sync", "history", cwd=ROOT)
    assert history.returncode == 0, history.stderr
    assert history.stdout.count(" run ") >= 2


def test_sandbox_serve_announces_itself_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    env_file = tmp_path / "sandbox.env"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPONSORSYNC_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "sponsorsync.cli", "sandbox", "serve", "--crm", "hubspot", "--size", "40", "--env-file", str(env_file)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not env_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert env_file.exists(), "the sandbox never wrote its env file"
        settings = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
        assert settings["SPONSORSYNC_CRM"] == "hubspot"
        assert settings["SPONSORSYNC_HUBSPOT__BASE_URL"].startswith("https://127.0.0.1:")
        assert Path(settings["SPONSORSYNC_CA_BUNDLE"]).read_text().startswith("-----BEGIN CERTIFICATE-----")
        check = sponsorsync("--env-file", str(env_file), "check", cwd=tmp_path)
        assert check.returncode == 0, check.stderr
        assert "mapping: 10 objects and every mapped field exist" in check.stdout
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
    assert server.returncode == 0, err
    assert "ready at https://127.0.0.1:" in out
    assert "SPONSORSYNC_HUBSPOT__ACCESS_TOKEN=" in out
    assert "sandbox stopped" in out


@pytest.fixture
def box(tmp_path: Path) -> Iterator[Sandbox]:
    with running_sandbox(
        "salesforce", tmp_path / "sf", data=orgs.render("salesforce", orgs.known_answers())
    ) as sandbox:
        yield sandbox


def env_file(box: Sandbox, **extra: str) -> Path:
    box.settings(**extra)
    return box.home / "test.env"


def test_sync_run_plan_explain_and_budget(box: Sandbox, tmp_path: Path) -> None:
    path = env_file(box)
    plan = sponsorsync("--env-file", str(path), "sync", "plan", cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr
    assert "Appoint an executive sponsor for Globex" in plan.stdout
    assert "Mia Manager" in plan.stdout

    run = sponsorsync("--env-file", str(path), "sync", "run", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    # The known-answers org's first run, a baseline: Globex, Initech and Hooli alerts for Mia, the
    # Acme touch for Marcus; no "new sponsor" briefings for sponsors in place all along.
    assert result["counts"]["created"] == 4
    assert result["counts"]["first_run"] is True
    assert result["exit_code"] == 0

    explain = sponsorsync("--env-file", str(path), "sync", "explain", "acme", cwd=tmp_path)
    assert explain.returncode == 0, explain.stderr
    assert "sponsor: Marcus Reid, Chief Technology Officer" in explain.stdout
    assert "counterpart: Jane Roe, Chief Technology Officer" in explain.stdout
    assert "health: amber" in explain.stdout

    unknown = sponsorsync("--env-file", str(path), "sync", "explain", "nothing-like-it", cwd=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("error: No alliance matches 'nothing-like-it'")

    budget = sponsorsync(
        "--env-file", str(path), "sync", "run", "--full", "--max-api-calls", "2", cwd=tmp_path
    )
    assert budget.returncode == 3, budget.stderr
    assert "limit of 2 API calls" in budget.stderr
    assert "Traceback" not in budget.stderr


def test_rejected_records_exit_1_and_are_listed(box: Sandbox, tmp_path: Path) -> None:
    box.admin.add_faults(
        {"method": "PATCH", "path": "*/composite/sobjects/Task/*", "action": "record_failure", "records": [0],
         "error_code": "FIELD_CUSTOM_VALIDATION_EXCEPTION", "message": "Due date must be a weekday", "count": 1}
    )  # fmt: skip
    path = env_file(box)
    run = sponsorsync("--env-file", str(path), "sync", "run", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert "1 records rejected by the CRM" in run.stdout
    status = sponsorsync("--env-file", str(path), "sync", "status", cwd=tmp_path)
    assert "FIELD_CUSTOM_VALIDATION_EXCEPTION Due date must be a weekday" in status.stdout
    again = sponsorsync("--env-file", str(path), "sync", "run", "--json", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["counts"]["created"] == 1  # the rejected one, retried
    assert (
        "rejected records waiting for the next run: 0"
        in sponsorsync("--env-file", str(path), "sync", "status", cwd=tmp_path).stdout
    )
