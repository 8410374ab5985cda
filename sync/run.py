"""One sync run: lock, pull, model, plan, diff, apply, record. The CLI and the demo call
:func:`execute`; everything it decides is in the returned :class:`RunReport`."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from sponsorsync.connectors.base import Connector, OrgIdentity
from sponsorsync.connectors.errors import ConfigError, ExitCode, Interrupted, SponsorsyncError
from sponsorsync.connectors.factory import connect
from sponsorsync.mappings.model import Mapping
from sponsorsync.mappings.policy import AccountFieldSponsor
from sponsorsync.sync.apply import Applier, ApplyResult
from sponsorsync.sync.assess import AllianceView
from sponsorsync.sync.calendar import UTC_CALENDAR, UTC_NAME, Calendar, UnknownTimeZone
from sponsorsync.sync.diff import Differ, WritePlan, confirm_sent, stamp
from sponsorsync.sync.ledger import Ledger, now_text
from sponsorsync.sync.mirror import Mirror
from sponsorsync.sync.model import Org, build_org
from sponsorsync.sync.plan import DesiredTask, Plan, plan
from sponsorsync.sync.pull import PullStats, pull_all
from sponsorsync.sync.settings import Settings, mask_url_credentials
from sponsorsync.sync.sources import fingerprint, sources, unmapped_kinds
from sponsorsync.sync.state_errors import state_error
from sponsorsync.sync.store import StateStore, open_state

log = logging.getLogger(__name__)
CALENDAR_META = "calendar_zone"  # the time zone the mirror's instants are stored in
ZONE_META, ZONE_READ_META = "org_time_zone", "org_time_zone_read_at"  # Salesforce's, read daily
ZONE_REREAD = timedelta(days=1)
Mode = Literal["run", "dry_run", "plan"]


@dataclass
class Progress:
    """Callbacks for progress display (the CLI draws bars on a terminal, logs otherwise)."""

    pulled: Callable[[str, int, bool], None] | None = None
    expected: Callable[[str, int], None] | None = None  # records a pull will read, where known
    applied: Callable[[str, int], None] | None = None
    phase: Callable[[str], None] | None = None


@dataclass(frozen=True)
class RunSummary:
    """How a run ended, for schedulers: the ``run finished`` event (one JSON record in JSON mode),
    logged at the end of every run, failed and refused ones included. ``run_id`` is None for a run
    refused before it was recorded; ``counts`` of a run that did not finish say what it wrote."""

    run_id: int | None
    mode: str
    outcome: str
    exit_code: int
    api_calls: int
    seconds: float
    counts: dict[str, Any]
    message: str | None = None

    def fields(self) -> dict[str, Any]:
        return {
            "event": "run_summary",
            "run_id": self.run_id,
            "mode": self.mode,
            "outcome": self.outcome,
            "exit_code": self.exit_code,
            "api_calls": self.api_calls,
            "seconds": round(self.seconds, 3),
            "counts": self.counts,
            **({"error": self.message} if self.message else {}),
        }


@dataclass
class RunReport:
    run_id: int
    mode: Mode
    crm: str
    today: date
    exit_code: ExitCode
    outcome: str
    api_calls: int
    seconds: float
    pull: PullStats
    plan: Plan
    writes: WritePlan
    applied: ApplyResult | None
    mirror_counts: dict[str, int] = field(default_factory=dict)
    history_asked: int = 0  # alliances seen for the first time whose sponsor's history was read
    calendar: Calendar = UTC_CALENDAR  # the org's: ``today`` and every day of the run are on it
    zone_asked: bool = False  # the run asked the CRM for the org's time zone (Salesforce, once a day)

    def summary(self) -> RunSummary:
        return RunSummary(
            self.run_id,
            self.mode,
            self.outcome,
            int(self.exit_code),
            self.api_calls,
            self.seconds,
            self.counts(),
        )

    def counts(self) -> dict[str, Any]:
        tasks_by_rule: dict[str, int] = {}
        for task in self.plan.tasks:
            tasks_by_rule[task.rule] = tasks_by_rule.get(task.rule, 0) + 1
        health: dict[str, int] = {}
        for view in self.plan.views.values():
            health[view.health] = health.get(view.health, 0) + 1
        applied = self.applied
        return {
            "today": self.today.isoformat(),  # the CRM's date: when tasks seen done in this run were done
            "pulled": sum(self.pull.records.values()),
            "alliances": len(self.plan.views),
            "sponsored": sum(1 for v in self.plan.views.values() if v.sponsor_state == "ok"),
            "health": health,
            "planned_tasks_by_rule": tasks_by_rule,
            "to_create": len(self.writes.creates),
            "to_update": len(self.writes.updates),
            "to_close": len(self.writes.closes),
            "account_updates": len(self.writes.accounts),
            "created": applied.created if applied else 0,
            "updated": applied.updated if applied else 0,
            "closed": applied.closed if applied else 0,
            "accounts_written": applied.accounts if applied else 0,
            "rejected": len(applied.rejected) if applied else 0,
            "noted": applied.noted if applied else 0,
            "deleted_by_a_person": applied.deleted if applied else 0,
            "to_note": len(self.writes.notes),
            "first_run": self.plan.first_run,
            "history_asked": self.history_asked,
            "zone_asked": self.zone_asked,
            "held_back": len(self.plan.held_back),
            "held_back_by_owner": _by_owner(self.plan),
            "switched_off": len(self.plan.switched_off),
            "left_alone": dict(self.writes.left_alone),
        }


def recent_appointments(connector: Connector, mapping: Mapping, org: Org) -> tuple[int, dict[str, date]]:
    """For alliances sponsorsync sees for the first time (the first run, a new alliance): when the
    CRM's field history dates their sponsor's appointment within ``cadence.new_sponsor_window_days``.
    No call when every alliance is known, or the sponsor is not kept in an account field. Returns how
    many alliances were asked about, and the dates found."""
    window = mapping.cadence.new_sponsor_window_days
    if not window or not isinstance(mapping.sponsor, AccountFieldSponsor):
        return 0, {}
    field_name = mapping.objects.accounts.fields.sources().get(mapping.sponsor.field)
    new = [a.id for a in org.alliances if a.sponsor_id and a.id not in org.memory]
    if not new or not isinstance(field_name, str):
        return 0, {}
    since = datetime.combine(org.today - timedelta(days=window), datetime.min.time(), UTC)
    found = connector.field_history(mapping.objects.accounts.object, field_name, new, since)
    return len(new), {account_id: org.calendar.date_of(when) for account_id, when in found.items()}


def _by_owner(the_plan: Plan) -> dict[str, int]:
    """New tasks held back by the intake limit, per owner name."""
    names = {p.id: p.name for v in the_plan.views.values() for p in (v.manager, v.sponsor) if p is not None}
    found: dict[str, int] = {}
    for task in the_plan.held_back:
        name = names.get(task.owner_id, task.owner_id)
        found[name] = found.get(name, 0) + 1
    return dict(sorted(found.items()))


def execute(
    settings: Settings,
    mapping: Mapping,
    *,
    mode: Mode = "run",
    full: bool = False,
    max_api_calls: int | None = None,
    progress: Progress | None = None,
    version: str = "0",
    on_end: Callable[[RunSummary], None] | None = None,
) -> RunReport:
    """One run. ``on_end`` receives its :class:`RunSummary` however it ends (the CLI logs it last)."""
    crm = settings.require_crm()
    if mapping.crm != crm:
        raise ConfigError(
            f"The mapping file is for {mapping.crm} but SPONSORSYNC_CRM is {crm}",
            hint="point SPONSORSYNC_MAPPING at a mapping for this CRM, or unset it to use the default",
        )
    progress = progress or Progress()
    started = time.monotonic()
    store = open_state(settings)
    connector: Connector | None = None
    run_id = 0
    ledger = Ledger(store)

    def ended(outcome: str, code: ExitCode, message: str) -> None:
        _record_end(store, ledger, run_id, connector, outcome, code, message)
        if on_end is not None:
            calls = connector.api_calls() if connector else 0
            counts = _written_by(ledger, run_id)
            seconds = time.monotonic() - started
            on_end(RunSummary(run_id or None, mode, outcome, int(code), calls, seconds, counts, message))

    try:
        store.acquire()
        ledger.mark_interrupted()
        _check_state_crm(store, crm)
        print_ = fingerprint(mapping)
        if full or store.meta("mapping_fingerprint") != print_:
            if store.meta("mapping_fingerprint") not in (None, print_):
                log.warning("the mapping changed since the last run: pulling everything again")
            store.forget_cursors()
            Mirror(store).forget(
                unmapped_kinds(mapping)
            )  # a section removed: nothing of it is pulled any more
            store.set_meta("mapping_fingerprint", print_)
        run_id = ledger.start_run(mode, crm)
        connector = connect(settings, max_api_calls=max_api_calls)
        identity = connector.identity()
        _check_state_org(store, crm, identity)
        calendar, zone_asked = org_calendar(settings, identity, connector, store)
        log.info(
            "days are counted in the time zone %s (%s)",
            calendar.zone,
            "SPONSORSYNC_SYNC__TIMEZONE" if settings.sync.timezone else "the CRM org's",
        )
        _use_calendar(store, calendar)
        if progress.phase:
            progress.phase("pull")
        stats = pull_all(
            connector,
            store,
            sources(mapping),
            run_id=run_id,
            concurrency=settings.limits.concurrency,
            sweep_hours=settings.sync.deletion_sweep_hours,
            progress=progress.pulled,
            expected=progress.expected,
            calendar=calendar,
        )
        today = calendar.date_of(connector.server_time())
        if progress.phase:
            progress.phase("plan")
        mirror = Mirror(store)
        pending = frozenset(r.sync_key for r in ledger.rejections())
        org = build_org(mirror, mapping, today, ledger.memory(), pending, calendar)
        org.health_history = ledger.health_history()
        history_asked, org.appointed = recent_appointments(connector, mapping, org)
        with store.transaction():
            ledger.record(confirm_sent(mapping, ledger.entries(), org.own_tasks, calendar))
        the_plan = plan(org, mapping, ledger.closed_by_us())
        stamp_text = stamp(mapping, version, run_id, now_text())
        writes = Differ(
            mapping, ledger.entries(), org.own_tasks, stamp_text, identity.user_id, calendar
        ).diff(the_plan, {a.id: a.current for a in org.alliances})
        applied = None
        if mode == "run":
            if progress.phase:
                progress.phase("apply")
            applied = Applier(connector, store, mapping, run_id, progress.applied).apply(writes, today)
            with store.transaction():
                ledger.remember(the_plan.memory)
                health = {a.account_id: a.health for a in the_plan.accounts}
                ledger.log_health(today, health, org.health_history)
                store.set_meta("last_today", today.isoformat())
        exit_code = ExitCode.REJECTED_RECORDS if applied and applied.rejected else ExitCode.OK
        report = RunReport(
            run_id=run_id,
            mode=mode,
            crm=crm,
            today=today,
            exit_code=exit_code,
            outcome="rejected" if exit_code else "ok",
            api_calls=connector.api_calls(),
            seconds=time.monotonic() - started,
            pull=stats,
            plan=the_plan,
            writes=writes,
            applied=applied,
            mirror_counts=mirror.counts(),
            history_asked=history_asked,
            calendar=calendar,
            zone_asked=zone_asked,
        )
        ledger.finish_run(run_id, report.outcome, int(exit_code), report.api_calls, report.counts(), None)
        if on_end is not None:
            on_end(report.summary())
        return report
    except SponsorsyncError as exc:
        ended("failed", exc.exit_code, exc.message)
        raise
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (Interrupted) at a safe point
        code = exc.exit_code if isinstance(exc, Interrupted) else ExitCode.INTERRUPTED
        what = exc.signal_name if isinstance(exc, Interrupted) else "SIGINT (Ctrl-C)"
        ended("interrupted", code, f"stopped by {what}")
        raise
    except Exception as exc:
        error = state_error(exc, store.path)
        if error is None:  # a bug: recorded, then shown by the CLI as an internal error
            ended("failed", ExitCode.INTERNAL, f"internal error: {type(exc).__name__}")
            raise
        ended("failed", error.exit_code, error.message)
        raise error from exc
    finally:
        if connector is not None:
            connector.close()
        store.close()


def _record_end(
    store: StateStore,
    ledger: Ledger,
    run_id: int,
    connector: Connector | None,
    outcome: str,
    code: ExitCode,
    message: str,
) -> None:
    """Record how a run that did not finish ended. The failure may be the database's own (full disk,
    damage). A full disk stops the write-ahead log growing: the second try first moves the log into
    the database, which makes room for the one row. If that fails too, the history keeps the run as
    'running' and the next run marks it interrupted."""
    if not run_id:
        return
    calls = connector.api_calls() if connector else 0
    for attempt in (1, 2):
        try:
            if store.db.in_transaction:
                store.db.execute("ROLLBACK")
            if attempt == 2:
                store.reclaim_log()
            ledger.finish_run(run_id, outcome, int(code), calls, {}, message)
            return
        except Exception as exc:
            if not isinstance(exc, sqlite3.Error | OSError) and state_error(exc, store.path) is None:
                raise
            if attempt == 2:
                log.warning("run #%d could not be recorded as %s in the history: %s", run_id, outcome, exc)


def _written_by(ledger: Ledger, run_id: int) -> dict[str, Any]:
    """What a run that did not finish wrote before it stopped (kept: the next run goes on from there)."""
    if not run_id:
        return {}
    try:
        return {"written": ledger.written_in(run_id), "rejected": ledger.rejected_in(run_id)}
    except sqlite3.Error:  # the database itself may be what failed
        return {}


def _check_state_org(store: StateStore, crm: str, identity: OrgIdentity) -> None:
    """The state belongs to the org the credentials reach (recorded on its first run): another org's
    cursors and mirror would silently hide this org's changes."""
    known, known_url = store.meta("org_id"), store.meta("instance_url")
    url = mask_url_credentials(identity.instance_url)
    if known is not None and known != identity.org_id:
        raise ConfigError(
            f"The state in {store.label} belongs to {crm} org {known} ({known_url}), but the "
            f"credentials reach org {identity.org_id} ({url})",
            hint=f"use a separate SPONSORSYNC_STATE_DIR per CRM org, or point the settings back at org {known}",
        )
    if known is None:
        store.set_meta("org_id", identity.org_id)
    if known_url != url:
        if known_url is not None:
            log.info("org %s is now reached at %s (was %s)", identity.org_id, url, known_url)
        store.set_meta("instance_url", url)


