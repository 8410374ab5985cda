"""A small client of the sandbox's ``/__sandbox__/`` admin API, for tests, the demo and benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests


class SandboxAdmin:
    def __init__(self, base_url: str, ca_path: str | Path, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify (SDK-NOTES S1)
        self.session.verify = str(ca_path)
        self.timeout = timeout

    def _call(self, method: str, name: str, payload: Any = None) -> Any:
        response = self.session.request(
            method, f"{self.base_url}/__sandbox__/{name}", json=payload, timeout=self.timeout
        )
        if response.status_code >= 400:
            raise RuntimeError(f"sandbox admin {method} {name}: {response.status_code} {response.text}")
        return response.json() if response.content else None

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "stats")
        return result

    def reset_stats(self) -> None:
        self._call("DELETE", "stats")

    def requests(self, limit: int = 1000) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", f"requests?limit={limit}")
        return result

    def add_faults(self, *rules: dict[str, Any]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("POST", "faults", {"rules": list(rules)})["rules"]
        return result

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "faults")["rules"]
        return result

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def reset(self) -> None:
        self._call("POST", "reset")

    def advance_clock(self, days: float = 0, seconds: float = 0) -> str:
        result: str = self._call("POST", "clock", {"advance_days": days, "advance_seconds": seconds})["now"]
        return result

    def set_clock(self, when: str) -> str:
        """Set the clock to an ISO-8601 instant (``2026-12-08T02:30:00Z``), later or earlier."""
        result: str = self._call("POST", "clock", {"set": when})["now"]
        return result

    def now(self) -> str:
        result: str = self._call("GET", "clock")["now"]
        return result

    def configure(self, **settings: Any) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "config", settings)
        return result

    def close(self) -> None:
        self.session.close()
