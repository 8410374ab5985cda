"""`sponsorsync check` tells an admin who has configured no holidays that tasks can fall due on one,
and which country's public holidays the org's time zone suggests.

Written from the admin's side before the code: nothing sponsorsync writes is due on a day off, but
it only knows the days off it is told of, and the default mapping names none. An admin setting up a
New York or Los Angeles org runs `check` and reads, among its notes, that no holidays are
configured and that `public_holidays: US` under cadence makes the US public holidays days off; one
whose alliance teams work in Berlin (SPONSORSYNC_SYNC__TIMEZONE) reads DE. Once the mapping names a
region or lists days, the note is gone. It is a note: check still passes (exit 0). Both CRMs, over
HTTPS against the sandbox (its Salesforce org is in Los Angeles, its HubSpot portal in US/Eastern).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from sponsorsync.mappings.loader import default_mapping_path
from sponsorsync.sync.calendar import holiday_region
from tests.support.cli import invoke
from tests.support.sandbox import running_sandbox


@pytest.mark.parametrize(
    ("zone", "region"),
    [
        ("America/New_York", "US"),
        ("America/Los_Angeles", "US"),
        ("US/Eastern", "US"),  # HubSpot's account details name zones so: an alias of America/New_York
        ("Europe/Berlin", "DE"),
        ("Europe/London", "GB"),
        ("Asia/Kolkata", "IN"),
        ("UTC", None),  # no country
        ("Etc/GMT+5", None),
        ("GB", None),  # an alias of Europe/London, which Jersey, Guernsey and the Isle of Man share: no guess
        ("Nowhere/Atlantis", None),
        ("../../etc/passwd", None),
    ],
)
def test_a_time_zone_suggests_its_country_s_public_holidays(zone: str, region: str | None) -> None:
    assert holiday_region(zone) == region


@pytest.mark.parametrize("crm", ["salesforce", "hubspot"])
def test_check_suggests_public_holidays_until_the_mapping_names_some(crm: str, tmp_path: Path) -> None:
    with running_sandbox(crm, tmp_path / "box", size=40) as box:
        plain = invoke("check", env_file=box.env_file(tmp_path / "plain.env"))
        assert plain.exit_code == 0, plain.output
        zone = "America/Los_Angeles" if crm == "salesforce" else "US/Eastern"
        assert (
            "note: no holidays are configured (cadence.holidays, cadence.public_holidays), so tasks can fall "
            f"due on one; the org works in {zone}: `public_holidays: US` under cadence in the mapping makes "
            "US's public holidays days off"
        ) in plain.stdout

        berlin = invoke(
            "check", env_file=box.env_file(tmp_path / "berlin.env", {"SYNC__TIMEZONE": "Europe/Berlin"})
        )
        assert "the org works in Europe/Berlin: `public_holidays: DE`" in berlin.stdout, berlin.output

        text = default_mapping_path(crm).read_text()  # type: ignore[arg-type]
        assert "  public_holidays: null" in text
        mapping = tmp_path / "mapping.yaml"
        mapping.write_text(text.replace("  public_holidays: null", "  public_holidays: US", 1))
        named = invoke("check", env_file=box.env_file(tmp_path / "named.env", {"MAPPING": str(mapping)}))
        assert named.exit_code == 0, named.output
        assert "holidays" not in named.stdout
