"""``sponsorsync sandbox serve``: build the sandbox, announce it, serve until SIGINT/SIGTERM."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.sandbox.app import CRMS, build_sandbox


def serve(
    *,
    crm: str,
    host: str,
    port: int,
    size: int,
    seed: int,
    data: Path | None,
    latency_ms: float,
    env_file: Path | None,
    ca_dir: Path,
    echo: Callable[[str], None],
    bare: bool = False,
) -> None:
    if crm not in CRMS:
        raise ConfigError(f"--crm must be one of {', '.join(CRMS)}, not {crm!r}")
    started = time.monotonic()
    try:
        server = build_sandbox(
            crm,
            ca_dir=ca_dir,
            size=size,
            seed=seed,
            data=data,
            host=host,
            port=port,
            latency_ms=latency_ms,
            bare=bare,
        )
    except ValueError as exc:  # a bad --data file or a non-loopback --host
        raise ConfigError(str(exc)) from None
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001
        stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    server.start()
    try:
        if env_file is not None:
            server.write_env_file(env_file)
        echo(f"sandbox ({crm}) ready at {server.base_url} in {time.monotonic() - started:.1f}s")
        if bare:
            echo(
                "bare org: sponsorsync's custom fields are missing; create them with `sponsorsync setup apply`"
            )
        echo(f"CA certificate: {server.ca_path}")
        if env_file is not None:
            echo(f"settings written to {env_file}; use them with: sponsorsync --env-file {env_file} ...")
        for key, value in server.env().items():
            echo(f"{key}={value}")
        echo("admin API: " + server.base_url + "/__sandbox__/stats (Ctrl-C to stop)")
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    echo("sandbox stopped")
