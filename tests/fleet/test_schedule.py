"""The fleet's pure decisions: periods, jitter, and what each exit code asks for."""

from __future__ import annotations

import pytest
from procrastinate.jobs import Job

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.sync.fleet.schedule import backoff, format_every, jitter, outcome_of, parse_every
from sponsorsync.sync.fleet.worker import ExitCodeRetry, FlaggedExit, RetryableExit


def test_periods_parse_and_print_back() -> None:
    assert [parse_every(t) for t in ("30m", "1h", " 6h ", "1d", "90s")] == [1800, 3600, 21600, 86400, 90]
    assert [format_every(s) for s in (1800, 3600, 86400, 90)] == ["30m", "1h", "1d", "90s"]
    with pytest.raises(ConfigError, match="not a period"):
        parse_every("hourly")
    with pytest.raises(ConfigError, match="shorter than a minute"):
        parse_every("10s")


def test_jitter_is_stable_per_org_spread_across_orgs_and_bounded() -> None:
    offsets = {jitter(f"org{i}", 3600) for i in range(50)}
    assert all(0 <= j < 360 for j in offsets)
    assert len(offsets) > 30  # fifty orgs added together do not start together
    assert jitter("acme", 3600) == jitter("acme", 3600)
    assert max(jitter(f"org{i}", 86400) for i in range(50)) < 600  # at most ten minutes


@pytest.mark.parametrize(
    ("code", "action"),
    [(0, "done"), (1, "done"), (2, "flag"), (3, "retry"), (4, "flag"), (5, "skip"), (6, "retry"),
     (7, "flag"), (70, "flag"), (143, "retry"), (-9, "retry")],
)  # fmt: skip
def test_each_exit_code_decides_what_follows(code: int, action: str) -> None:
    assert outcome_of(code).action == action


def _job(attempts: int) -> Job:
    return Job(id=1, queue="default", lock=None, queueing_lock=None, task_name="t", attempts=attempts)


def test_retries_back_off_and_stop_and_flagged_runs_are_not_retried() -> None:
    strategy = ExitCodeRetry(base=60, max_attempts=5)
    waits = [strategy.get_retry_decision(exception=RetryableExit("x"), job=_job(n)) for n in range(5)]
    assert [d is not None and d.retry_at is not None for d in waits[:4]] == [True] * 4
    assert waits[4] is None  # the fifth attempt was the last
    assert [backoff(n, 60) for n in range(8)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert strategy.get_retry_decision(exception=FlaggedExit("x"), job=_job(0)) is None
    assert strategy.get_retry_decision(exception=ValueError("bug"), job=_job(0)) is None
