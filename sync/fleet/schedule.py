"""The fleet's pure decisions: how often an org runs, its jitter, and what a run's exit code asks for."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Literal

from sponsorsync.connectors.errors import ConfigError, ExitCode

_EVERY = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}
MIN_EVERY = 60  # seconds: a sync every minute is already far more than a CRM needs

Action = Literal["done", "retry", "flag", "skip"]


def parse_every(text: str) -> int:
    """``30m``, ``1h``, ``1d`` as seconds."""
    match = _EVERY.match(text)
    if match is None:
        raise ConfigError(
            f"--every {text!r} is not a period", hint="give a number and a unit: 30m, 1h, 6h or 1d"
        )
    seconds = int(match.group(1)) * _UNIT[match.group(2)]
    if seconds < MIN_EVERY:
        raise ConfigError(f"--every {text} is shorter than a minute", hint="give 1m or more")
    return seconds


def format_every(seconds: int) -> str:
    for unit in ("d", "h", "m"):
        if seconds % _UNIT[unit] == 0:
            return f"{seconds // _UNIT[unit]}{unit}"
    return f"{seconds}s"


def jitter(name: str, every: int) -> int:
    """A stable offset in [0, every/10) seconds for this org (at most 10 minutes): orgs added together
    do not all start in the same second, and each keeps its own rhythm across restarts."""
    span = max(1, min(every // 10, 600))
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:4], "big") % span


@dataclass(frozen=True)
class Outcome:
    action: Action
    why: str


def outcome_of(exit_code: int) -> Outcome:
    """What the fleet does after a run ended with ``exit_code`` (README, "Exit codes")."""
    if exit_code in (ExitCode.OK, ExitCode.REJECTED_RECORDS):
        return Outcome("done", "ok" if exit_code == ExitCode.OK else "the CRM rejected some records")
    if exit_code in (ExitCode.QUOTA, ExitCode.UNREACHABLE):
        why = "API limit reached" if exit_code == ExitCode.QUOTA else "the CRM could not be reached"
        return Outcome("retry", why)
    if exit_code == ExitCode.LOCKED:
        return Outcome("skip", "another run of this org holds its lock")
    if exit_code in (ExitCode.CONFIG, ExitCode.AUTH):
        why = "configuration error" if exit_code == ExitCode.CONFIG else "authentication failed"
        return Outcome("flag", why + ": fix it, then `sponsorsync fleet run NAME`")
    if exit_code < 0 or exit_code in (ExitCode.INTERRUPTED, ExitCode.TERMINATED):
        return Outcome("retry", "interrupted" if exit_code > 0 else f"killed by signal {-exit_code}")
    return Outcome("flag", f"exit {exit_code}: see the org's `sync history`")


def backoff(attempts: int, base: int) -> int:
    """Seconds before retry number ``attempts + 1``: base, 2*base, 4*base..., at most an hour."""
    return int(min(base * 2**attempts, 3600))