def _check_state_crm(store: StateStore, crm: str) -> None:
    known = store.meta("crm")
    if known is None:
        store.set_meta("crm", crm)
        store.set_meta("created_at", datetime.now(UTC).isoformat(timespec="seconds"))
    elif known != crm:
        raise ConfigError(
            f"The state in {store.label} belongs to a {known} org, not {crm}",
            hint="use a separate SPONSORSYNC_STATE_DIR per CRM org",
        )


def org_calendar(
    settings: Settings, identity: OrgIdentity, connector: Connector, store: StateStore
) -> tuple[Calendar, bool]:
    """The calendar days are counted on: ``sync.timezone``, else the org's own time zone, else UTC;
    and whether this run asked the CRM for the zone. HubSpot's identity tells it; Salesforce's takes
    a query, made at most once a day (the zone read last is kept in the state)."""
    if settings.sync.timezone:
        return Calendar(settings.sync.timezone), False
    zone, asked = identity.time_zone, False
    if zone is None:
        now = connector.server_time()
        read_at = store.meta(ZONE_READ_META)
        if read_at is None or now - datetime.fromisoformat(read_at) >= ZONE_REREAD:
            # A refusal keeps the zone read before: a flapping permission must not switch the
            # calendar (and pull everything again) back and forth.
            zone, asked = connector.org_time_zone() or store.meta(ZONE_META) or None, True
            store.set_meta(ZONE_META, zone or "")
            store.set_meta(ZONE_READ_META, now.isoformat())
        else:
            zone = store.meta(ZONE_META) or None
    if zone:
        try:
            return Calendar(zone), asked
        except UnknownTimeZone:
            log.warning(
                "the CRM's time zone %r is not in the time zone database: days are counted in UTC "
                "(set SPONSORSYNC_SYNC__TIMEZONE to the org's zone)",
                zone[:60],
            )
    return UTC_CALENDAR, asked


