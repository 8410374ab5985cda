"""The one retry layer: 429, 5xx, dropped connections and timeouts are retried with capped
exponential backoff and full jitter, honouring ``Retry-After``; everything else fails at once.
The SDKs' own retries are switched off where they are built, so attempts never multiply.

Only idempotent calls go through here: reads, upserts by external key, updates by id, and
association creation (HubSpot answers an existing association with success).

Every CRM request passes here, so this is also where a requested stop (SIGTERM, see
:func:`request_stop`) takes effect: no new request is sent once it is asked, a backoff wait ends at
once, and the requests already in flight finish and are recorded as usual.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import tenacity

from sponsorsync.connectors.errors import CrmUnreachable, Interrupted, QuotaExhausted, TransientError

log = logging.getLogger(__name__)
T = TypeVar("T")

# The requested stop. Set from a signal handler, so it takes no lock: a handler runs between two
# bytecodes of the main thread, which may hold any lock at that moment.
_stop_reason: list[Interrupted] = []
_SLEEP_STEP = 0.1  # how soon a backoff wait notices a requested stop


def request_stop(reason: Interrupted) -> None:
    """Stop at the next safe point: every later request attempt raises ``reason`` instead.
    Safe to call from a signal handler."""
    _stop_reason[:] = [reason]


def stop_requested() -> Interrupted | None:
    return _stop_reason[0] if _stop_reason else None


def clear_stop() -> None:
    _stop_reason.clear()


def check_stop() -> None:
    """Raise the requested stop, if any: called before every request is sent."""
    reason = stop_requested()
    if reason is not None:
        raise Interrupted(reason.signal_name, reason.exit_code)


def interruptible_sleep(seconds: float) -> None:
    """``time.sleep`` that a requested stop cuts short (within a tenth of a second)."""
    deadline = time.monotonic() + max(seconds, 0.0)
    while not _stop_reason:
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(left, _SLEEP_STEP))


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_seconds: float = 0.5
    max_backoff_seconds: float = 60.0
    sleep: Callable[[float], None] = field(default=interruptible_sleep, repr=False)
    jitter: Callable[[float, float], float] = field(default=random.uniform, repr=False)

    def wait_seconds(self, attempt: int, error: BaseException | None) -> float:
        """Retry-After when the CRM sent one (capped), else exponential backoff with full jitter."""
        if isinstance(error, TransientError) and error.retry_after is not None:
            return min(max(error.retry_after, 0.0), self.max_backoff_seconds)
        ceiling = min(self.max_backoff_seconds, self.base_seconds * (2 ** (attempt - 1)))
        return self.jitter(ceiling / 2, ceiling)


def call_with_retry(fn: Callable[[], T], policy: RetryPolicy, *, what: str) -> T:
    """Run ``fn``, retrying :class:`TransientError`; when attempts run out, raise the user-facing error."""

    def _wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return policy.wait_seconds(state.attempt_number, error)

    def _before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        log.warning(
            "retrying %s after %s (attempt %d of %d, waiting %.1fs)",
            what,
            error,
            state.attempt_number,
            policy.max_attempts,
            state.upcoming_sleep,
        )

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.max_attempts),
        wait=_wait,
        retry=tenacity.retry_if_exception_type(TransientError),
        sleep=policy.sleep,
        before_sleep=_before_sleep,
        reraise=True,
    )

    def attempt() -> T:
        check_stop()
        return fn()

    try:
        return retrying(attempt)
    except TransientError as exc:
        if exc.rate_limited:
            answer = (
                f"answering 429 (rate limit) to {what}" if exc.status == 429 else f"refusing {what}: {exc}"
            )
            raise QuotaExhausted(
                f"The CRM kept {answer} after {policy.max_attempts} attempts",
                hint="another integration may be using the same quota; run again later or lower "
                "SPONSORSYNC_LIMITS__CONCURRENCY",
            ) from None
        raise CrmUnreachable(
            f"{what} failed after {policy.max_attempts} attempts: {exc}",
            hint="check the CRM's status page and your network; the next run resumes where this one stopped",
        ) from None
