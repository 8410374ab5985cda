"""The progress a person watching a long sync sees on a terminal, and what a run tells it: how
many records each pull will read, where the CRM says so before the pull ends."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest

from sponsorsync.connectors.base import CrmName
from sponsorsync.mappings.loader import load_mapping
from sponsorsync.sync.progress import count_text, progress_for
from sponsorsync.sync.run import Progress, execute
from tests.support.sandbox import running_sandbox


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _screen(stream: io.StringIO) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", stream.getvalue())


def test_a_pull_whose_size_the_crm_said_shows_how_far_it_has_come() -> None:
    terminal = _Terminal()
    with progress_for(terminal) as progress:
        assert progress.expected is not None
        assert progress.pulled is not None
        progress.expected("activities:Task", 852_971)
        progress.pulled("activities:Task", 312_000, False)
        progress.pulled("contacts:Contact", 4_000, False)  # no count given: the records so far
    screen = _screen(terminal)
    assert "pull activities:Task" in screen
    assert "312,000 of 852,971 records" in screen
    assert "4,000 records" in screen
    assert "4,000 of" not in screen


def test_the_counts_read() -> None:
    assert count_text(312_000, 852_971) == "312,000 of 852,971 records"
    assert count_text(12, None) == "12 records"


def test_without_a_terminal_a_long_pull_is_logged_as_it_goes(caplog: pytest.LogCaptureFixture) -> None:
    """A scheduler's log shows a long first sync moving: a pull's records so far (out of how many,
    where known) at most every 30 s, then once when it finishes."""
    now = [0.0]
    caplog.set_level(logging.INFO, logger="sponsorsync.progress")
    with progress_for(io.StringIO(), clock=lambda: now[0]) as progress:
        assert progress.expected is not None
        assert progress.pulled is not None
        progress.expected("activities:Task", 852_971)
        for second, records in ((0, 2_000), (10, 40_000), (31, 120_000), (45, 200_000), (62, 312_000)):
            now[0] = second
            progress.pulled("activities:Task", records, False)
            progress.pulled("contacts:Contact", records // 10, False)  # no count given
        progress.pulled("activities:Task", 852_971, True)
    lines = [r.getMessage() for r in caplog.records]
    assert lines == [
        "pulling activities:Task: 120,000 of 852,971 records",
        "pulling contacts:Contact: 12,000 records",
        "pulling activities:Task: 312,000 of 852,971 records",
        "pulling contacts:Contact: 31,200 records",
        "pull finished",
    ]
    assert caplog.records[0].__dict__["expected"] == 852_971


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_a_first_run_says_each_pulls_size_before_it_ends(crm: CrmName, tmp_path: Path) -> None:
    """Salesforce: every query's first page (totalSize); HubSpot: the count taken before a full
    pull (every object but the owners, which are listed whole in one go)."""
    heard: list[tuple[str, str, int]] = []  # (what, source key, records), in the order heard
    progress = Progress(
        pulled=lambda key, n, done: heard.append(("finished" if done else "stored", key, n)),
        expected=lambda key, n: heard.append(("expected", key, n)),
    )
    with running_sandbox(crm, tmp_path / "sandbox", size=400) as box:
        report = execute(box.settings(), load_mapping(None, crm), mode="run", progress=progress)
    assert report.exit_code == 0
    pulled = {
        key: n for key, n in report.pull.records.items() if crm == "salesforce" or key != "users:owners"
    }
    expected = {key: n for what, key, n in heard if what == "expected"}
    assert len(pulled) >= 8
    assert expected == pulled
    for key in pulled:
        said = heard.index(("expected", key, pulled[key]))
        assert said < heard.index(("finished", key, pulled[key]))  # while the pull ran
