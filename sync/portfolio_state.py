"""The portfolio from the local state: the model and plan as of the last sync, the ledger, the CRM's
copy of our tasks and the monthly touch aggregate. No CRM call."""

from __future__ import annotations

from sponsorsync.mappings.model import Mapping
from sponsorsync.sync.ledger import Ledger
from sponsorsync.sync.mirror import Mirror
from sponsorsync.sync.portfolio import MONTHS, Portfolio, build_portfolio
from sponsorsync.sync.run import local_model
from sponsorsync.sync.store import StateStore
from sponsorsync.sync.task_facts import task_facts


def load_portfolio(store: StateStore, mapping: Mapping, *, owner_email: str | None = None) -> Portfolio:
    """Raises ConfigError when no sync has run with this state yet, or no user has ``owner_email``."""
    org, the_plan = local_model(store, mapping)
    mirror = Mirror(store)
    ledger = Ledger(store)
    facts = task_facts(
        ledger.entries(), org.own_tasks, mapping, mirror.completed_on(), org.calendar, ledger.opened_on()
    )
    executives = {a: [c.id for c in contacts] for a, contacts in org.executives.items()}
    touch = mapping.cadence.touch
    monthly = mirror.monthly_touches(
        executives, touch.kinds, org.today, months=MONTHS, completed_only=touch.completed_only
    )
    return build_portfolio(org, mapping, the_plan.views, facts, monthly, owner_email=owner_email)
