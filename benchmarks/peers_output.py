"""What a peer printed: records per stream and its last state (Singer or Airbyte messages on
stdout), and the one line that says why it failed (from stderr, secrets removed). Pure."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.peers_specs import Protocol

_ERROR = re.compile(r"(error|exception|traceback|failed|refused|denied|forbidden|\b[45]\d\d\b)", re.I)
_NOISE = re.compile(r"^\s*(File \"|\^+$|~+$|Traceback \(most recent call last\))")
MAX_LINE = 300


@dataclass
class Emitted:
    records: dict[str, int] = field(default_factory=dict)
    state: Any = None  # what to pass as ``--state`` to the next run (None: no state emitted)
    catalog: dict[str, Any] | None = None  # an Airbyte CATALOG message's catalog
    errors: list[str] = field(default_factory=list)  # Airbyte TRACE errors, in order

    @property
    def total(self) -> int:
        return sum(self.records.values())


def read_messages(protocol: Protocol, lines: Iterable[str]) -> Emitted:
    out = Emitted()
    streams: dict[str, Any] = {}  # Airbyte per-stream states, by stream name
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict):
            continue
        kind = message.get("type")
        if protocol == "singer":
            if kind == "RECORD":
                name = str(message.get("stream"))
                out.records[name] = out.records.get(name, 0) + 1
            elif kind == "STATE":
                out.state = message.get("value")
            continue
        if kind == "RECORD":
            name = str(message.get("record", {}).get("stream"))
            out.records[name] = out.records.get(name, 0) + 1
        elif kind == "STATE":
            state = message.get("state") or {}
            descriptor = (state.get("stream") or {}).get("stream_descriptor") or {}
            if state.get("type") == "STREAM" and descriptor.get("name"):
                streams[str(descriptor["name"])] = state
                out.state = list(streams.values())
            else:
                out.state = [state]
        elif kind == "CATALOG":
            out.catalog = message.get("catalog")
        elif kind == "TRACE":
            error = (message.get("trace") or {}).get("error") or {}
            text = error.get("message") or error.get("internal_message")
            if text:
                out.errors.append(str(text))
    return out


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[secret]")
    return text


def failure_line(stderr: str, emitted_errors: list[str], secrets: Iterable[str]) -> str:
    """The one line that says why a peer failed: its first reported error, else the last line of
    its stderr that looks like one, else its last line."""
    secrets = list(secrets)
    if emitted_errors:
        return _short(redact(emitted_errors[0], secrets))
    lines = [line for line in stderr.splitlines() if line.strip() and not _NOISE.match(line)]
    for line in reversed(lines):
        if _ERROR.search(line):
            return _short(redact(line, secrets))
    return _short(redact(lines[-1], secrets)) if lines else "no output"


def _short(line: str) -> str:
    line = " ".join(line.split())
    return line if len(line) <= MAX_LINE else line[: MAX_LINE - 3] + "..."
