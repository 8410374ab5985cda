"""Salesforce Bulk API 2.0 queries for large pulls: one ``queryAll`` job, its state polled with
backoff, its CSV result sets read by ``Sforce-Locator`` and parsed as they stream in (memory stays
flat whatever ``maxRecords``), every row typed by the object's describe so that a record read this
way equals the one the REST ``queryAll`` gives (booleans, numbers, nulls, ``+0000`` datetimes).

simple-salesforce's ``bulk2`` is not used: it reads each result set whole into one string and
polls on its own timer. Its session is: every request here goes through the connector's ``_call``
(budget, quota guard, retries, error translation, re-login) on the SDK's own ``requests`` session.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from typing import Any, TypeVar, cast

import requests
import tenacity
import urllib3
from simple_salesforce.api import Salesforce
from simple_salesforce.util import exception_handler

from sponsorsync.connectors.base import Cell, JsonValue, text_cell
from sponsorsync.connectors.errors import TransientError
from sponsorsync.connectors.retry import RetryPolicy, check_stop
from sponsorsync.connectors.salesforce_errors import translate

log = logging.getLogger(__name__)
T = TypeVar("T")

SET_RECORDS = 250_000  # maxRecords: records per result set (one call each; read as it streams)
PAGE_RECORDS = 2_000  # records per Page handed to the sync, as a REST page
FIRST_LOOK_SECONDS = 1.0  # a job is rarely done sooner; each later look waits twice as long
MAX_LOOK_SECONDS = 30.0
MAX_WAIT_SECONDS = 3_600.0  # a job still running after an hour is abandoned for REST
TERMINAL = frozenset({"JobComplete", "Failed", "Aborted"})
_NUMBERS: dict[str, Callable[[str], int | float]] = {
    "int": int, "double": float, "currency": float, "percent": float, "long": int,
}  # fmt: skip

Call = Callable[[str, Callable[[Salesforce], Any]], Any]


class BulkJobFailed(Exception):
    """The job ended Failed or Aborted, or ran too long: the caller reads through REST instead."""


def eligible(fields: Iterable[str]) -> bool:
    """Parent fields (``Account.Name``) stay on REST: a CSV cannot tell a null parent from a null
    field of a parent, which REST's nested records do."""
    return all("." not in name for name in fields)


def field_types(describe: Mapping[str, Any]) -> dict[str, str]:
    """Field name (lower case) -> Salesforce type, from a describe."""
    return {str(f["name"]).lower(): str(f.get("type", "")) for f in describe.get("fields", [])}


def typed(text: str, kind: str) -> JsonValue:
    """A CSV cell as the REST API would have sent it: empty is null (Salesforce keeps no empty
    strings), ``true``/``false`` booleans, numbers, datetimes with ``+0000``."""
    if text == "":
        return None
    if kind == "boolean":
        return text == "true"
    number = _NUMBERS.get(kind)
    if number is not None:
        try:
            return number(text)
        except ValueError:
            return float(text)
    if kind == "datetime" and text.endswith("Z"):
        return text[:-1] + "+0000"
    return text


def cells_of(header: Sequence[str], types: Mapping[str, str]) -> list[Cell]:
    """The cell type of each CSV column (see :class:`connectors.base.RecordTable`)."""
    return [cell_converter(types.get(name.lower(), "string")) for name in header]


def cell_converter(kind: str) -> Callable[[str], JsonValue]:
    """:func:`typed` for one column's type, the type looked at once: the function a column's cells
    go through (the common types without the generic dispatch)."""
    if kind == "boolean":
        return _boolean
    if kind == "datetime":
        return _datetime
    if kind in _NUMBERS:
        return lambda text: typed(text, kind)
    return text_cell


def _boolean(text: str) -> JsonValue:
    return None if text == "" else text == "true"


def _datetime(text: str) -> JsonValue:
    if text == "":
        return None
    return text[:-1] + "+0000" if text.endswith("Z") else text