def stored_calendar(store: StateStore) -> Calendar:
    """The calendar the mirror's rows were stored on (the last run's)."""
    zone = store.meta(CALENDAR_META)
    try:
        return Calendar(zone) if zone else UTC_CALENDAR
    except UnknownTimeZone:
        return UTC_CALENDAR


def _use_calendar(store: StateStore, calendar: Calendar) -> None:
    """Record the run's calendar. The mirror keeps instants as the wall time of the zone it was filled
    on (states from before the calendar: UTC), so on another zone everything is pulled again."""
    stored = store.meta(CALENDAR_META) or UTC_NAME
    if stored != calendar.zone:
        if store.meta("last_today") is not None:
            log.warning(
                "days are now counted in the time zone %s (were %s): pulling everything again, so that "
                "stored meetings and tasks fall on the days the CRM shows",
                calendar.zone,
                stored,
            )
        store.forget_cursors()
    store.set_meta(CALENDAR_META, calendar.zone)


def local_model(store: StateStore, mapping: Mapping) -> tuple[Org, Plan]:
    """The model and plan as of the last sync's ``today``, from local state only: no CRM call."""
    if store.meta("crm") is None:
        raise ConfigError(
            f"No sync has run with the state in {store.label} yet",
            hint="run `sponsorsync sync run` (or `sponsorsync demo`) first",
        )
    ledger = Ledger(store)
    calendar = stored_calendar(store)
    last = store.meta("last_today")
    today = date.fromisoformat(last) if last else calendar.date_of(datetime.now(UTC))
    pending = frozenset(r.sync_key for r in ledger.rejections())
    org = build_org(Mirror(store), mapping, today, ledger.memory(), pending, calendar)
    org.health_history = ledger.health_history()
    return org, plan(org, mapping, ledger.closed_by_us())


def explain_alliance(
    settings: Settings, mapping: Mapping, query: str
) -> tuple[AllianceView, list[DesiredTask]]:
    """The model and plan of one alliance (by id or name), from local state only: no CRM call."""
    store = open_state(settings)
    try:
        _, the_plan = local_model(store, mapping)
    finally:
        store.close()
    wanted = query.casefold()
    matches = [
        v for v in the_plan.views.values() if v.alliance.id == query or wanted in v.alliance.name.casefold()
    ]
    exact = [v for v in matches if v.alliance.id == query or v.alliance.name.casefold() == wanted]
    matches = exact or matches
    if not matches:
        raise ConfigError(
            f"No alliance matches {query!r}",
            hint="give an account id or part of its name; `sponsorsync sync plan` lists the alliances' tasks",
        )
    if len(matches) > 1:
        names = ", ".join(f"{v.alliance.name} ({v.alliance.id})" for v in matches[:8])
        raise ConfigError(f"{len(matches)} alliances match {query!r}: {names}", hint="give the account id")
    view = matches[0]
    return view, [t for t in the_plan.tasks if t.alliance_id == view.alliance.id]
