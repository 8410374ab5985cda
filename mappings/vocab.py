"""The fixed vocabularies of the mapping: CRMs, seniority levels and business functions."""

from __future__ import annotations

from typing import Literal, get_args

CrmName = Literal["salesforce", "hubspot"]
CRMS: tuple[CrmName, ...] = get_args(CrmName)

Seniority = Literal["c_suite", "evp", "vp", "director", "manager", "individual"]
#: Lowest first: the order :func:`mappings.titles.is_at_least` compares by.
SENIORITY_ORDER: tuple[Seniority, ...] = ("individual", "manager", "director", "vp", "evp", "c_suite")

Function = Literal[
    "general_management",
    "technology",
    "product",
    "sales",
    "marketing",
    "partnerships",
    "finance",
    "operations",
    "customer_success",
    "people",
    "legal",
    "other",
]
FUNCTIONS: tuple[Function, ...] = get_args(Function)

Overwrite = Literal["always", "if_blank", "never"]
