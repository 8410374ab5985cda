"""Fault rules for the sandbox: ``POST /__sandbox__/faults`` installs them, every request is matched
against them, and a matching rule injects an error status, a delay, a dropped connection, a dropped
response (the request is processed, the answer never arrives), a delayed response (processed at
once, answered late: a client killed meanwhile never learns of a write the CRM made), a truncated
response (the headers and half the body, then the connection closes) or per-record failures in a
batch.

A rule fires for matching requests after skipping the first ``after`` of them, for the next
``count`` (unlimited when absent), each time with ``probability`` (seeded, so runs repeat).

``preset`` names a vendor's error by what it means and fills ``status``, ``error_code`` and
``message`` with the vendor's own words (:data:`PRESETS`); a rule's own keys win.
"""

from __future__ import annotations

import fnmatch
import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

from sponsorsync.sandbox.bounds import MAX_COUNT, number, whole

Action = Literal[
    "error", "delay", "delay_response", "drop", "drop_response", "truncate_response", "record_failure"
]
ACTIONS: tuple[Action, ...] = (
    "error", "delay", "delay_response", "drop", "drop_response", "truncate_response", "record_failure",
)  # fmt: skip
_KEYS = {
    "method", "path", "action", "status", "error_code", "message", "delay_ms", "count", "after",
    "probability", "records", "every", "retry_after", "preset",
}  # fmt: skip
# Salesforce answers every API limit with 403 REQUEST_LIMIT_EXCEEDED; only the message tells the
# 24-hour quota from the limits on requests in flight (FIDELITY.md, "Error bodies").
PRESETS: dict[str, dict[str, Any]] = {
    "salesforce_daily_limit": {
        "status": 403, "error_code": "REQUEST_LIMIT_EXCEEDED", "message": "TotalRequests Limit exceeded.",
    },
    "salesforce_concurrent_limit": {
        "status": 403, "error_code": "REQUEST_LIMIT_EXCEEDED",
        "message": "ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
    },
    "salesforce_long_requests_limit": {
        "status": 403, "error_code": "REQUEST_LIMIT_EXCEEDED", "message": "ConcurrentPerOrgLongTxn Limit exceeded.",
    },
}  # fmt: skip


@dataclass(frozen=True)
class RecordFault:
    """Fail the records at these positions of a batch (or every n-th one) with this error."""

    error_code: str
    message: str
    indexes: frozenset[int] = frozenset()
    every: int | None = None

    def applies_to(self, index: int) -> bool:
        return index in self.indexes or (self.every is not None and (index + 1) % self.every == 0)


@dataclass
class FaultRule:
    id: int
    action: Action
    path: str = "*"
    method: str | None = None
    status: int | None = None
    error_code: str | None = None
    message: str | None = None
    retry_after: int | None = None
    delay_ms: int = 0
    count: int | None = None
    after: int = 0
    probability: float = 1.0
    records: frozenset[int] = frozenset()
    every: int | None = None
    matched: int = 0
    fired: int = 0
    _regex: re.Pattern[str] | None = field(default=None, repr=False)

    def matches(self, method: str, raw_path: str) -> bool:
        if self.method is not None and self.method != method:
            return False
        if self._regex is not None:
            return self._regex.search(raw_path) is not None
        return fnmatch.fnmatchcase(raw_path, self.path)

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in vars(self).items() if not k.startswith("_")}
        data["records"] = sorted(self.records)
        return data

    def record_fault(self) -> RecordFault:
        return RecordFault(
            error_code=self.error_code or "UNKNOWN_EXCEPTION",
            message=self.message or "injected per-record failure",
            indexes=self.records,
            every=self.every,
        )


@dataclass
class Decision:
    """What the matching rules ask for one request."""

    delay_ms: int = 0
    response_delay_ms: int = 0
    error: FaultRule | None = None
    drop: bool = False
    drop_response: bool = False
    truncate_response: bool = False
    record_faults: list[RecordFault] = field(default_factory=list)


