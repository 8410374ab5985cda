"""Start a sandbox in-process and get sponsorsync settings pointing at it (real HTTPS, real SDKs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sponsorsync.connectors.base import Connector, Cursor, Page, Record
from sponsorsync.connectors.factory import connect
from sponsorsync.sandbox.admin import SandboxAdmin
from sponsorsync.sandbox.app import build_sandbox
from sponsorsync.sandbox.server import SandboxServer
from sponsorsync.sync.settings import Settings, load_settings

# The sandbox sends no rate-limit headers unless its limits are on: do not pace tests below its speed.
FAST = {
    "SPONSORSYNC_LIMITS__HUBSPOT_REQUESTS_PER_10S": "100000",
    "SPONSORSYNC_LIMITS__HUBSPOT_SEARCH_PER_SECOND": "1000",
    "SPONSORSYNC_LIMITS__MAX_BACKOFF_SECONDS": "0.2",
    "SPONSORSYNC_SYNC__LOOKBACK_SECONDS": "0",
}


# The sandbox's defaults are production's (HubSpot rate limits, a search index lag); tests run
# without them, and turn them on where they are the subject. A reset restores these settings.
UNLIMITED: dict[str, dict[str, Any]] = {"hubspot": {"rate_limit": None, "index_lag_ms": 0}}


@dataclass
class Sandbox:
    crm: str
    server: SandboxServer
    admin: SandboxAdmin
    home: Path

    def settings(self, **env: str) -> Settings:
        """Settings from the sandbox's env file plus ``env`` (names without the SPONSORSYNC_ prefix)."""
        return load_settings(self.env_file(self.home / "test.env", env))

    def env_file(
        self, path: Path, env: dict[str, str] | None = None, *, state_dir: Path | None = None
    ) -> Path:
        """Write a dotenv file pointing sponsorsync at the sandbox (state in ``state_dir``, default
        ``home/state``), plus ``env`` (names without the SPONSORSYNC_ prefix; "" leaves a value out)."""
        values = dict(self.server.env())
        values["SPONSORSYNC_STATE_DIR"] = str(state_dir or self.home / "state")
        values |= FAST | {f"SPONSORSYNC_{k}": v for k, v in (env or {}).items()}
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"{k}={v}\n" for k, v in values.items()))
        return path

    def calls(self) -> dict[str, int]:
        """Requests by route since the last reset of the stats."""
        by_route: dict[str, int] = self.admin.stats()["by_route"]
        return by_route

    def total_calls(self) -> int:
        total: int = self.admin.stats()["total"]
        return total


def connector(box: Sandbox, **env: str) -> Connector:
    """The real connector for the sandbox, with extra settings (names without SPONSORSYNC_)."""
    return connect(box.settings(**env))


def drain(pages: Iterator[Page]) -> tuple[list[Record], Cursor | None]:
    """Every record of a pull, and the last cursor it left."""
    records: list[Record] = []
    cursor = None
    for page in pages:
        records.extend(page.records)
        cursor = page.cursor or cursor
    return records, cursor


@contextmanager
def running_sandbox(
    crm: str,
    home: Path,
    *,
    size: int = 50,
    data: dict[str, Any] | None = None,
    seed: int = 0,
    bare: bool = False,
) -> Iterator[Sandbox]:
    home.mkdir(parents=True, exist_ok=True)
    path = None
    if data is not None:
        path = home / f"{crm}-org.json"
        path.write_text(json.dumps(data))
    server = build_sandbox(
        crm, ca_dir=home, size=size, data=path, seed=seed, settings=UNLIMITED.get(crm), bare=bare
    )
    server.start()
    admin = SandboxAdmin(server.base_url, server.ca_path)
    try:
        yield Sandbox(crm, server, admin, home)
    finally:
        admin.close()
        server.stop()
