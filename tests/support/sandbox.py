"""Start a sandbox in-process and get sponsorsync settings pointing at it (real HTTPS, real SDKs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.sandbox.admin import SandboxAdmin
from connectors.sandbox.app import build_sandbox
from connectors.sandbox.server import SandboxServer
from sync.settings import Settings, load_settings

# The sandbox sends no rate-limit headers unless its limits are on: do not pace tests below its speed.
FAST = {
    "SPONSORSYNC_LIMITS__HUBSPOT_REQUESTS_PER_10S": "100000",
    "SPONSORSYNC_LIMITS__HUBSPOT_SEARCH_PER_SECOND": "1000",
    "SPONSORSYNC_LIMITS__MAX_BACKOFF_SECONDS": "0.2",
    "SPONSORSYNC_SYNC__LOOKBACK_SECONDS": "0",
}


@dataclass
class Sandbox:
    crm: str
    server: SandboxServer
    admin: SandboxAdmin
    home: Path

    def settings(self, **env: str) -> Settings:
        """Settings from the sandbox's env file plus ``env`` (names without the SPONSORSYNC_ prefix)."""
        path = self.home / "test.env"
        lines = [f"{k}={v}" for k, v in self.server.env().items()]
        lines += [f"SPONSORSYNC_STATE_DIR={self.home / 'state'}"]
        lines += [f"{k}={v}" for k, v in (FAST | {f"SPONSORSYNC_{k}": v for k, v in env.items()}).items()]
        path.write_text("\n".join(lines) + "\n")
        return load_settings(path)

    def calls(self) -> dict[str, int]:
        """Requests by route since the last reset of the stats."""
        by_route: dict[str, int] = self.admin.stats()["by_route"]
        return by_route

    def total_calls(self) -> int:
        total: int = self.admin.stats()["total"]
        return total


@contextmanager
def running_sandbox(
    crm: str, home: Path, *, size: int = 50, data: dict[str, Any] | None = None
) -> Iterator[Sandbox]:
    home.mkdir(parents=True, exist_ok=True)
    path = None
    if data is not None:
        path = home / f"{crm}-org.json"
        path.write_text(json.dumps(data))
    server = build_sandbox(crm, ca_dir=home, size=size, data=path)
    server.start()
    admin = SandboxAdmin(server.base_url, server.ca_path)
    try:
        yield Sandbox(crm, server, admin, home)
    finally:
        admin.close()
        server.stop()
