"""One peer against one seeded sandbox: discovery, a full run, an unchanged re-run with the state
the full run emitted. Each step is a process of the peer's own environment, talking to the sandbox
only through the loopback proxy; the sandbox counts its calls (stats reset before each step)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.calls import Calls
from benchmarks.peers_install import PatchedCertifi, Venv, trust_bundle
from benchmarks.peers_output import Emitted, failure_line, read_messages
from benchmarks.peers_specs import (
    Login,
    Peer,
    config,
    missing_streams,
    select_airbyte,
    select_singer,
    selected_names,
)
from benchmarks.sandbox import Sandbox

STEP_TIMEOUT = 1800.0
INTERVAL_MINUTES = 15.0  # the sandbox clock's move between a full run and its re-run
# Telemetry off for every tool that has some (the proxy refuses any other host in any case).
QUIET = {
    "DO_NOT_TRACK": "1",
    "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
    "MELTANO_DISABLE_TRACKING": "true",
    "SINGER_SDK_DISABLE_TELEMETRY": "1",
    "AIRBYTE_ENABLE_UNSAFE_CODE": "false",
    "SENTRY_DSN": "",
    "POSTHOG_DISABLED": "1",
}
# meltano-tap-hubspot, run as itself but with only the wanted streams instantiated (named in
# PEER_STREAMS): its CLI builds every stream it knows, and each stream's schema asks the CRM for
# that object type's properties, so a portal without one of them (``communications``) stops it
# before it syncs anything. Fewer calls than the unmodified tap would make, never more.
HUBSPOT_TAP = """
import inspect, os
import tap_hubspot.streams as hubspot_streams
from tap_hubspot.client import AssociationsStream
from tap_hubspot.tap import TapHubspot


class WantedStreams(TapHubspot):
    def discover_streams(self):
        classes = {}
        for _, cls in inspect.getmembers(hubspot_streams, inspect.isclass):
            if cls.__module__ == hubspot_streams.__name__ and isinstance(getattr(cls, "name", None), str):
                classes.setdefault(cls.name, cls)
        pairs = {
            f"{s}_{t}_associations": (s, t)
            for s, targets in (self.config.get("associations") or {}).items()
            for t in targets
        }
        streams = []
        for name in os.environ["PEER_STREAMS"].split(","):
            if name in pairs:
                streams.append(AssociationsStream(self, *pairs[name]))
            elif name in classes:
                streams.append(classes[name](self))
        return streams


