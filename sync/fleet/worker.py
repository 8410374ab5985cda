"""The fleet's workers, on Procrastinate (a task queue in the same PostgreSQL database).

- ``sponsorsync.tick`` (periodic, every 15 s, deferred once per period whatever the number of workers):
  the orgs whose next run is due (each offset by its own jitter) get a ``sponsorsync.sync_org`` job.
- ``sponsorsync.sync_org``: one org's ``sponsorsync sync run``, as a child process with the org's own
  env file (its secrets never pass through the worker or the database). Each job carries the org's
  name as Procrastinate's queueing lock (at most one waiting job per org) and lock (at most one
  running); the child's advisory lock on the org's state is the last guard. The child dies with
  its worker (``PR_SET_PDEATHSIG``), so a killed worker leaves no run behind holding the lock.
- ``sponsorsync.retry_stalled`` (periodic, every 5 s): jobs of a worker that stopped sending heartbeats
  (killed, machine lost) go back to the queue; the org's ledger makes the new run safe (a task
  already written is found by its sync key, never written twice).

Exit codes decide what follows a run (:func:`sync.fleet.schedule.outcome_of`).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import sys
from typing import Any

import procrastinate
from procrastinate import exceptions as pc_exceptions
from procrastinate.jobs import Job
from procrastinate.retry import BaseRetryStrategy, RetryDecision
from procrastinate.schema import SchemaManager

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.sync.fleet.registry import Registry
from sponsorsync.sync.fleet.schedule import backoff, outcome_of

log = logging.getLogger(__name__)

SYNC_TASK = "sponsorsync.sync_org"
MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = int(os.environ.get("SPONSORSYNC_FLEET_RETRY_SECONDS", "60"))


class RetryableExit(Exception):
    """A run ended with an exit code worth trying again later (3, 6, or the run was killed)."""


class FlaggedExit(Exception):
    """A run ended with an exit code a person must act on (2, 4): not retried, flagged."""


class ExitCodeRetry(BaseRetryStrategy):
    def __init__(self, base: int, max_attempts: int) -> None:
        self.base = base
        self.max_attempts = max_attempts

    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, RetryableExit) or job.attempts + 1 >= self.max_attempts:
            return None
        return RetryDecision(retry_in={"seconds": backoff(job.attempts, self.base)})


def _die_with_parent() -> None:
    """In the child: the kernel kills it when the worker dies (Linux); elsewhere nothing."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def child_environment(url: str, org: str, mapping: str | None) -> dict[str, str]:
    """The worker's environment without its SPONSORSYNC_ settings (one org's must never leak into
    another's run), plus where the org's state is."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("SPONSORSYNC_")}
    env |= {"SPONSORSYNC_STATE_URL": url, "SPONSORSYNC_ORG": org}
    if mapping:
        env["SPONSORSYNC_MAPPING"] = mapping
    return env


def run_org(url: str, org: str, job_id: int | None, attempt: int) -> int:
    """One run of ``org``: its exit code, recorded in the registry."""
    with Registry(url) as registry:
        try:
            entry = registry.get(org)
        except ConfigError:
            log.warning("org %s is no longer in the fleet: its job is dropped", org)
            return 0
        run = registry.started(org, job_id, attempt)
    argv = [
        sys.executable,
        "-m",
        "sponsorsync.cli",
        "--env-file",
        entry.env_file,
        "--log-format",
        "json",
        "sync",
        "run",
    ]
    log.info("org %s: run starts (job %s, attempt %d)", org, job_id, attempt + 1)
    child = subprocess.run(
        argv, env=child_environment(url, org, entry.mapping), preexec_fn=_die_with_parent, check=False
    )
    outcome = outcome_of(child.returncode)
    with Registry(url) as registry:
        registry.ended(run, org, child.returncode, outcome.action, outcome.why)
    log.info("org %s: run ended with exit %d (%s)", org, child.returncode, outcome.why)
    if outcome.action == "retry":
        raise RetryableExit(f"org {org}: exit {child.returncode} ({outcome.why})")
    if outcome.action == "flag":
        raise FlaggedExit(f"org {org}: exit {child.returncode} ({outcome.why})")
    return child.returncode


def make_app(url: str, *, stalled_after: float = 30.0) -> procrastinate.App:
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=url))

    @app.task(
        name=SYNC_TASK,
        pass_context=True,
        retry=ExitCodeRetry(RETRY_BASE_SECONDS, MAX_ATTEMPTS),
    )
    def sync_org(context: procrastinate.JobContext, org: str) -> None:
        run_org(url, org, context.job.id, context.job.attempts)

    @app.periodic(cron="* * * * * */15", periodic_id="tick")
    @app.task(name="sponsorsync.tick", queueing_lock="sponsorsync.tick")
    def tick(timestamp: int) -> None:  # noqa: ARG001 - Procrastinate passes the period's time
        with Registry(url) as registry:
            due = registry.claim_due()
        for org in due:
            defer_run(app, org)

    @app.periodic(cron="* * * * * */5", periodic_id="stalled")
    @app.task(name="sponsorsync.retry_stalled", queueing_lock="sponsorsync.retry_stalled")
    async def retry_stalled(timestamp: int) -> None:  # noqa: ARG001
        for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after):
            log.warning("job %s (%s) lost its worker: back in the queue", job.id, job.task_kwargs)
            await app.job_manager.retry_job(job)

    return app


def defer_run(app: procrastinate.App, org: str) -> int | None:
    """Queue a run of ``org`` now; None when one is already waiting."""
    task: Any = app.tasks[SYNC_TASK]
    try:
        job_id: int = task.configure(lock=f"org:{org}", queueing_lock=f"org:{org}").defer(org=org)
    except pc_exceptions.AlreadyEnqueued:
        return None
    return job_id


def ensure_queue_schema(url: str) -> None:
    """Create Procrastinate's tables once (two workers starting together create them once)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtextextended('sponsorsync migrate', 0))")
        row = conn.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
        if row is None or row[0] is None:
            conn.execute(SchemaManager.get_schema())
