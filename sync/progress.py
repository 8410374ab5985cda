"""Progress of a run: rich bars on a terminal, structured log lines otherwise (schedulers)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from sponsorsync.sync.run import Progress as RunProgress

log = logging.getLogger("sponsorsync.progress")


@contextmanager
def progress_for(stream: TextIO, *, draw: bool = True) -> Iterator[RunProgress]:
    """Bars on a terminal when ``draw`` (not in JSON log mode), log records otherwise."""
    if not (draw and stream.isatty()):
        yield RunProgress(
            pulled=lambda key, n, done: (
                log.info("pull finished", extra={"object": key, "records": n}) if done else None
            ),
            applied=lambda phase, n: log.debug("applied", extra={"phase": phase, "records": n}),
            phase=lambda name: log.info("phase %s", name),
        )
        return
    bars = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(bar_width=None),
        TextColumn("{task.completed:,.0f} records"),
        TimeElapsedColumn(),
        console=Console(file=stream),
        transient=True,
    )
    tasks: dict[str, TaskID] = {}

    def pulled(key: str, records: int, done: bool) -> None:
        if key not in tasks:
            tasks[key] = bars.add_task(f"pull {key}", total=None)
        bars.update(tasks[key], completed=records, total=records if done else None)

    def applied(phase: str, records: int) -> None:
        name = f"write {phase}"
        if name not in tasks:
            tasks[name] = bars.add_task(name, total=None)
        bars.update(tasks[name], completed=records)

    with bars:
        yield RunProgress(pulled=pulled, applied=applied)