@dataclass
class BulkQuery:
    """One Bulk API 2.0 query, run through the connector's ``call``."""

    call: Call
    policy: RetryPolicy
    object_name: str

    def run(self, soql: str) -> Iterator[list[list[str]]]:
        """Create the job, wait for it, and stream its rows: the header first, once, as a list of
        that one row, then the rows in lists of up to :data:`PAGE_RECORDS` as they are parsed."""
        job_id = self._create(soql)
        self._wait(job_id)
        yield from self._rows(job_id)

    def _create(self, soql: str) -> str:
        what = f"creating a Bulk API 2.0 query job for {self.object_name}"
        body = {"operation": "queryAll", "query": soql, "contentType": "CSV", "lineEnding": "LF"}
        job: dict[str, Any] = self.call(what, lambda sf: sf.restful("jobs/query", method="POST", json=body))
        return str(job["id"])

    def _wait(self, job_id: str) -> None:
        what = f"checking the Bulk API 2.0 query job for {self.object_name}"

        def look() -> dict[str, Any]:
            check_stop()
            info: dict[str, Any] = self.call(what, lambda sf: sf.restful(f"jobs/query/{job_id}"))
            return info

        retrying = tenacity.Retrying(
            wait=tenacity.wait_exponential(multiplier=FIRST_LOOK_SECONDS, max=MAX_LOOK_SECONDS),
            stop=tenacity.stop_after_delay(MAX_WAIT_SECONDS),
            retry=tenacity.retry_if_result(lambda info: info.get("state") not in TERMINAL),
            sleep=self.policy.sleep,
            retry_error_callback=lambda state: state.outcome.result() if state.outcome else {},
        )
        self.policy.sleep(FIRST_LOOK_SECONDS)
        info = retrying(look)
        state = info.get("state")
        if state != "JobComplete":
            reason = info.get("errorMessage") or f"still {state} after {MAX_WAIT_SECONDS:.0f} s"
            raise BulkJobFailed(f"the job ended {state}: {str(reason)[:200]}")

    def _rows(self, job_id: str) -> Iterator[list[list[str]]]:
        """The rows of every result set (as :meth:`run` hands them on). While one set is read, the
        next one (its locator is in this set's headers) is already asked for, so Salesforce prepares
        it meanwhile."""
        locator = ""
        header_sent = False
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sf-bulk-next")
        ahead: Future[requests.Response] | None = None  # the next set, asked for
        try:
            while True:
                emitted = 0  # rows of this set already handed on (a broken stream re-reads the set)
                asked_next = False
                opening, ahead = ahead, None  # this set, if it was asked for while the last one was read
                for attempt in range(1, self.policy.max_attempts + 1):
                    if opening is not None and attempt == 1:
                        response = opening.result()
                    else:
                        response = self._open(job_id, locator)
                    following = response.headers.get("Sforce-Locator") or "null"
                    if following != "null" and not asked_next:
                        ahead, asked_next = pool.submit(self._open, job_id, following), True
                    try:
                        with response:
                            reader = csv.reader(_text(response))
                            header = next(reader, None)
                            if header is not None and not header_sent:
                                header_sent = True
                                yield [header]
                            skip = emitted  # a set read again: what was handed on is not handed on twice
                            while chunk := list(islice(reader, PAGE_RECORDS)):
                                if skip:
                                    dropped, skip = min(skip, len(chunk)), max(0, skip - len(chunk))
                                    chunk = chunk[dropped:]
                                    if not chunk:
                                        continue
                                emitted += len(chunk)
                                yield chunk
                        break
                    except (
                        requests.exceptions.RequestException,
                        urllib3.exceptions.HTTPError,
                        OSError,
                    ) as exc:
                        what = f"reading Bulk API 2.0 results of {self.object_name}"
                        # The raw stream raises urllib3's errors (a body cut short: ProtocolError).
                        error = (
                            translate(exc, what)
                            if isinstance(exc, requests.exceptions.RequestException)
                            else TransientError(f"connection broke {what}")
                        )
                        if not isinstance(error, TransientError) or attempt == self.policy.max_attempts:
                            raise error from None
                        log.warning(
                            "the Bulk API 2.0 result stream of %s broke; reading the set again",
                            self.object_name,
                        )
                        self.policy.sleep(self.policy.wait_seconds(attempt, error))
                locator = response.headers.get("Sforce-Locator") or "null"
                if locator == "null":
                    return
        finally:
            if ahead is not None:  # the pull stopped early: the next set is not read
                ahead.add_done_callback(_close)
            pool.shutdown(wait=False, cancel_futures=True)

    def _open(self, job_id: str, locator: str) -> requests.Response:
        params = {"maxRecords": str(SET_RECORDS), **({"locator": locator} if locator else {})}

        def get(sf: Salesforce) -> requests.Response:
            url = f"{sf.base_url}jobs/query/{job_id}/results"
            headers = {**sf.headers, "Accept": "text/csv"}
            response = sf.session.get(url, headers=headers, params=params, stream=True)
            if response.status_code >= 300:
                exception_handler(response, "jobs/query")  # reads the (short) error body
            return response

        answer: requests.Response = self.call(f"reading Bulk API 2.0 results of {self.object_name}", get)
        return answer


def _close(opening: Future[requests.Response]) -> None:
    if not opening.cancelled() and opening.exception() is None:
        opening.result().close()


def _text(response: requests.Response) -> io.TextIOWrapper:
    response.raw.decode_content = True
    response.raw.auto_close = False  # else urllib3 closes at end of body, under the text wrapper's feet
    return io.TextIOWrapper(cast(io.BufferedReader, response.raw), encoding="utf-8", newline="")