def parse_rule(data: Any, rule_id: int) -> FaultRule:
    if not isinstance(data, dict):
        raise ValueError(f"rule {rule_id}: must be an object")
    unknown = set(data) - _KEYS
    if unknown:
        raise ValueError(f"rule {rule_id}: unknown keys {sorted(unknown)}; known: {sorted(_KEYS)}")
    if "preset" in data:
        preset = PRESETS.get(str(data["preset"]))
        if preset is None:
            raise ValueError(f"rule {rule_id}: unknown preset {data['preset']!r}; known: {sorted(PRESETS)}")
        data = preset | {k: v for k, v in data.items() if k != "preset"}
    action = data.get("action", "error" if "status" in data else None)
    if action not in ACTIONS:
        raise ValueError(f"rule {rule_id}: action must be one of {list(ACTIONS)}")
    path = str(data.get("path", "*"))
    regex = None
    if path.startswith("re:"):
        try:
            regex = re.compile(path[3:])
        except re.error as exc:
            raise ValueError(f"rule {rule_id}: bad path regex: {exc}") from None
    status = data.get("status")
    if action == "error" and not (isinstance(status, int) and 400 <= status <= 599):
        raise ValueError(f"rule {rule_id}: an error rule needs a status between 400 and 599")
    probability = number(data.get("probability", 1.0), f"rule {rule_id}: probability", 0, 1)
    records = data.get("records", [])
    if not isinstance(records, list) or not all(isinstance(i, int) and i >= 0 for i in records):
        raise ValueError(f"rule {rule_id}: records must be a list of batch positions (0-based)")
    every = data.get("every")
    if action == "record_failure" and not records and not every:
        raise ValueError(f"rule {rule_id}: a record_failure rule needs records or every")
    count = data.get("count")
    method = data.get("method")
    return FaultRule(
        id=rule_id,
        action=action,
        path=path,
        method=str(method).upper() if method else None,
        status=status,
        error_code=data.get("error_code"),
        message=data.get("message"),
        retry_after=whole(data["retry_after"], f"rule {rule_id}: retry_after", 0, 86_400)
        if data.get("retry_after") is not None
        else None,
        delay_ms=whole(data.get("delay_ms", 0), f"rule {rule_id}: delay_ms", 0, 600_000),
        count=whole(count, f"rule {rule_id}: count", 1, MAX_COUNT) if count is not None else None,
        after=whole(data.get("after", 0), f"rule {rule_id}: after", 0, MAX_COUNT),
        probability=probability,
        records=frozenset(records),
        every=whole(every, f"rule {rule_id}: every", 1, MAX_COUNT) if every else None,
        _regex=regex,
    )


class FaultInjector:
    def __init__(self, seed: int = 0) -> None:
        self._rules: list[FaultRule] = []
        self._next_id = 1
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def install(self, rules: list[Any]) -> list[FaultRule]:
        parsed = [parse_rule(rule, self._next_id + i) for i, rule in enumerate(rules)]
        with self._lock:
            self._rules.extend(parsed)
            self._next_id += len(parsed)
        return parsed

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()

    def describe(self) -> list[dict[str, Any]]:
        with self._lock:
            return [rule.to_json() for rule in self._rules]

    def decide(self, method: str, raw_path: str) -> Decision:
        decision = Decision()
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, raw_path):
                    continue
                rule.matched += 1
                if rule.matched <= rule.after:
                    continue
                if rule.count is not None and rule.fired >= rule.count:
                    continue
                if rule.probability < 1 and self._random.random() >= rule.probability:
                    continue
                rule.fired += 1
                if rule.action == "delay_response":
                    decision.response_delay_ms += rule.delay_ms
                    continue
                decision.delay_ms += rule.delay_ms
                if rule.action == "error" and decision.error is None and not decision.drop:
                    decision.error = rule
                elif rule.action == "drop":
                    decision.drop = True
                elif rule.action == "drop_response":
                    decision.drop_response = True
                elif rule.action == "truncate_response":
                    decision.truncate_response = True
                elif rule.action == "record_failure":
                    decision.record_faults.append(rule.record_fault())
        return decision
