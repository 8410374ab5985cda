"""Builds a ready sandbox: the clock, the chosen CRM's emulator over a generated or loaded org, and
the HTTPS server around it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sponsorsync.sandbox.clock import Clock
from sponsorsync.sandbox.http import Emulator
from sponsorsync.sandbox.server import SandboxServer

DEFAULT_SIZE = 300
CRMS = ("salesforce", "hubspot")


def create_emulator(
    crm: str, clock: Clock, *, size: int, seed: int, data: Path | None, bare: bool = False
) -> Emulator:
    """The emulator for ``crm``, over ``data`` (a JSON org file) or a synthetic org of ``size``;
    ``bare``: a generated org without sponsorsync's custom fields / properties (``setup`` creates them)."""
    if bare and data is not None:
        raise ValueError("--bare applies to a generated org, not to a --data file")
    if crm == "salesforce":
        from sponsorsync.sandbox.salesforce import SalesforceEmulator

        return (
            SalesforceEmulator.from_data(clock, data)
            if data
            else SalesforceEmulator.generated(clock, size, seed, bare=bare)
        )
    if crm == "hubspot":
        from sponsorsync.sandbox.hubspot import HubSpotEmulator

        return (
            HubSpotEmulator.from_data(clock, data)
            if data
            else HubSpotEmulator.generated(clock, size, seed, bare=bare)
        )
    raise ValueError(f"unknown CRM {crm!r}: choose one of {', '.join(CRMS)}")


def build_sandbox(
    crm: str,
    *,
    ca_dir: Path,
    size: int = DEFAULT_SIZE,
    seed: int = 0,
    data: Path | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    latency_ms: float = 0,
    settings: Mapping[str, Any] | None = None,
    bare: bool = False,
) -> SandboxServer:
    """A sandbox server, not yet started (call ``start()`` or use it as a context manager).
    ``settings`` replace the emulator's production-like defaults (rate limits on, a search index
    lag, a real edition's daily quota) from the start and after every reset."""
    clock = Clock()
    emulator = create_emulator(crm, clock, size=size, seed=seed, data=data, bare=bare)
    return SandboxServer(
        emulator,
        clock,
        ca_dir=ca_dir,
        host=host,
        port=port,
        latency_ms=latency_ms,
        fault_seed=seed,
        settings=settings,
    )
