"""Text in a rich-text task field (HubSpot hs_task_body) and back: what sponsorsync stores and reads."""

from __future__ import annotations

from sponsorsync.mappings.writeback import WriteField, decode, encode

RICH = WriteField(field="hs_task_body", rich_text=True)
PLAIN = WriteField(field="Description")


def test_rich_text_is_escaped_with_line_breaks_and_reads_back_exactly() -> None:
    text = 'Escalation: "Outage" at R&D <EU>\nAsk Jane <br> directly.'
    stored = encode(RICH, text)
    assert stored == ("Escalation: &quot;Outage&quot; at R&amp;D &lt;EU&gt;<br>Ask Jane &lt;br&gt; directly.")
    assert decode(RICH, stored) == text


def test_a_plain_field_is_stored_and_read_as_it_is() -> None:
    text = "Line one\nR&D <b>"
    assert encode(PLAIN, text) == text
    assert decode(PLAIN, text) == text
