"""The root of the mapping file and its JSON Schema."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, PrivateAttr

from sponsorsync.mappings.base import Strict
from sponsorsync.mappings.objects import Objects
from sponsorsync.mappings.policy import Alliances, Cadence, Matching, Roster, Sponsor, Titles
from sponsorsync.mappings.problems import SourceMap
from sponsorsync.mappings.templates import Templates
from sponsorsync.mappings.vocab import CrmName
from sponsorsync.mappings.writeback import Writeback

SCHEMA_ID = "https://sponsorsync.example/schema/mapping-v1.json"


class Mapping(Strict):
    """A sponsorsync mapping file: how one CRM org is read, judged and written back."""

    version: Literal[1] = Field(description="Format version of this file: 1.")
    crm: CrmName = Field(description="The CRM this file maps: salesforce or hubspot.")
    objects: Objects = Field(description="Which CRM objects and fields feed each canonical record.")
    alliances: Alliances = Field(description="Which accounts are alliances.")
    sponsor: Sponsor = Field(description="Where an alliance's executive sponsor is kept.")
    roster: Roster = Field(default_factory=Roster, description="Internal executives who can sponsor.")
    titles: Titles = Field(description="Job title rules: seniority, function, executive thresholds.")
    cadence: Cadence = Field(description="Update and touch rhythm per tier, touches, health, rules.")
    matching: Matching = Field(default_factory=Matching, description="Counterpart and sponsor matching.")
    writeback: Writeback = Field(description="Tasks and account fields written into the CRM.")
    templates: Templates = Field(
        default_factory=Templates,
        description="Wording of tasks, notes and health reasons (language, overrides).",
    )

    _source: SourceMap | None = PrivateAttr(default=None)
    _warnings: list[str] = PrivateAttr(default_factory=list)

    @property
    def source(self) -> SourceMap | None:
        """Where each value sits in the file it was loaded from (None when built in code)."""
        return self._source

    @property
    def warnings(self) -> list[str]:
        """What is valid but probably not meant (``file:line:col: path: message``), from the loader."""
        return self._warnings


def mapping_json_schema() -> dict[str, Any]:
    """JSON Schema of the mapping file (what editors use to autocomplete and check it)."""
    schema = Mapping.model_json_schema(mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
