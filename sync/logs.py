"""Logging set-up: human text on a terminal, one JSON object per line for schedulers, and a filter
that masks every known secret value in whatever reaches a handler (defence in depth: messages are
written without secrets in the first place).

In JSON mode every line on stderr is one JSON object: Python warnings (libraries' included) are
routed through logging, tracebacks are a field of their record (``exc``), and the CLI writes its
``error:`` lines and notices as records too (:func:`json_mode`)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Literal

_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
MASK = "********"


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret containing another is masked whole.
        self.secrets = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        for secret in self.secrets:
            message = message.replace(secret, MASK)
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:  # tracebacks carry exception messages: mask them too
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            for secret in self.secrets:
                record.exc_text = record.exc_text.replace(secret, MASK)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD_ATTRS and isinstance(value, str):
                for secret in self.secrets:
                    value = value.replace(secret, MASK)
                setattr(record, key, value)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRS and not key.startswith("_"):
                payload[key] = value
        if record.exc_info or record.exc_text:
            payload["exc"] = record.exc_text or self.formatException(record.exc_info)  # type: ignore[arg-type]
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS and not k.startswith("_")}
        if extras:
            line += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        return line


def configure_logging(
    fmt: Literal["text", "json"], verbosity: int, secrets: Iterable[str] = ()
) -> logging.Handler:
    """Send sponsorsync's logs to stderr. ``verbosity``: -1 quiet, 0 normal, 1+ debug."""
    level = logging.WARNING if verbosity < 0 else logging.INFO if verbosity == 0 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    handler.addFilter(RedactSecrets(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "_sponsorsync", False):
            root.removeHandler(old)
    handler._sponsorsync = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    # warnings.warn() writes to stderr directly; in JSON mode it must become a record like the rest.
    logging.captureWarnings(fmt == "json")
    # The SDKs' transport loggers are chatty at DEBUG and may echo URLs with ids: keep them quiet.
    for noisy in ("urllib3", "simple_salesforce", "hubspot"):
        logging.getLogger(noisy).setLevel(logging.WARNING if verbosity < 2 else logging.DEBUG)
    return handler


def add_secrets(secrets: Iterable[str]) -> None:
    """Register more secret values (learnt after logging started) with the redaction filter."""
    for handler in logging.getLogger().handlers:
        for flt in handler.filters:
            if isinstance(flt, RedactSecrets):
                flt.secrets = sorted(
                    set(flt.secrets) | {s for s in secrets if len(s) >= 4}, key=len, reverse=True
                )


def json_mode() -> bool:
    """Whether sponsorsync's log handler writes JSON lines (the CLI writes its messages through it)."""
    return any(
        getattr(handler, "_sponsorsync", False) and isinstance(handler.formatter, JsonFormatter)
        for handler in logging.getLogger().handlers
    )
