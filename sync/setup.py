"""``sponsorsync setup plan|apply``: create the custom fields / properties a mapping needs and the CRM
lacks. The plan is pure (:mod:`mappings.setup`); this module describes the CRM, and applies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sponsorsync.connectors.base import FieldDefinition, ObjectSchema, SetupStep
from sponsorsync.connectors.errors import ExitCode, SponsorsyncError
from sponsorsync.mappings.live import describe_objects, object_names
from sponsorsync.mappings.model import Mapping
from sponsorsync.mappings.setup import missing_fields


class SetupIncomplete(SponsorsyncError):
    """Some of what setup tried was refused by the CRM; what was created stays (exit 1)."""

    exit_code = ExitCode.REJECTED_RECORDS


@dataclass(frozen=True)
class SetupPlan:
    crm: str
    missing: list[FieldDefinition]
    objects_checked: int
    objects_missing: list[str] = field(default_factory=list)  # mapping objects the CRM does not show


def plan_setup(mapping: Mapping, describe: Callable[[str], ObjectSchema]) -> SetupPlan:
    schemas = describe_objects(mapping, describe)
    absent = [name for name in object_names(mapping) if name not in schemas]
    return SetupPlan(mapping.crm, missing_fields(mapping, schemas), len(schemas), absent)


def apply_setup(
    plan: SetupPlan, create: Callable[[list[FieldDefinition]], list[SetupStep]]
) -> list[SetupStep]:
    """Create what the plan lists (nothing when it lists nothing: a second apply sends no write)."""
    return create(plan.missing) if plan.missing else []


def raise_if_refused(steps: list[SetupStep]) -> None:
    """:class:`SetupIncomplete`, naming what was created and what failed, when the CRM refused a step."""
    failed = [s for s in steps if not s.ok]
    if not failed:
        return
    done = sum(1 for s in steps if s.ok and s.created)
    lines = [f"{s.what}: {s.error_code or 'refused'}: {s.message}" for s in failed]
    raise SetupIncomplete(
        f"setup created {done} item(s); the CRM refused {len(failed)}:\n" + "\n".join(lines),
        hint="fix the cause named above (Salesforce: the integration user needs Customize Application and "
        "Manage Users; HubSpot: the private app needs the crm.schemas.*.write scopes), then run "
        "`sponsorsync setup apply` again: what exists already is left as it is",
    )
