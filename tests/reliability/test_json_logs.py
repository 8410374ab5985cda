"""`--log-format json`: every line sponsorsync writes to stderr is one JSON object (log records,
retry warnings, `error:` messages with their hint and exit code, library warnings, tracebacks of
a bug, usage errors), progress bars are never drawn even on a terminal, and stdout stays empty
unless a summary (`--summary`) or the result (`--json`) is asked for. Real runs of the command
against the sandbox, successful and failing."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from sponsorsync.commands.base import Group
from sponsorsync.sync.logs import configure_logging
from tests.support import orgs
from tests.support.cli import ROOT, CliResult, child_env, run
from tests.support.sandbox import Sandbox, running_sandbox


@pytest.fixture(scope="module")
def box(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    data = orgs.render("salesforce", orgs.known_answers())
    with running_sandbox("salesforce", tmp_path_factory.mktemp("sf"), data=data) as sandbox:
        yield sandbox


@pytest.fixture(autouse=True)
def fresh(box: Sandbox) -> None:
    box.admin.reset()
    box.admin.reset_stats()


def records(stderr: str) -> list[dict[str, Any]]:
    """Every stderr line as JSON; fails on the first line that is not a JSON object."""
    parsed = []
    for line in stderr.splitlines():
        line = line.rstrip("\r")
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"not JSON: {line!r}\n--- stderr ---\n{stderr}")
        assert isinstance(record, dict), line
        assert {"ts", "level", "logger", "msg"} <= set(record), line
        parsed.append(record)
    assert parsed, "nothing was logged"
    return parsed


def run_on_a_terminal(*args: str, env_file: Path) -> CliResult:
    """The command with stderr on a pseudo-terminal (where progress bars would be drawn)."""
    primary, secondary = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "sponsorsync.cli", "--env-file", str(env_file), *args],
        cwd=ROOT,
        env=child_env({"TERM": "xterm-256color", "COLUMNS": "120"}),
        stdout=subprocess.PIPE,
        stderr=secondary,
        text=True,
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    out = child.stdout.read() if child.stdout else ""
    child.wait(timeout=120)
    return CliResult(child.returncode, out, b"".join(chunks).decode())


def test_a_successful_run_on_a_terminal_logs_only_json(box: Sandbox, tmp_path: Path) -> None:
    env_file = box.env_file(tmp_path / "run.env", state_dir=tmp_path / "state")

    result = run_on_a_terminal("--log-format", "json", "sync", "run", env_file=env_file)

    assert result.exit_code == 0, result.output
    logged = records(result.stderr)
    assert "\x1b" not in result.stderr, "no progress bars or colours in JSON mode"
    assert result.stdout == "", "the human summary is printed only when asked for"
    [finished] = [r for r in logged if r["msg"] == "run finished"]
    assert finished["exit_code"] == 0
    assert finished["outcome"] == "ok"
    assert finished["counts"]["created"] > 0
    assert finished["event"] == "run_summary"
    assert finished["run_id"] == 1
    assert finished["api_calls"] == box.total_calls()
    assert finished["seconds"] > 0
    assert logged[-1] is finished, "the summary is the run's last line"
    assert any(r["msg"] == "pull finished" and r["object"] == "contacts:Contact" for r in logged)


def test_the_summary_goes_to_stdout_when_asked(box: Sandbox, tmp_path: Path) -> None:
    env_file = box.env_file(tmp_path / "run.env", state_dir=tmp_path / "state")

    result = run("--log-format", "json", "sync", "run", "--summary", env_file=env_file)

    assert result.exit_code == 0, result.output
    records(result.stderr)
    assert "tasks and alerts by rule" in result.stdout
    as_json = run("--log-format", "json", "sync", "run", "--json", env_file=env_file)
    records(as_json.stderr)
    assert isinstance(json.loads(as_json.stdout), dict)


def test_a_failing_run_logs_only_json(box: Sandbox, tmp_path: Path) -> None:
    box.admin.add_faults(
        {"method": "GET", "path": "*/queryAll*", "status": 503, "count": 1},
        {"method": "PATCH", "preset": "salesforce_daily_limit"},
    )
    env_file = box.env_file(tmp_path / "run.env", state_dir=tmp_path / "state")

    result = run("--log-format", "json", "sync", "run", env_file=env_file)

    assert result.exit_code == 3, result.output
    logged = records(result.stderr)
    assert result.stdout == ""
    assert any(r["level"] == "warning" and r["logger"] == "sponsorsync.connectors.retry" for r in logged)
    [error] = [r for r in logged if r["level"] == "error"]
    assert "REQUEST_LIMIT_EXCEEDED" in error["msg"]
    assert error["exit_code"] == 3
    assert "run again" in error["hint"]
    finished = logged[-1]  # the summary comes last, after the error line
    assert finished["msg"] == "run finished", logged
    assert finished["event"] == "run_summary"
    assert finished["outcome"] == "failed"
    assert finished["exit_code"] == 3
    assert finished["run_id"] == 1
    assert finished["api_calls"] == box.total_calls()
    assert set(finished["counts"]) == {"written", "rejected"}
    assert "REQUEST_LIMIT_EXCEEDED" in finished["error"]


def test_a_run_refused_before_it_starts_has_a_summary_too(box: Sandbox, tmp_path: Path) -> None:
    mapping = tmp_path / "broken.yaml"
    mapping.write_text("version: 1\ncrm: salesforce\n")
    env_file = box.env_file(tmp_path / "run.env", {"MAPPING": str(mapping)}, state_dir=tmp_path / "state")

    result = run("--log-format", "json", "sync", "run", env_file=env_file)

    assert result.exit_code == 2, result.output
    logged = records(result.stderr)
    finished = logged[-1]
    assert finished["msg"] == "run finished", logged
    assert (finished["outcome"], finished["exit_code"], finished["run_id"]) == ("failed", 2, None)
    assert finished["api_calls"] == 0
    assert box.total_calls() == 0


def test_a_usage_error_is_json_too(box: Sandbox, tmp_path: Path) -> None:
    env_file = box.env_file(tmp_path / "run.env", state_dir=tmp_path / "state")

    result = run("--log-format", "json", "sync", "run", "--max-api-calls", "0", env_file=env_file)

    assert result.exit_code == 2, result.output
    [error] = records(result.stderr)
    assert "--max-api-calls" in error["msg"]
    assert error["exit_code"] == 2


def test_a_library_warning_is_a_json_record() -> None:
    code = (
        "import warnings\n"
        "from sponsorsync.sync.logs import configure_logging\n"
        "configure_logging('json', 0)\n"
        "warnings.warn('something a library says', DeprecationWarning, stacklevel=1)\n"
    )
    child = subprocess.run(
        [sys.executable, "-W", "always", "-c", code],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    [record] = records(child.stderr)
    assert record["logger"] == "py.warnings"
    assert "something a library says" in record["msg"]


def test_the_traceback_of_a_bug_is_a_field_of_one_json_record() -> None:
    app = typer.Typer(cls=Group)

    @app.callback()
    def main() -> None:
        configure_logging("json", 1)  # -v: the traceback is logged

    @app.command()
    def broken() -> None:
        raise RuntimeError("something nobody expected")

    result = CliRunner().invoke(app, ["broken"])

    assert result.exit_code == 70, result.output
    logged = records(result.stderr)
    [trace] = [r for r in logged if "exc" in r]
    assert "Traceback" in trace["exc"]
    assert "RuntimeError" in trace["exc"]
    [error] = [r for r in logged if r["level"] == "error" and "exit_code" in r]
    assert error["msg"] == "internal error: RuntimeError"
    assert error["exit_code"] == 70
