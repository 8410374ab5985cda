"""The one error hierarchy of sponsorsync, and the exit code each error means.

Errors are named for what the caller should do about them. Each carries a user-facing
``message`` (one line, no record bodies, no secrets) and an optional ``hint`` saying what to
do next. Internal detail for ``-v`` logs goes in ``detail``. The CLI turns these into exit
codes in one place (``commands/base.py``, ``Group``); nothing else calls ``sys.exit``.
"""

from __future__ import annotations

from enum import IntEnum
from typing import ClassVar


class ExitCode(IntEnum):
    """Documented process exit codes (README, "Exit codes")."""

    OK = 0
    REJECTED_RECORDS = 1
    CONFIG = 2
    QUOTA = 3
    AUTH = 4
    LOCKED = 5
    UNREACHABLE = 6
    STATE = 7
    INTERNAL = 70  # a bug: an unexpected exception (BSD's EX_SOFTWARE)
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT)
    TERMINATED = 143  # SIGTERM (128 + SIGTERM): Kubernetes, systemd, docker stop


class SponsorsyncError(Exception):
    """Root of every expected failure. Never raised directly."""

    exit_code: ClassVar[ExitCode] = ExitCode.CONFIG

    def __init__(self, message: str, *, hint: str | None = None, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.detail = detail

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ConfigError(SponsorsyncError):
    """Settings, mapping or command-line input is wrong; fix it and run again."""

    exit_code = ExitCode.CONFIG


class QuotaExhausted(SponsorsyncError):
    """The CRM's request quota or rate limit is spent; state is kept, run again later."""

    exit_code = ExitCode.QUOTA


class AuthFailed(SponsorsyncError):
    """The CRM refused the credentials or the user lacks a permission."""

    exit_code = ExitCode.AUTH


class LockHeld(SponsorsyncError):
    """Another run holds the state lock."""

    exit_code = ExitCode.LOCKED


class CrmUnreachable(SponsorsyncError):
    """The CRM could not be reached (network, TLS, timeouts, repeated server errors)."""

    exit_code = ExitCode.UNREACHABLE


class StateError(SponsorsyncError):
    """The state database cannot be read or written (disk full, damaged file, I/O error)."""

    exit_code = ExitCode.STATE


class CrmRequestError(SponsorsyncError):
    """The CRM rejected a request as malformed: a bug or a mapping the CRM cannot serve."""

    exit_code = ExitCode.CONFIG

    def __init__(
        self, message: str, *, status: int, error_code: str | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.error_code = error_code


class TransientError(Exception):
    """A failure worth retrying (429, 5xx, dropped connection, timeout).

    Raised inside ``connectors/`` only, where the retry layer catches it. If retries run out,
    the retry layer converts it to :class:`QuotaExhausted` or :class:`CrmUnreachable`.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        rate_limited: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        # A rate limit (429, Salesforce's concurrent-request limit): when retries run out the run
        # stops as "quota exhausted" (exit 3), not "unreachable".
        self.rate_limited = rate_limited or status == 429


class Interrupted(KeyboardInterrupt):
    """The run was asked to stop by a signal (SIGTERM; Ctrl-C raises a plain KeyboardInterrupt).

    A ``KeyboardInterrupt`` so that every path that already stops cleanly on Ctrl-C does the same.
    """

    def __init__(self, signal_name: str, exit_code: ExitCode) -> None:
        super().__init__(signal_name)
        self.signal_name = signal_name
        self.exit_code = exit_code
