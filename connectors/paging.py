"""Cursor bookkeeping shared by both connectors.

A pull asks for ``watermark >= cursor.last_value`` (minus the look-back overlap) and drops the
records already seen at exactly ``last_value``; querying ``>`` instead would skip records sharing
the boundary timestamp. The cursor never passes ``until`` (the CRM's clock when the pull began),
so a record changed while the pull ran is read again next time.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sponsorsync.connectors.base import Cursor
from sponsorsync.connectors.errors import CrmUnreachable
from sponsorsync.connectors.timestamps import iso_utc, parse_instant, utc_zone


class CursorTracker:
    def __init__(self, field: str, previous: Cursor | None, until: datetime) -> None:
        self.field = field
        self.until = until
        self._previous = previous
        self._previous_at = parse_instant(previous.last_value) if previous else None
        self._best: datetime | None = None
        self._best_raw = ""
        self._ids_at_best: set[str] = set()

    def admit(self, record_id: str, raw_value: object) -> bool:
        """Track a record; False when it was already seen at the previous cursor's boundary."""
        if not isinstance(raw_value, str) or not raw_value:
            return True  # no watermark value: keep the record, it cannot move the cursor
        best_raw = self._best_raw
        if self._previous is None and same_layout(raw_value, best_raw):
            # A full pull reads a million watermarks in no useful order (Bulk API 2.0 results):
            # two in the same UTC layout compare as text; only a new best is parsed.
            if raw_value < best_raw:
                return True
            if raw_value == best_raw:
                self._ids_at_best.add(record_id)
                return True
        at = parse_instant(raw_value)
        if self._previous is not None and at == self._previous_at and record_id in self._previous.ids_at_last:
            return False
        if self._best is None or at > self._best:
            self._best, self._best_raw, self._ids_at_best = at, raw_value, {record_id}
        elif at == self._best:
            self._ids_at_best.add(record_id)
        return True

    @property
    def admits_all(self) -> bool:
        """True on a pull without a previous cursor: every record is admitted (:meth:`admit_all`)."""
        return self._previous is None

    def admit_all(self, ids: Sequence[str], raw_values: Sequence[object]) -> None:
        """:meth:`admit` of every pair, in order, on a pull without a previous cursor (which admits
        every record, so nothing is returned): a Bulk API 2.0 page's watermarks at once. When they
        share one UTC layout (:func:`same_layout`: text order is time order), only those equal to
        the latest are admitted one by one; otherwise every pair is."""
        if self._previous is not None:
            raise ValueError("admit_all is for a pull without a previous cursor")
        texts = [value for value in raw_values if isinstance(value, str) and value]
        if not texts:
            return
        top = max(texts)
        zone = utc_zone(top)
        if (
            zone is None
            or len(top) < 20
            or len(set(map(len, texts))) != 1
            or {text[10] for text in texts} != {"T"}
            or {text[-len(zone) :] for text in texts} != {zone}
        ):
            for record_id, value in zip(ids, raw_values, strict=True):
                self.admit(record_id, value)
            return
        for record_id, value in zip(ids, raw_values, strict=True):
            if value == top:
                self.admit(record_id, value)

    def cursor(self) -> Cursor | None:
        """The cursor after everything admitted so far (None if nothing moved it)."""
        best, raw, ids = self._best, self._best_raw, set(self._ids_at_best)
        if best is None:
            return self._previous
        if self._previous is not None and self._previous_at is not None:
            if best < self._previous_at:
                return self._previous  # look-back re-reads never move the cursor backwards
            if best == self._previous_at:
                ids |= self._previous.ids_at_last
        if best >= self.until:
            # ``until`` is the CRM's clock when the pull began, to the second (the Date header), so
            # its second was still open: a record read at it may change again within that second
            # and keep its watermark. Keep no ids there: the next pull reads that second again.
            return Cursor(self.field, iso_utc(self.until), frozenset())
        return Cursor(self.field, raw, frozenset(ids))

    def finished(self) -> Cursor | None:
        """The cursor after a complete, ordered pull: every record changed before ``until`` has been
        returned (the look-back overlap covers late commits and search index lag), so the cursor
        moves up to ``until`` even when the last change seen is older. Then an unchanged object
        re-reads nothing next time, however busy it was just before this pull."""
        current = self.cursor()
        if current is None or parse_instant(current.last_value) >= self.until:
            return current
        return Cursor(self.field, iso_utc(self.until), frozenset())

    def at_until(self) -> Cursor:
        """The cursor after a complete unordered (full list) pull: the pull's start."""
        return Cursor(self.field, iso_utc(self.until), frozenset())


def same_layout(a: str, b: str) -> bool:
    """True when two timestamps sort as text exactly as in time: the same length, a ``T`` at the
    same place and the same UTC zone (``2024-05-01T10:00:00.000+0000``, ``...000Z``), so every digit
    sits in the same place in both."""
    if len(a) != len(b) or len(a) < 20 or a[10] != "T" or b[10] != "T":
        return False
    zone = utc_zone(a)
    return zone is not None and b.endswith(zone)


class TokenLoopGuard:
    """Fails a pagination loop whose next-page token repeats (a server bug would loop forever)."""

    def __init__(self, what: str) -> None:
        self.what = what
        self._seen: set[str] = set()

    def check(self, token: str) -> None:
        if token in self._seen:
            raise CrmUnreachable(
                f"The CRM returned the same next-page token twice while paging {self.what}",
                hint="this is a CRM-side paging fault; run again later",
            )
        self._seen.add(token)
