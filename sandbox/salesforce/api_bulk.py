"""Bulk API 2.0 query jobs (``/services/data/vXX.X/jobs/query``), as the Bulk API 2.0 Developer Guide
describes them: a job is created with ``operation`` query or queryAll and its SOQL, runs
asynchronously (``UploadComplete`` -> ``InProgress`` -> ``JobComplete``, or ``Failed`` with an
``errorMessage``, or ``Aborted``), and its results are read as CSV in sets: ``maxRecords`` bounds a
set, ``Sforce-NumberOfRecords`` counts it, ``Sforce-Locator`` names the next one (the string
``null`` after the last). Results come in Id order (PK chunking), not by SystemModstamp, unless the
query orders them. Every request counts against the daily API requests like any REST call; each
job also counts against ``DailyBulkV2QueryJobs`` (10,000 a rolling 24 hours).

The snapshot is taken when the job is created. How long a job runs is a setting
(``bulk_job_seconds``, plus a microsecond per row); ``fail_bulk_jobs`` makes the next N jobs fail,
as a job does on Salesforce when its query times out. Sandbox choices where the guide names no
value: 50,000 records per set when ``maxRecords`` is absent, 412 JOB_NOT_COMPLETE for results read
before the job completed, 400 INVALIDJOB for queries Bulk API 2.0 does not take.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any

from sponsorsync.sandbox.http import BadJson, Route, SandboxRequest, SandboxResponse
from sponsorsync.sandbox.salesforce.errors import sf_error
from sponsorsync.sandbox.salesforce.ids import make_id
from sponsorsync.sandbox.salesforce.schema import NAME
from sponsorsync.sandbox.salesforce.soql import CountAll, Path, SoqlError, parse
from sponsorsync.sandbox.salesforce.soql_exec import execute
from sponsorsync.sandbox.salesforce.soql_plan import resolve
from sponsorsync.sandbox.salesforce.state import DATA, OrgState
from sponsorsync.sandbox.salesforce.values import format_datetime

DEFAULT_SET = 50_000
PART_ROWS = 2_000  # rows printed and sent at a time (one HTTP chunk)
DAILY_JOBS = 10_000
DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}
TERMINAL = ("JobComplete", "Failed", "Aborted")
# Field types the store keeps as text (or None): printed by csv as they are.
_TEXT_TYPES = frozenset(
    {
        "id",
        "reference",
        "string",
        "textarea",
        "picklist",
        "multipicklist",
        "email",
        "phone",
        "url",
        "date",
        "combobox",
    }
)


@dataclass
class Job:
    id: str
    operation: str
    sobject: str
    version: str
    created: datetime
    ready_at: datetime
    created_by: str
    items: Sequence[Any]
    render: Callable[[Any], dict[str, Any]]
    columns: list[tuple[tuple[str, ...], bool]]  # (path in the rendered record, is a datetime)
    # Each column's value read from a stored row, and how it is printed where csv's own str() of it
    # is not what Salesforce prints (None when a column is a parent's field: then rows are rendered).
    cells: list[tuple[Callable[[Any], Any], Callable[[Any], str] | None]] | None
    delimiter: str
    line_ending: str
    fails: bool
    state: str = "UploadComplete"
    looked: bool = False  # the first look after creation still sees the job queued

    def header(self) -> list[str]:
        return [".".join(path) for path, _ in self.columns]


@dataclass
class BulkSettings:
    job_seconds: float = 0.2
    fail_next: int = 0
    jobs: deque[datetime] = field(default_factory=deque)


class BulkQueryApi:
    def __init__(self, org: OrgState) -> None:
        self.org = org
        self.jobs: dict[str, Job] = {}
        self.settings = BulkSettings()
        self._next = 0

    def reset(self) -> None:
        self.jobs.clear()
        self.settings = BulkSettings()
        self._next = 0

    def routes(self) -> list[Route]:
        job = f"{DATA}/jobs/query/{{job}}"
        return [
            Route("POST", f"{DATA}/jobs/query{{slash:/?}}", self.create),
            Route("GET", f"{DATA}/jobs/query{{slash:/?}}", self.list_jobs),
            Route("GET", f"{job}{{slash:/?}}", self.info),
            Route("PATCH", f"{job}{{slash:/?}}", self.abort),
            Route("DELETE", f"{job}{{slash:/?}}", self.delete),
            Route("GET", f"{job}/results{{slash:/?}}", self.results),
        ]

    def configure(self, settings: dict[str, Any]) -> dict[str, Any]:
        if "bulk_job_seconds" in settings:
            value = settings["bulk_job_seconds"]
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise ValueError("bulk_job_seconds must be a number of seconds, 0 or more")
            self.settings.job_seconds = float(value)
        if "fail_bulk_jobs" in settings:
            value = settings["fail_bulk_jobs"]
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError("fail_bulk_jobs must be a whole number, 0 or more")
            self.settings.fail_next = value
        return {"bulk_job_seconds": self.settings.job_seconds, "fail_bulk_jobs": self.settings.fail_next}

    def jobs_used(self, now: datetime) -> int:
        """Query jobs created in the last 24 hours (DailyBulkV2QueryJobs)."""
        window = self.settings.jobs
        while window and now - window[0] > timedelta(hours=24):
            window.popleft()
        return len(window)

    # -- handlers --------------------------------------------------------------------------------
    def create(self, request: SandboxRequest) -> SandboxResponse:
        try:
            payload = request.json()
        except BadJson as exc:
            return sf_error(400, "JSON_PARSER_ERROR", str(exc))
        if not isinstance(payload, dict):
            return sf_error(400, "JSON_PARSER_ERROR", "the request body must be a JSON object")
        operation, text = payload.get("operation"), payload.get("query")
        if operation not in ("query", "queryAll"):
            return sf_error(400, "INVALIDJOB", f"Invalid operation: {operation!r} (query or queryAll)")
        if not isinstance(text, str) or not text.strip():
            return sf_error(400, "INVALIDJOB", "A query is required")
        content_type = payload.get("contentType", "CSV")
        delimiter = payload.get("columnDelimiter", "COMMA")
        line_ending = payload.get("lineEnding", "LF")
        if content_type != "CSV" or delimiter not in DELIMITERS or line_ending not in LINE_ENDINGS:
            return sf_error(
                400, "INVALIDJOB", "contentType must be CSV, columnDelimiter one of "
                f"{', '.join(DELIMITERS)}, lineEnding LF or CRLF",
            )  # fmt: skip
        if self.jobs_used(request.now) >= DAILY_JOBS:
            return sf_error(
                400, "LIMIT_EXCEEDED", "Max number of Bulk API 2.0 query jobs per 24 hours exceeded"
            )
        ctx = self.org.context(request, text)
        try:
            query = parse(text)
            unsupported = _unsupported(query)
            if unsupported:
                return sf_error(400, "INVALIDJOB", f"{unsupported} are not supported by Bulk API 2.0 queries")
            result = execute(ctx, query, include_deleted=operation == "queryAll")
            obj = ctx.find(query.sobject)
            assert obj is not None
            columns = []
            cells: list[tuple[Callable[[Any], Any], Callable[[Any], str] | None]] | None = []
            for item in query.select:
                assert isinstance(item, Path)
                resolved = resolve(ctx, obj, item)
                names = (*(r.relationship_name or r.name for r in resolved.chain), resolved.field.name)
                is_datetime = resolved.field.type == "datetime" and resolved.owner is not NAME
                columns.append((names, is_datetime))
                if cells is not None and not resolved.chain and resolved.owner is not NAME:
                    cells.append((resolved.getter, _printer(resolved.field.type, is_datetime)))
                else:
                    cells = None  # a parent's field: rendered as the REST record nests it
        except SoqlError as exc:
            return sf_error(400, exc.error_code, exc.message)
        # Rows in Id order (the store keys rows by their Id, a str): what Salesforce's own result
        # sets look like, and the same whatever order the query's index gave them in.
        items = result.items if query.order_by else sorted(result.items, key=itemgetter(0))
        fails = self.settings.fail_next > 0
        if fails:
            self.settings.fail_next -= 1
        self.settings.jobs.append(request.now)
        job_id = make_id("750", 8_000_000 + self._next)
        self._next += 1
        delay = timedelta(seconds=self.settings.job_seconds, microseconds=len(items))
        job = Job(
            job_id, operation, obj.name, request.params["version"], request.now, request.now + delay,
            self.org.writer.actor, items, result.render, columns, cells, DELIMITERS[delimiter],
            LINE_ENDINGS[line_ending], fails,
        )  # fmt: skip
        self.jobs[job_id] = job
        return SandboxResponse.json(200, self._describe(job, full=False))

    def list_jobs(self, request: SandboxRequest) -> SandboxResponse:
        records = [self._describe(self._advance(job, request.now), full=False) for job in self.jobs.values()]
        return SandboxResponse.json(200, {"done": True, "records": records, "nextRecordsUrl": None})

    def info(self, request: SandboxRequest) -> SandboxResponse:
        job = self.jobs.get(request.params["job"])
        if job is None:
            return _not_found()
        return SandboxResponse.json(200, self._describe(self._advance(job, request.now), full=True))

    def abort(self, request: SandboxRequest) -> SandboxResponse:
        job = self.jobs.get(request.params["job"])
        if job is None:
            return _not_found()
        try:
            payload = request.json()
        except BadJson as exc:
            return sf_error(400, "JSON_PARSER_ERROR", str(exc))
        if not isinstance(payload, dict) or payload.get("state") != "Aborted":
            return sf_error(400, "INVALIDJOBSTATE", "A query job can only be set to Aborted")
        self._advance(job, request.now)
        if job.state in TERMINAL:
            return sf_error(400, "INVALIDJOBSTATE", f"Job is in state {job.state} and cannot be aborted")
        job.state = "Aborted"
        return SandboxResponse.json(200, self._describe(job, full=False))

    def delete(self, request: SandboxRequest) -> SandboxResponse:
        if self.jobs.pop(request.params["job"], None) is None:
            return _not_found()
        return SandboxResponse.empty(204)

    def results(self, request: SandboxRequest) -> SandboxResponse:
        job = self.jobs.get(request.params["job"])
        if job is None:
            return _not_found()
        if request.params["version"] != job.version:
            return sf_error(409, "INVALIDVERSION", "Use the API version the job was created with")
        self._advance(job, request.now)
        if job.state != "JobComplete":
            message = (
                "can only download query results of successfully completed bulk job with status: "
                f"JOB_COMPLETE. Current status: {_upper(job.state)}"
            )
            return sf_error(412, "JOB_NOT_COMPLETE", message)
        size_text = request.arg("maxRecords")
        if size_text is not None and (not size_text.isdigit() or int(size_text) < 1):
            return sf_error(400, "INVALIDPARAMETER", "maxRecords must be a positive whole number")
        size = int(size_text) if size_text else DEFAULT_SET
        start = _offset(request.arg("locator"))
        if start is None or start > len(job.items) or (start == len(job.items) and start > 0):
            return sf_error(400, "INVALIDLOCATOR", "Invalid locator")
        end = min(len(job.items), start + size)
        headers = {
            "Content-Type": "text/csv",
            "Sforce-NumberOfRecords": str(end - start),
            "Sforce-Locator": _locator(end) if end < len(job.items) else "null",
        }
        return SandboxResponse(200, b"", headers, parts=_parts(job, start, end))

    # -- helpers ---------------------------------------------------------------------------------
    def _advance(self, job: Job, now: datetime) -> Job:
        if job.state in TERMINAL:
            return job
        if now >= job.ready_at:
            job.state = "Failed" if job.fails else "JobComplete"
        elif job.looked:
            job.state = "InProgress"
        job.looked = True
        return job

    def _describe(self, job: Job, *, full: bool) -> dict[str, Any]:
        delimiter = next(name for name, char in DELIMITERS.items() if char == job.delimiter)
        info: dict[str, Any] = {
            "id": job.id,
            "operation": job.operation,
            "object": job.sobject,
            "createdById": job.created_by,
            "createdDate": format_datetime(_ms(job.created)),
            "systemModstamp": format_datetime(_ms(job.created)),
            "state": job.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(job.version.lstrip("v")),
            "jobType": "V2Query",
            "lineEnding": "LF" if job.line_ending == "\n" else "CRLF",
            "columnDelimiter": delimiter,
        }
        if full:
            done = job.state == "JobComplete"
            info |= {
                "numberRecordsProcessed": len(job.items) if done else 0,
                "retries": 0,
                "totalProcessingTime": int((job.ready_at - job.created).total_seconds() * 1000)
                if done
                else 0,
                "isPkChunkingSupported": True,
            }
            if job.state == "Failed":
                info["errorMessage"] = "Query timed out: apply a filter criteria and try again"
        return info


def _unsupported(query: Any) -> str:
    if any(isinstance(item, CountAll) for item in query.select) or any(
        not isinstance(item, Path) for item in query.select
    ):
        return "Aggregate functions such as COUNT()"
    if query.group_by:
        return "GROUP BY clauses"
    if query.offset is not None:
        return "OFFSET clauses"
    return ""


def _parts(job: Job, start: int, end: int) -> Iterator[bytes]:
    """Rows ``start`` to ``end`` of a job's result, printed :data:`PART_ROWS` at a time: Salesforce
    made the result while the job ran and sends it in chunks, so its first bytes do not wait for
    the whole set to be printed, as they would if the sandbox printed it before answering."""
    yield _csv(job, job.items[start : min(end, start + PART_ROWS)], header=True)
    for at in range(start + PART_ROWS, end, PART_ROWS):
        yield _csv(job, job.items[at : min(end, at + PART_ROWS)], header=False)


def _csv(job: Job, rows: Sequence[Any], *, header: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=job.delimiter, lineterminator=job.line_ending, quoting=csv.QUOTE_ALL)
    if header:
        writer.writerow(job.header())
    if job.cells is not None:
        getters = [get for get, _ in job.cells]
        printers = [(i, prints) for i, (_, prints) in enumerate(job.cells) if prints is not None]
        write = writer.writerow
        for row in rows:
            cells = [get(row) for get in getters]
            for i, prints in printers:
                cells[i] = prints(cells[i])
            write(cells)
        return out.getvalue().encode()
    render = job.render
    for row in rows:
        record = render(row)
        writer.writerow([_cell(record, path, is_datetime) for path, is_datetime in job.columns])
    return out.getvalue().encode()


def _printer(field_type: str, is_datetime: bool) -> Callable[[Any], str] | None:
    """How a column of the object's own fields is printed from its stored value, as :func:`_cell`
    prints it from the rendered record; None where csv's own printing gives the same (text, which
    the store keeps as str, and null, which csv prints empty)."""
    if is_datetime:
        return _datetime_cell
    if field_type in _TEXT_TYPES:
        return None
    if field_type == "boolean":
        return _boolean_cell
    return _text


def _datetime_cell(ms: Any) -> str:
    return "" if ms is None else format_datetime(ms, "Z")


def _boolean_cell(value: Any) -> str:
    return "" if value is None else "true" if value else "false"


def _cell(record: dict[str, Any], path: tuple[str, ...], is_datetime: bool) -> str:
    value: Any = record
    for name in path:
        if not isinstance(value, dict):
            return ""
        value = value.get(name)
    if is_datetime and isinstance(value, str) and value.endswith("+0000"):
        return value[:-5] + "Z"  # Bulk API 2.0 prints datetimes in UTC with a Z (REST prints +0000)
    return _text(value)


def _text(value: Any) -> str:
    """A value as a CSV cell: empty for null, ``true``/``false``, text as it is, numbers as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _locator(offset: int) -> str:
    return base64.b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(locator: str | None) -> int | None:
    if locator is None or locator in ("", "null"):
        return 0
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode()
    except ValueError:
        return None
    return int(text) if text.isdigit() and int(text) > 0 else None


def _ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def _upper(state: str) -> str:
    return {"UploadComplete": "UPLOAD_COMPLETE", "InProgress": "IN_PROGRESS"}.get(state, state.upper())


def _not_found() -> SandboxResponse:
    return sf_error(404, "NOT_FOUND", "The requested resource does not exist")
