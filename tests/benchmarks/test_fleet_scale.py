"""The fleet benchmark, small: sandbox orgs synced by one and by two worker processes against a real
PostgreSQL. Every org is synced, and two workers get through them faster than one (the runs wait on
the CRM's latency, not on this machine's cores). `python -m benchmarks.fleet` runs the full figure."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.fleet import run_fleet


@pytest.mark.scale
def test_two_workers_sync_more_orgs_per_minute_than_one(tmp_path: Path) -> None:
    # 150 ms per request: the runs wait on the CRM, so a loaded 2-core machine still shows the gain.
    rounds = run_fleet(12, [1, 2], 150.0, Path(tmp_path), lambda _: None)  # a dozen orgs of both CRMs
    assert [(r.workers, r.failed) for r in rounds] == [(1, 0), (2, 0)]
    assert rounds[1].scaling > 1.2, rounds
    assert all(r.worker_rss_mb < 300 for r in rounds), rounds
