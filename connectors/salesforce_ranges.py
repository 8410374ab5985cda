"""Large REST pulls split into watermark ranges read at the same time (latency-bound objects).

After the first ``queryAll`` page, what remains (watermark from the page's last value up to the
pull's start, and past it) is cut into ``parts`` ranges of equal time; each range is one ordered
query paged through on its own thread. Pages are handed on as they arrive; the cursor each carries
is the one a sequential pull would have reached over the ranges complete so far, followed by the
ordered pages of the first incomplete range (a later range's page keeps that cursor). So a run
killed at any page resumes from a cursor every earlier record lies behind.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from sponsorsync.connectors.base import Cursor, Page, Record

MIN_PAGES_PER_RANGE = 10  # below this, the extra partial pages cost more than the latency saved
QUEUE_PAGES = 8  # pages waiting to be handed on (memory stays bounded)


def split(low: datetime, high: datetime, parts: int) -> list[datetime]:
    """``parts`` range starts from ``low`` to ``high`` in equal steps, whole seconds, increasing;
    fewer when the span is too short. The last range has no upper end."""
    low = low.replace(microsecond=0)
    step = (high - low) / max(parts, 1)
    starts = [low]
    for index in range(1, parts):
        start = (low + step * index).replace(microsecond=0)
        if start > starts[-1] and start <= high:
            starts.append(start)
    return starts


@dataclass
class Progress:
    """Which ranges are complete, and the cursor each range reached over the pages handed on (a
    range's thread reads ahead: its tracker may already be past what was handed on)."""

    held: Cursor | None  # the cursor before the first range (after the first page)
    parts: int
    done: list[bool] = field(default_factory=list)
    reached: list[Cursor | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.done = [False] * self.parts
        self.reached = [None] * self.parts

    def first_open(self) -> int:
        return next((i for i, finished in enumerate(self.done) if not finished), len(self.done))

    def prefix(self) -> Cursor | None:
        """The cursor after every complete range before the first incomplete one, and that range's
        pages handed on so far (they arrive in order)."""
        cursor = self.held
        for index in range(min(self.first_open() + 1, self.parts)):
            if self.reached[index] is not None:
                cursor = self.reached[index]
        return cursor


# fetch(index, stop): the range's pages, each with the range's cursor after it
Fetch = Callable[[int, threading.Event], Iterator[tuple[list[Record], Cursor | None]]]


def parallel_pages(progress: Progress, fetch: Fetch) -> Iterator[Page]:
    """Run ``fetch`` for every range on its own thread; hand its pages on with the prefix cursor.
    An error of any range stops the others and is raised here."""
    Item = tuple[int, list[Record], Cursor | None] | int | BaseException  # a page, a range done, a failure
    inbox: queue.Queue[Item] = queue.Queue(maxsize=QUEUE_PAGES)
    stop = threading.Event()

    def put(item: Item) -> None:
        while not stop.is_set():
            try:
                inbox.put(item, timeout=0.2)
                return
            except queue.Full:
                continue

    def run(index: int) -> None:
        try:
            for records, reached in fetch(index, stop):
                put((index, records, reached))
                if stop.is_set():
                    return
            put(index)
        except BaseException as exc:  # handed to the consuming thread, which raises it
            put(exc)

    threads = [
        threading.Thread(target=run, args=(i,), name=f"sf-range-{i}", daemon=True)
        for i in range(progress.parts)
    ]
    for thread in threads:
        thread.start()
    remaining = progress.parts
    try:
        while remaining:
            item = inbox.get()
            if isinstance(item, BaseException):
                raise item
            if isinstance(item, int):
                remaining -= 1
                before = progress.prefix()
                progress.done[item] = True
                after = progress.prefix()
                if remaining and after != before:
                    yield Page([], after, complete=False)  # earlier pages of later ranges now count
                continue
            index, records, reached = item
            progress.reached[index] = reached
            yield Page(records, progress.prefix(), complete=False)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)


def ranges_for(remaining_pages: int, concurrency: int) -> int:
    """How many ranges a pull with ``remaining_pages`` REST pages left is split into (1: not split)."""
    return max(1, min(concurrency, remaining_pages // MIN_PAGES_PER_RANGE))


def bounds(starts: list[datetime], index: int) -> tuple[datetime, datetime | None]:
    end = starts[index + 1] if index + 1 < len(starts) else None
    return starts[index], end
