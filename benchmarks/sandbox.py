"""The sandbox a benchmark runs against: started in this process on 127.0.0.1 (the syncs run in
child processes, so the sandbox's memory stays out of theirs), driven through its admin API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

from sponsorsync.connectors.base import CrmName
from sponsorsync.sandbox.admin import SandboxAdmin
from sponsorsync.sandbox.app import build_sandbox
from sponsorsync.sandbox.server import SandboxServer

# Calls made by the benchmark itself (counting records, changing 1%) are not the sync's.
UNPACED = {
    # The sandbox enforces no limit unless asked to: do not pace below its speed.
    "SPONSORSYNC_LIMITS__HUBSPOT_REQUESTS_PER_10S": "10000",
    "SPONSORSYNC_LIMITS__HUBSPOT_SEARCH_PER_SECOND": "1000",
}
# HubSpot's limits as the rate-limited scenario switches them on (a Professional-like portal).
RATE_LIMIT = {"ten_second_max": 110, "search_per_second": 4, "daily_max": 1_000_000}
LATENCY_MS = 100.0


@dataclass
class Sandbox:
    crm: CrmName
    size: int
    server: SandboxServer
    admin: SandboxAdmin
    home: Path

    @property
    def env(self) -> dict[str, str]:
        return self.server.env()

    def http(self) -> requests.Session:
        """A plain HTTPS session to the CRM API (trusting the sandbox CA), authenticated."""
        session = requests.Session()
        session.trust_env = False
        session.verify = str(self.server.ca_path)
        token = self.env.get("SPONSORSYNC_SALESFORCE__ACCESS_TOKEN") or self.env.get(
            "SPONSORSYNC_HUBSPOT__ACCESS_TOKEN", ""
        )
        session.headers["Authorization"] = f"Bearer {token}"
        return session

    def write_env(self, name: str, state_dir: Path, extra: dict[str, str] | None = None) -> Path:
        """A dotenv file for a sync child: the sandbox's own settings, the state directory, limits."""
        path = self.home / name
        lines = {**self.env, "SPONSORSYNC_STATE_DIR": str(state_dir), **UNPACED, **(extra or {})}
        path.write_text("".join(f"{k}={v}\n" for k, v in lines.items()), encoding="utf-8")
        return path

    def throttle(self, on: bool) -> None:
        """100 ms per request, and on HubSpot its rate limit; or neither."""
        settings: dict[str, Any] = {"latency_ms": LATENCY_MS if on else 0}
        if self.crm == "hubspot":
            settings["rate_limit"] = dict(RATE_LIMIT) if on else None
        self.admin.configure(**settings)

    def now(self) -> datetime:
        return datetime.fromisoformat(self.admin.now().replace("Z", "+00:00"))

    def advance(self, minutes: float) -> None:
        self.admin.advance_clock(seconds=minutes * 60)

    def stay_within_one_day(self, minutes: float) -> None:
        """Move the clock past midnight first if the runs to come would cross it: "today" must not
        change between the runs of one scenario (it would change the plan, and so the writes). The
        midnight of the org's time zone, on whose calendar sponsorsync counts days."""
        zone = ZoneInfo(str(self.admin.configure()["time_zone"]))
        now = self.now()
        tomorrow = now.astimezone(zone).date() + timedelta(days=1)
        midnight = datetime.combine(tomorrow, time(), zone).astimezone(UTC)  # compared in UTC
        if now + timedelta(minutes=minutes) >= midnight:
            self.advance((midnight - now).total_seconds() / 60 + 1)

    def stats(self) -> dict[str, Any]:
        return self.admin.stats()

    def requests(self) -> list[dict[str, Any]]:
        """The request log (the sandbox keeps the last 20,000 requests)."""
        return self.admin.requests(limit=1_000_000)

    def reset_stats(self) -> None:
        self.admin.reset_stats()


@contextmanager
def sandbox(crm: CrmName, size: int, home: Path, seed: int = 0) -> Iterator[Sandbox]:
    home.mkdir(parents=True, exist_ok=True)
    # No index lag (the runs of a scenario follow each other at once); rate limits per ``throttle``.
    settings = {"rate_limit": None, "index_lag_ms": 0} if crm == "hubspot" else None
    server = build_sandbox(crm, ca_dir=home, size=size, seed=seed, host="127.0.0.1", settings=settings)
    with server:
        admin = SandboxAdmin(server.base_url, server.ca_path, timeout=120)
        try:
            yield Sandbox(crm, size, server, admin, home)
        finally:
            admin.close()
