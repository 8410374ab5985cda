"""Crash and resume with Salesforce's large pulls going through Bulk API 2.0 (the threshold lowered
so that the generated org's tasks take that way): `sponsorsync sync run` SIGKILLed while a job's
pages are stored, then run again, leaves exactly what a run nobody killed leaves (the checks of
tests/sync/test_crash.py). A bulk page keeps the first REST page's cursor, so a resumed run reads
from there again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.sandbox import Sandbox, running_sandbox
from tests.sync.test_crash import SIZE, KillPoint, World, call, crash_day_two, crash_first_run

BULK = {"SALESFORCE__BULK_THRESHOLD": "500"}
CREATE_JOB = "POST /services/data/{version}/jobs/query{slash}"


class BulkWorld(World):
    def env_file(self, home: Path) -> Path:
        return self.box.env_file(
            home / "run.env", {"MAPPING": str(self.mapping), **BULK}, state_dir=home / "state"
        )


@pytest.fixture(scope="module")
def bulk_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BulkWorld]:
    home = tmp_path_factory.mktemp("salesforce-bulk")
    with running_sandbox("salesforce", home / "sandbox", size=SIZE["salesforce"]) as box:
        box.admin.configure(bulk_job_seconds=0)
        yield BulkWorld(box, home)


def jobs(box: Sandbox) -> int:
    return box.calls().get(CREATE_JOB, 0)


@pytest.mark.parametrize(
    "point",
    [
        call("sponsorsync.sync.pull:_store_page", 3),  # bulk pages in hand
        call("sponsorsync.connectors.salesforce_bulk:BulkQuery._wait", 1),  # the job created, still running
        # a bulk page stored, its (held) cursor not yet; an object complete, its sweep not recorded
        pytest.param(call("sponsorsync.sync.store:StateStore.save_cursor", 4), marks=pytest.mark.scale),
        pytest.param(call("sponsorsync.sync.pull:_finish", 2), marks=pytest.mark.scale),
    ],
    ids=["store_page-3", "wait-1", "save_cursor-4", "finish-2"],
)
def test_a_first_run_killed_during_a_bulk_pull_resumes_without_duplicates_or_losses(
    bulk_world: BulkWorld, tmp_path: Path, point: KillPoint
) -> None:
    bulk_world.box.admin.configure(bulk_job_seconds=0)
    bulk_world.box.admin.reset_stats()
    crash_first_run(bulk_world, tmp_path, point)
    assert jobs(bulk_world.box) >= 1  # the pulls did go through Bulk API 2.0


@pytest.mark.scale
def test_a_day_two_run_killed_during_a_bulk_pull_resumes(bulk_world: BulkWorld, tmp_path: Path) -> None:
    bulk_world.box.admin.configure(bulk_job_seconds=0)
    crash_day_two(bulk_world, tmp_path, call("sponsorsync.sync.store:StateStore.save_cursor", 3))
