"""Progress of a run: rich bars on a terminal, structured log lines otherwise (schedulers)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from sponsorsync.sync.run import Progress as RunProgress

log = logging.getLogger("sponsorsync.progress")


LOG_EVERY_SECONDS = 30.0  # without a terminal: a long pull's records so far, at most this often


@contextmanager
def progress_for(
    stream: TextIO,
    *,
    draw: bool = True,
    every: float = LOG_EVERY_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[RunProgress]:
    """Bars on a terminal when ``draw`` (not in JSON log mode), log records otherwise: a pull's
    records so far at most every ``every`` seconds while it runs (so a scheduler's log shows a long
    first sync moving), and once when it finishes."""
    if not (draw and stream.isatty()):
        yield _logged(every, clock)
        return
    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=None),
        TextColumn("{task.fields[count]}"),
        TimeElapsedColumn(),
        console=Console(file=stream),
        transient=True,
    )
    tasks: dict[str, TaskID] = {}
    totals: dict[str, int] = {}  # records each pull is expected to read, where the CRM said
    stored: dict[str, int] = {}  # records each pull has stored so far

    def task(key: str, name: str) -> TaskID:
        if key not in tasks:
            tasks[key] = bars.add_task(name, total=None, count=count_text(0, None))
        return tasks[key]

    def pulled(key: str, records: int, done: bool) -> None:
        stored[key] = records
        total = records if done else totals.get(key)
        if total is not None:
            total = max(total, records)  # an estimate: look-back re-reads can pass it
        bars.update(
            task(key, f"pull {key}"), completed=records, total=total, count=count_text(records, total)
        )

    def expected(key: str, records: int) -> None:
        totals[key] = records
        so_far = stored.get(key, 0)
        bars.update(task(key, f"pull {key}"), total=max(records, so_far), count=count_text(so_far, records))

    def applied(phase: str, records: int) -> None:
        name = f"write {phase}"
        bars.update(task(name, name), completed=records, count=count_text(records, None))

    with bars:
        yield RunProgress(pulled=pulled, applied=applied, expected=expected)


def count_text(records: int, total: int | None) -> str:
    """``12,000 of 852,971 records`` where the total is known, else ``12,000 records``."""
    return f"{records:,} of {total:,} records" if total is not None else f"{records:,} records"


def _logged(every: float, clock: Callable[[], float]) -> RunProgress:
    totals: dict[str, int] = {}
    last: dict[str, float] = {}

    def pulled(key: str, records: int, done: bool) -> None:
        fields = {"object": key, "records": records}
        if done:
            log.info("pull finished", extra=fields)
            return
        now = clock()
        if key not in last:
            last[key] = now  # the first page: the pull has only begun
        elif now - last[key] >= every:
            last[key] = now
            total = totals.get(key)
            log.info("pulling %s: %s", key, count_text(records, total), extra={**fields, "expected": total})

    def expected(key: str, records: int) -> None:
        totals[key] = records

    return RunProgress(
        pulled=pulled,
        applied=lambda phase, n: log.debug("applied", extra={"phase": phase, "records": n}),
        phase=lambda name: log.info("phase %s", name),
        expected=expected,
    )
