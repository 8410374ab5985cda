"""The rules, one module each, found through :data:`REGISTRY` (in the order they are planned: the
sponsor update after the alerts and critical moments its brief lists, the escalation ladder last,
since it reads the tasks the others want)."""

from __future__ import annotations

from typing import cast

from sponsorsync.sync.rules import (
    charter,
    counterpart_gone,
    critical_moment,
    escalation,
    executive_touch,
    new_sponsor,
    no_partner_executive,
    no_sponsor,
    partner_escalation,
    sponsor_gone,
    sponsor_inactive,
    sponsor_update,
)
from sponsorsync.sync.rules.base import KEY_PREFIX, Rule, make_key

_MODULES = (
    no_sponsor,
    sponsor_gone,
    new_sponsor,
    charter,
    executive_touch,
    sponsor_inactive,
    no_partner_executive,
    counterpart_gone,
    partner_escalation,
    critical_moment,
    sponsor_update,  # after the alerts and moments: its brief lists them
    escalation,
)
REGISTRY: dict[str, Rule] = {m.NAME: cast(Rule, m) for m in _MODULES}
RULES: tuple[str, ...] = tuple(REGISTRY)
ALERTS = frozenset(name for name, rule in REGISTRY.items() if rule.ALERT)


def parse_key(key: str) -> tuple[str, str, str] | None:
    """(rule, alliance id, anchor) of a sync key, or None when it is not one of ours."""
    parts = key.split(":", 3)
    if len(parts) != 4 or parts[0] != KEY_PREFIX or parts[1] not in REGISTRY:
        return None
    return parts[1], parts[2], parts[3]


__all__ = ["ALERTS", "REGISTRY", "RULES", "Rule", "make_key", "parse_key"]
