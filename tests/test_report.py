"""``sponsorsync report`` on a synced sandbox org: the three formats and their errors, and the HTML
in a real headless browser (Debian's chromium driven by Playwright; .ci/run installs chromium when
it is missing; never ``playwright install``)."""

from __future__ import annotations

import csv
import io
import json
import struct
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.support import orgs
from tests.support.cli import invoke
from tests.support.sandbox import Sandbox, running_sandbox

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
# A name that would run script and fetch a file if the report did not escape what the CRM holds.
HOSTILE = '<img src="x.png" onerror="alert(1)"> Evil & Co'
NAMES = ["Acme Corporation", "Globex", "Initech", "Hooli", HOSTILE]


@pytest.fixture
def synced(tmp_path: Path) -> Iterator[Path]:
    """The known-answers org plus an alliance with a hostile name, after one sync; its env file."""
    org = orgs.known_answers()
    org.accounts.append(orgs.Account("evil", HOSTILE, "mia", "standard", "tom"))
    with running_sandbox("salesforce", tmp_path / "sf", data=orgs.render("salesforce", org)) as box:
        path = _env(box)
        run = invoke("sync", "run", env_file=path)
        assert run.exit_code == 0, run.output
        yield path


def _env(box: Sandbox) -> Path:
    box.settings()
    return box.home / "test.env"


def test_report_formats_owner_and_errors(synced: Path, tmp_path: Path) -> None:
    html = invoke("report", env_file=synced)  # default: ./sponsorsync-report.html (tests run in tmp_path)
    assert html.exit_code == 0, html.output
    assert html.stdout.strip() == "wrote sponsorsync-report.html (html, 5 alliances)"
    page = (tmp_path / "sponsorsync-report.html").read_text(encoding="utf-8")
    assert "&lt;img src=&#34;x.png&#34; onerror=&#34;alert(1)&#34;&gt; Evil &amp; Co" in page
    assert "<img" not in page

    out = tmp_path / "portfolio.csv"
    result = invoke("report", "--format", "csv", "--out", str(out), env_file=synced)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    by_name = {r["alliance"]: r for r in rows}
    assert set(by_name) == set(NAMES)
    acme = by_name["Acme Corporation"]
    # Marcus met Jane 60 days ago; Acme is strategic (every 45 days): amber, not covered.
    assert (acme["sponsor"], acme["counterpart"], acme["health"], acme["covered"]) == (
        "Marcus Reid", "Jane Roe", "amber", "no",
    )  # fmt: skip
    assert acme["touches_365"] == "1"
    assert sum(int(acme[k]) for k in acme if k.startswith("touches_20")) == 1  # the meeting, in its month
    assert by_name["Globex"]["sponsor"] == ""
    assert by_name["Globex"]["open_tasks"] == "1"  # "appoint a sponsor" for Mia

    table = invoke("report", "--format", "table", env_file=synced)
    assert table.exit_code == 0, table.output
    assert "coverage by tier" in table.stdout
    assert "Marcus Reid" in table.stdout
    assert "Tom Becker" in table.stdout  # sponsor of Hooli and of the hostile one

    mine = invoke("report", "--format", "csv", "--owner", "Tom.Becker@northwind.example", "-o", "t.csv",
                  env_file=synced)  # fmt: skip
    assert mine.exit_code == 0, mine.output
    tom = list(csv.DictReader(io.StringIO((tmp_path / "t.csv").read_text(encoding="utf-8"))))
    assert sorted(r["alliance"] for r in tom) == sorted(["Hooli", HOSTILE])

    nobody = invoke("report", "--owner", "nobody@northwind.example", env_file=synced)
    assert nobody.exit_code == 2
    assert nobody.errors() == ["error: No user has the e-mail 'nobody@northwind.example' (--owner)"]
    bad = invoke("report", "--format", "pdf", env_file=synced)
    assert bad.exit_code == 2
    assert "must be html, csv or table" in bad.output
    unwritable = invoke("report", "--out", str(tmp_path / "missing" / "r.html"), env_file=synced)
    assert unwritable.exit_code == 2
    assert unwritable.errors()[0].startswith("error: Cannot write the report to ")


def test_report_before_any_sync_is_a_clear_error(tmp_path: Path) -> None:
    env = tmp_path / "fresh.env"
    env.write_text(f"SPONSORSYNC_CRM=salesforce\nSPONSORSYNC_STATE_DIR={tmp_path / 'state'}\n")
    result = invoke("report", env_file=env)
    assert result.exit_code == 2
    assert result.errors() == [f"error: No sync has run with the state in {tmp_path / 'state'} yet"]
    assert "sponsorsync sync run" in result.stderr
    assert not (tmp_path / "sponsorsync-report.html").exists()
    status = invoke("sync", "status", "--json", env_file=env)
    assert status.exit_code == 0, status.output
    assert (json.loads(status.stdout)["coverage"], json.loads(status.stdout)["scorecards"]) == (None, None)


def _load(page: Page, path: Path) -> tuple[list[str], list[str]]:
    """Open the file; the console errors and uncaught exceptions it caused, and every URL it requested."""
    problems: list[str] = []
    requests: list[str] = []
    page.on(
        "console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: problems.append(f"exception: {e}"))
    page.on("request", lambda r: requests.append(r.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return problems, requests


@pytest.mark.browser
def test_html_report_in_a_real_browser(synced: Path, tmp_path: Path) -> None:
    assert CHROMIUM.exists(), "Debian's chromium is missing: .ci/run installs it (apt-get install chromium)"
    report = tmp_path / "report.html"
    assert invoke("report", "--out", str(report), env_file=synced).exit_code == 0
    broken = tmp_path / "broken.html"
    broken.write_text(
        report.read_text(encoding="utf-8").replace("</body>", "<script>notDefined();</script></body>"),
        encoding="utf-8",
    )
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            problems, requests = _load(page, report)
            assert problems == []
            assert requests == [report.as_uri()]  # the file itself, nothing else (no CDN, no image)
            names = page.locator("#alliances tbody tr td:first-child")
            assert sorted(names.all_inner_texts()) == sorted(NAMES)  # escaped, shown as text

            header = page.locator("#alliances thead th", has_text="Alliance")
            header.click()
            assert names.all_inner_texts() == sorted(NAMES, key=str.casefold)
            assert header.get_attribute("aria-sort") == "ascending"
            header.click()
            assert names.all_inner_texts() == sorted(NAMES, key=str.casefold, reverse=True)
            page.locator("#alliances thead th", has_text="Health").click()
            colours = page.locator("#alliances tbody .pill").all_inner_texts()
            assert colours == sorted(colours, key=["red", "amber", "green"].index)  # worst first
            assert page.locator("#heatmap svg rect").count() == 12 * len(NAMES)
            assert page.locator("#coverage .card").count() == 4  # three tiers and overall

            shot = tmp_path / "report.png"
            page.screenshot(path=str(shot), full_page=True)
            data = shot.read_bytes()
            assert data[:8] == b"\x89PNG\r\n\x1a\n"
            width, height = struct.unpack(">II", data[16:24])
            assert width == 1280
            assert 800 <= height <= 6000
            assert len(data) > 20_000

            # The check above would catch a script error: the same page with one is reported.
            page = browser.new_page()
            problems, _ = _load(page, broken)
            assert any("notDefined" in p for p in problems), problems
        finally:
            browser.close()