WantedStreams.cli()
"""


@dataclass
class Step:
    """One process of a peer: its calls, records and wall time, or why it failed."""

    name: str
    calls: Calls
    seconds: float
    records: dict[str, int] = field(default_factory=dict)
    error: str = ""

    @property
    def ok(self) -> bool:
        return not self.error

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.ok,
            "error": self.error,
            "seconds": round(self.seconds, 2),
            "records": dict(sorted(self.records.items())),
            "records_total": sum(self.records.values()),
            "calls": self.calls.to_json(),
        }


@dataclass
class PeerResult:
    peer: Peer
    size: int
    steps: dict[str, Step] = field(default_factory=dict)
    error: str = ""  # why it could not run at all (install, discovery, catalog)
    refused: list[str] = field(default_factory=list)  # what the proxy refused during its run
    missing: list[str] = field(default_factory=list)  # wanted streams its catalog did not offer

    def to_json(self) -> dict[str, Any]:
        return {
            "peer": self.peer.key,
            "label": self.peer.label,
            "crm": self.peer.crm,
            "version": self.peer.version,
            "size": self.size,
            "error": self.error,
            "refused": self.refused,
            "missing_streams": self.missing,
            "steps": {name: step.to_json() for name, step in self.steps.items()},
        }


def peer_env(venv: Venv, proxy_url: str, bundle: Path, home: Path) -> dict[str, str]:
    """A minimal environment: the peer's venv first on PATH, every proxy variable at the loopback
    proxy (nothing bypasses it), the combined CA bundle, telemetry off, a private HOME."""
    env = {
        "PATH": os.pathsep.join([str(venv.bin), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "NO_PROXY": "",
        "no_proxy": "",
        "REQUESTS_CA_BUNDLE": str(bundle),
        "SSL_CERT_FILE": str(bundle),
        "CURL_CA_BUNDLE": str(bundle),
        **QUIET,
    }
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"):
        env[name] = env[name.lower()] = proxy_url
    return env


class PeerRunner:
    def __init__(
        self, peer: Peer, venv: Venv, box: Sandbox, login: Login, proxy_url: str, proxy_ca: Path, home: Path
    ) -> None:
        self.peer = peer
        self.venv = venv
        self.box = box
        self.login = login
        self.home = home
        home.mkdir(parents=True, exist_ok=True)
        self.bundle = trust_bundle(venv, proxy_ca, home / "ca-bundle.pem")
        self.env = peer_env(venv, proxy_url, self.bundle, home) | {"PEER_STREAMS": ",".join(peer.streams())}
        self.config = home / "config.json"
        self.config.write_text(json.dumps(config(peer, login), indent=2), encoding="utf-8")
        self.secrets = [login.client_secret, login.refresh_token, login.access_token]

    def run(self, size: int) -> PeerResult:
        result = PeerResult(self.peer, size)
        with PatchedCertifi(self.venv, self.bundle):
            discovery, catalog = self.discover()
            result.steps["discovery"] = discovery
            if catalog is None:
                result.error = f"discovery: {discovery.error}"
                return result
            result.missing = missing_streams(selected_names(catalog), self.peer.streams())
            selected = self.home / "catalog.json"
            selected.write_text(json.dumps(catalog), encoding="utf-8")
            full, state = self.sync("full", selected, None)
            result.steps["full"] = full
            if not full.ok:
                return result
            self.box.advance(INTERVAL_MINUTES)  # as a scheduler's next run would come
            again, _ = self.sync("unchanged", selected, state)
            result.steps["unchanged"] = again
        return result

    def _argv(self, *rest: str) -> list[str]:
        if self.peer.catalog_from_classes:
            return [str(self.venv.python), "-c", HUBSPOT_TAP, *rest]
        return [str(self.venv.executable(self.peer.executable)), *rest]

    def _process(self, name: str, argv: list[str]) -> tuple[Step, Emitted]:
        out, err = self.home / f"{name}.out", self.home / f"{name}.err"
        self.box.reset_stats()
        started = time.monotonic()
        with out.open("wb") as stdout, err.open("wb") as stderr:
            try:
                done = subprocess.run(
                    argv, cwd=self.home, env=self.env, stdout=stdout, stderr=stderr,
                    timeout=STEP_TIMEOUT, check=False,
                )  # fmt: skip
                code: int | str = done.returncode
            except subprocess.TimeoutExpired:
                code = "timeout"
        seconds = time.monotonic() - started
        calls = Calls.from_stats(self.box.stats())
        with out.open(encoding="utf-8", errors="replace") as handle:
            emitted = read_messages(self.peer.protocol, handle)
        step = Step(name, calls, seconds, emitted.records)
        if code != 0:
            stderr_text = err.read_text(encoding="utf-8", errors="replace")
            why = failure_line(stderr_text, emitted.errors, self.secrets)
            step.error = f"exit {code}: {why}" if code != "timeout" else f"no end after {STEP_TIMEOUT:.0f} s"
        return step, emitted

    def discover(self) -> tuple[Step, dict[str, Any] | None]:
        if self.peer.protocol == "airbyte":
            step, emitted = self._process("discovery", self._argv("discover", "--config", str(self.config)))
            found = emitted.catalog
            if step.ok and found is None:
                step.error = "discovery emitted no catalog"
            return step, select_airbyte(found, self.peer.streams()) if found and step.ok else None
        step, _ = self._process("discovery", self._argv("--config", str(self.config), "--discover"))
        if not step.ok:
            return step, None
        try:
            found = json.loads((self.home / "discovery.out").read_text(encoding="utf-8"))
        except ValueError:
            step.error = "discovery printed no JSON catalog"
            return step, None
        return step, select_singer(found, self.peer.streams())

    def sync(self, name: str, catalog: Path, state: Any) -> tuple[Step, Any]:
        args = ["--config", str(self.config)]
        if self.peer.protocol == "airbyte":
            args = ["read", *args, "--catalog", str(catalog)]
        else:
            args = [*args, self.peer.catalog_flag, str(catalog)]
        if state is not None:
            path = self.home / f"{name}-state.json"
            path.write_text(json.dumps(state), encoding="utf-8")
            args += ["--state", str(path)]
        step, emitted = self._process(name, self._argv(*args))
        return step, emitted.state
