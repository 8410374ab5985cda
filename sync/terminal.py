"""Text from the CRM made safe to print on a terminal.

Names, titles, subjects and error messages come from partners and from the CRM: printed raw, an
escape sequence can clear the screen, set the terminal's title or hide what follows, and a newline
inside a name can start a line that looks like sponsorsync's own (``error: ...``). Every piece of CRM
text the CLI prints passes through :func:`printable` first.
"""

from __future__ import annotations

import re
import unicodedata

# ESC-introduced sequences: CSI (ESC [ ... final), OSC / DCS / SOS / PM / APC strings (up to BEL or
# ESC \), and two-character escapes; the 8-bit CSI (U+009B) and OSC (U+009D) forms too.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
# Bidirectional overrides and isolates reorder what follows them on screen (CVE-2021-42574).
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def printable(text: object, *, newlines: bool = False) -> str:
    """``text`` without escape sequences, control characters or bidirectional overrides. Line
    breaks and tabs become spaces, unless ``newlines`` (text of ours that spans lines) keeps ``\\n``."""
    cleaned = _ESCAPES.sub("", str(text))
    out = []
    for char in cleaned:
        if char == "\n" and newlines:
            out.append(char)
        elif char in "\t\n\r\v\f\x85\u2028\u2029":
            out.append(" ")
        elif char in _BIDI or unicodedata.category(char) == "Cc":
            continue
        else:
            out.append(char)
    return "".join(out)
