"""The first run on an existing portfolio, on both CRMs (real SDKs over HTTPS against a generated
org): a baseline. What the alliance managers should see, written before the run: a briefing task
("Brief <sponsor> on sponsoring <alliance>") for exactly the alliances whose sponsor the CRM's own
field history shows as appointed in the last 30 days (the generated org names a few, eight days
ago), dated from the history, and none for the sponsors who have been in place all along."""

from __future__ import annotations

from pathlib import Path

import pytest

from sponsorsync.mappings.loader import load_mapping
from sponsorsync.sandbox.orggen import generate
from sponsorsync.sync.run import execute
from tests.support.sandbox import running_sandbox

SIZE = 400


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_the_first_run_briefs_only_the_sponsors_the_history_shows_as_recently_appointed(
    crm: str, tmp_path: Path
) -> None:
    org = generate(SIZE, 0)
    active = {u.key for u in org.users if u.active}
    recent = {a.name for a in org.accounts if a.tier and a.sponsor in active and a.sponsor_since is not None}
    assert recent, "the generated org names no recently appointed sponsor"
    with running_sandbox(crm, tmp_path / "sandbox", size=SIZE) as box:
        report = execute(box.settings(), load_mapping(None, crm))  # type: ignore[arg-type]
    briefings = [t for t in [*report.plan.tasks, *report.plan.held_back] if t.rule == "new_sponsor"]
    assert {t.subject.split(" on sponsoring ", 1)[1] for t in briefings} == recent
    for task in briefings:
        appointed = report.plan.memory[task.alliance_id].seen_on
        assert (report.today - appointed).days == 8
        assert "became the executive sponsor of" in task.body
        assert f"on {appointed.isoformat()}" in task.body
    assert report.counts()["history_asked"] > len(recent)  # every sponsored alliance was asked about
