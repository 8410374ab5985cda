"""Salesforce record ids: 15 case-sensitive characters (key prefix, pod, counter) plus the 3-character
case-safe suffix that makes the 18-character form unique under case-insensitive comparison."""

from __future__ import annotations

import re
from collections.abc import Callable

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SHAPE = re.compile(r"[0-9A-Za-z]{15}(?:[A-Z0-5]{3})?\Z")
POD = "Nw"  # the two "instance" characters after the key prefix
ORG_ID = "00DNw0000009XyZMAU"  # the sandbox org's id (00D prefix) for seed 0 and data files
_ORG_NUMBER = 2_275_559  # the counter inside ORG_ID


def suffix(id15: str) -> str:
    """The case-safe suffix of a 15-character id."""
    chars = []
    for start in (0, 5, 10):
        bits = 0
        for position, char in enumerate(id15[start : start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        chars.append(_SUFFIX[bits])
    return "".join(chars)


def make_id(prefix: str, number: int) -> str:
    """The 18-character id of the ``number``-th record with this key prefix."""
    digits = []
    for _ in range(10):
        number, rest = divmod(number, 62)
        digits.append(_BASE62[rest])
    id15 = prefix + POD + "".join(reversed(digits))
    return id15 + suffix(id15)


def org_id(seed: int) -> str:
    """The organization id of the generated org of ``seed`` (each seed is another org)."""
    return make_id("00D", _ORG_NUMBER + seed)


def id_maker(prefix: str) -> Callable[[int], str]:
    """A fast ``make_id`` for one key prefix (the generated org mints a million ids at start)."""
    head = prefix + POD
    head_suffix = suffix(head + "0" * 10)[0]
    upper = str.maketrans(
        dict.fromkeys("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "1") | dict.fromkeys(_BASE62[:10] + _BASE62[36:], "0")
    )

    def chunk(text: str) -> str:
        return _SUFFIX[int(text.translate(upper)[::-1], 2)]

    def make(number: int) -> str:
        digits = []
        for _ in range(10):
            number, rest = divmod(number, 62)
            digits.append(_BASE62[rest])
        body = "".join(reversed(digits))
        return head + body + head_suffix + chunk(body[:5]) + chunk(body[5:])

    return make


def normalize(value: str) -> str | None:
    """The canonical 18-character form of a 15- or 18-character id, or None if it is not one.

    An 18-character id is case-insensitive: its suffix restores the case of the first 15 characters.
    """
    if not _SHAPE.match(value) and not (len(value) == 18 and _SHAPE.match(value[:15] + value[15:].upper())):
        return None
    if len(value) == 15:
        return value + suffix(value)
    chars = list(value[:15])
    for chunk, code in enumerate(value[15:].upper()):
        bits = _SUFFIX.index(code)
        for position in range(5):
            char = chars[chunk * 5 + position]
            if char.isalpha():
                chars[chunk * 5 + position] = char.upper() if bits >> position & 1 else char.lower()
    id15 = "".join(chars)
    full = id15 + suffix(id15)
    return full if full[15:] == value[15:].upper() else None


def key_prefix(record_id: str) -> str:
    return record_id[:3]
