"""``query`` and ``queryAll``: SOQL results snapshotted at query time and served in pages through
query locators (``/services/data/vXX.X/query/<locator>-<offset>``), kept in a bounded store."""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sponsorsync.sandbox.http import Route, SandboxRequest, SandboxResponse
from sponsorsync.sandbox.salesforce.errors import sf_error
from sponsorsync.sandbox.salesforce.ids import make_id
from sponsorsync.sandbox.salesforce.soql import SoqlError, parse
from sponsorsync.sandbox.salesforce.soql_exec import execute
from sponsorsync.sandbox.salesforce.state import DATA, OrgState

DEFAULT_BATCH = 2000
MIN_BATCH = 200
MAX_CURSORS = 10  # Salesforce keeps at most 10 open query cursors per user; the oldest goes first
CURSOR_IDLE = timedelta(minutes=15)
_BATCH = re.compile(r"batchSize\s*=\s*(\d+)", re.IGNORECASE)


@dataclass
class Cursor:
    items: Sequence[Any]
    render: Callable[[Any], dict[str, Any]]
    total: int
    version: str
    endpoint: str  # query or queryAll
    batch: int
    used_at: datetime


class QueryApi:
    def __init__(self, org: OrgState) -> None:
        self.org = org
        self.cursors: OrderedDict[str, Cursor] = OrderedDict()
        self._next = 0

    def reset(self) -> None:
        self.cursors.clear()
        self._next = 0

    def routes(self) -> list[Route]:
        return [
            Route("GET", f"{DATA}/query{{slash:/?}}", lambda r: self.query(r, include_deleted=False)),
            Route("GET", f"{DATA}/queryAll{{slash:/?}}", lambda r: self.query(r, include_deleted=True)),
            Route("GET", f"{DATA}/query/{{locator}}", self.more),
            Route("GET", f"{DATA}/queryAll/{{locator}}", self.more),
        ]

    def query(self, request: SandboxRequest, *, include_deleted: bool) -> SandboxResponse:
        text = request.arg("q")
        if not text:
            return sf_error(400, "MALFORMED_QUERY", "A query string has to be specified")
        try:
            result = execute(self.org.context(request, text), parse(text), include_deleted=include_deleted)
        except SoqlError as exc:
            return sf_error(400, exc.error_code, exc.message)
        if result.count_only:
            return SandboxResponse.json(200, {"totalSize": result.total, "done": True, "records": []})
        cursor = Cursor(
            result.items, result.render, result.total, request.params["version"],
            "queryAll" if include_deleted else "query", _batch_size(request, DEFAULT_BATCH), request.now,
        )  # fmt: skip
        return self._page(cursor, 0)

    def more(self, request: SandboxRequest) -> SandboxResponse:
        locator, _, offset_text = request.params["locator"].rpartition("-")
        self._expire(request.now)
        cursor = self.cursors.get(locator)
        if cursor is None or not offset_text.isdigit() or not 0 < int(offset_text) < cursor.total:
            return sf_error(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        cursor.used_at = request.now
        cursor.batch = _batch_size(request, cursor.batch)
        self.cursors.move_to_end(locator)
        return self._page(cursor, int(offset_text), locator)

    def _page(self, cursor: Cursor, offset: int, locator: str | None = None) -> SandboxResponse:
        end = min(offset + cursor.batch, cursor.total)
        page: dict[str, Any] = {"totalSize": cursor.total, "done": end >= cursor.total}
        if end < cursor.total:
            if locator is None:
                locator = make_id("0r8", 7_000_000 + self._next)
                self._next += 1
                self.cursors[locator] = cursor
                while len(self.cursors) > MAX_CURSORS:
                    self.cursors.popitem(last=False)
            page["nextRecordsUrl"] = f"/services/data/{cursor.version}/{cursor.endpoint}/{locator}-{end}"
        render = cursor.render
        page["records"] = [render(item) for item in cursor.items[offset:end]]
        return SandboxResponse.json(200, page)

    def _expire(self, now: datetime) -> None:
        for key in [k for k, c in self.cursors.items() if now - c.used_at > CURSOR_IDLE]:
            del self.cursors[key]


def _batch_size(request: SandboxRequest, default: int) -> int:
    found = _BATCH.search(request.header("sforce-query-options") or "")
    if not found:
        return default
    return max(MIN_BATCH, min(DEFAULT_BATCH, int(found.group(1))))
