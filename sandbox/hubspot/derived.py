"""What HubSpot computes on deals and tickets when their stage changes, for the default pipelines
the sandbox has (deals: "default", the Sales Pipeline; tickets: "0", the Support Pipeline):
a deal's ``hs_is_closed`` / ``hs_is_closed_won`` and its ``closedate`` once closed, a ticket's
``closed_date`` when it reaches the Closed stage. Used by API writes and by seeded records alike,
so ``now`` is whatever the caller stores datetimes as (ISO text or epoch ms)."""

from __future__ import annotations

from collections.abc import Container, Mapping, MutableMapping
from typing import Any

from sponsorsync.sandbox.hubspot.objects import DEALS, TICKETS, ObjectType

DEAL_PIPELINE = "default"
DEAL_STAGES = (
    ("Appointment Scheduled", "appointmentscheduled"),
    ("Qualified To Buy", "qualifiedtobuy"),
    ("Presentation Scheduled", "presentationscheduled"),
    ("Decision Maker Bought-In", "decisionmakerboughtin"),
    ("Contract Sent", "contractsent"),
    ("Closed Won", "closedwon"),
    ("Closed Lost", "closedlost"),
)
CLOSED_DEAL_STAGES = frozenset({"closedwon", "closedlost"})
WON_DEAL_STAGES = frozenset({"closedwon"})
TICKET_PIPELINE = "0"
TICKET_STAGES = (("New", "1"), ("Waiting on contact", "2"), ("Waiting on us", "3"), ("Closed", "4"))
OPEN_TICKET_STAGE = "1"
CLOSED_TICKET_STAGES = frozenset({"4"})

Values = MutableMapping[str, Any]  # str | None from API writes; datetimes as epoch ms in seeded rows


def derive(
    otype: ObjectType, values: Values, given: Container[str], *, was_closed: bool, now: str | int
) -> None:
    """Fill the computed properties of ``values`` (the record after the write); ``given``: the
    properties the write itself set; ``was_closed``: the record was closed before it."""
    if otype is DEALS:
        values.setdefault("pipeline", DEAL_PIPELINE)
        closed = values.get("dealstage") in CLOSED_DEAL_STAGES
        values["hs_is_closed"] = "true" if closed else "false"
        values["hs_is_closed_won"] = "true" if values.get("dealstage") in WON_DEAL_STAGES else "false"
        if closed and not was_closed and "closedate" not in given:
            values["closedate"] = now  # moved to a closed stage: it closed today
    elif otype is TICKETS:
        if not values.get("hs_pipeline"):
            values["hs_pipeline"] = TICKET_PIPELINE
        if not values.get("hs_pipeline_stage"):
            values["hs_pipeline_stage"] = OPEN_TICKET_STAGE
        closed = values.get("hs_pipeline_stage") in CLOSED_TICKET_STAGES
        if not closed:
            values["closed_date"] = None
        elif not was_closed and "closed_date" not in given:
            values["closed_date"] = now


def is_closed(otype: ObjectType, values: Mapping[str, Any]) -> bool:
    if otype is DEALS:
        return values.get("dealstage") in CLOSED_DEAL_STAGES
    if otype is TICKETS:
        return values.get("hs_pipeline_stage") in CLOSED_TICKET_STAGES
    return False
