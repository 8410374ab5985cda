"""Shared building blocks of the mapping models: the strict base class and small value types."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

Scalar = str | int | float | bool | None

_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


class Strict(BaseModel):
    """Every mapping model: unknown keys are errors (with the nearest valid key suggested)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _crm_name(value: str) -> str:
    if not _FIELD_NAME.match(value):
        raise ValueError(
            f"{value!r} is not an API name (letters, digits and _, no spaces); "
            "use the field's API name as the CRM shows it, e.g. Alliance_Tier__c or alliance_tier"
        )
    return value


def key_text(value: Any) -> Any:
    """A value-map key as text: YAML reads ``true:`` as a boolean and ``1:`` as a number, but CRM
    values are compared as text (``true``/``false`` for booleans)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _text_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {key_text(k): v for k, v in value.items()}
    return value


#: A CRM object or field API name (``Account``, ``Alliance_Tier__c``, ``hs_lastmodifieddate``;
#: Salesforce parent paths like ``Owner.Email`` allowed).
ApiName = Annotated[str, AfterValidator(_crm_name)]

#: CRM value (as text) -> canonical value.
ValueMap = Annotated[dict[str, Scalar], BeforeValidator(_text_keys)]
