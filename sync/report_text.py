"""The portfolio as CSV (one row per alliance, every figure) and as rich tables for a terminal."""

from __future__ import annotations

import csv
import io

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from sponsorsync.sync.portfolio import Portfolio
from sponsorsync.sync.terminal import printable

CSV_COLUMNS = (
    "alliance_id", "alliance", "tier", "manager", "sponsor", "sponsor_state", "counterpart", "health",
    "health_reason", "last_touch", "touches_90", "touches_365", "covered", "open_tasks", "overdue_tasks",
    "open_escalations", "oldest_escalation_days", "open_deals", "pipeline_amount",
)  # fmt: skip


def render_csv(portfolio: Portfolio) -> str:
    """One row per alliance; the monthly executive touches as one column per month (``touches_YYYY-MM``).
    Cells a spreadsheet would run as a formula (starting with = + - @) are prefixed with a quote."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*CSV_COLUMNS, *(f"touches_{m}" for m in portfolio.months)])
    for a in portfolio.alliances:
        values: list[object] = [
            a.id, a.name, a.tier, a.manager or "", a.sponsor or "", a.sponsor_state, a.counterpart or "",
            a.health, a.reason, a.last_touch.isoformat() if a.last_touch else "", a.touches_90, a.touches_365,
            "yes" if a.covered else "no", a.open_tasks, a.overdue_tasks, a.open_escalations,
            "" if a.oldest_escalation_days is None else a.oldest_escalation_days, a.open_deals,
            f"{a.pipeline:.2f}", *a.months,
        ]  # fmt: skip
        writer.writerow([_cell(v) for v in values])
    return out.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _t(value: object) -> Text:
    """CRM text, printable and never rich markup."""
    return Text(printable(str(value)))


def render_tables(portfolio: Portfolio) -> RenderableType:
    p = portfolio
    parts: list[RenderableType] = [
        Text(
            f"sponsorsync portfolio report: {len(p.alliances)} alliances as of {p.today.isoformat()}"
            + (f", only {p.owner}'s alliances and tasks" if p.owner else ""),
            style="bold",
        )
    ]
    coverage = Table(title="coverage by tier", title_justify="left", show_edge=False)
    for column in ("tier", "alliances", "covered", "share"):
        coverage.add_column(column, justify="left" if column == "tier" else "right")
    for c in [*p.coverage, p.overall]:
        share = "-" if c.share is None else f"{c.share:.0%}"
        coverage.add_row(c.tier, str(c.alliances), str(c.covered), share)
    parts.append(coverage)

    health = Table(title="alliances", title_justify="left", show_edge=False)
    for column in ("alliance", "tier", "health", "sponsor", "counterpart", "last touch", "90 d", "365 d",
                   "open", "overdue", "escalations", "pipeline", "touches by month"):  # fmt: skip
        health.add_column(column, overflow="fold")
    for a in p.alliances:
        oldest = f" ({a.oldest_escalation_days} d)" if a.oldest_escalation_days is not None else ""
        health.add_row(
            _t(a.name), a.tier, Text(a.health, style=a.health.replace("amber", "yellow")),
            _t(a.sponsor or "none"), _t(a.counterpart or "-"),
            a.last_touch.isoformat() if a.last_touch else "never", str(a.touches_90), str(a.touches_365),
            str(a.open_tasks), str(a.overdue_tasks), f"{a.open_escalations}{oldest}",
            f"{a.open_deals} / {a.pipeline:,.0f}", " ".join(str(n) for n in a.months),
        )  # fmt: skip
    parts.append(health)

    cards = Table(title="sponsor scorecards", title_justify="left", show_edge=False)
    for column in ("sponsor", "alliances", "green/amber/red", "touches vs cadence", "updates sent/missed",
                   "escalations in SLA", "days to sponsor/close", "critical moments"):  # fmt: skip
        cards.add_column(column, overflow="fold")
    for s in p.scorecards:
        ratio = f" ({s.touch_ratio:.0%})" if s.touch_ratio is not None else ""
        cards.add_row(
            _t(s.name), str(s.alliances), f"{s.green}/{s.amber}/{s.red}",
            f"{s.touches_365} / {s.expected_touches:.1f}{ratio}", f"{s.updates_sent}/{s.updates_missed}",
            s.escalations.text() if s.escalations.out_of else "-", _days(s.days_to_sponsor, s.days_to_close),
            s.moments.text() if s.moments.out_of else "-",
        )  # fmt: skip
    parts.append(cards)

    if p.escalations:
        escalations = Table(title="open escalations", title_justify="left", show_edge=False)
        for column in ("alliance", "sponsor", "case", "priority", "opened", "age (days)"):
            escalations.add_column(column, overflow="fold")
        for e in p.escalations:
            escalations.add_row(
                _t(e.alliance), _t(e.sponsor or "none"), _t(f"{e.subject} ({e.case_id})"), _t(e.priority or "-"),
                e.opened_on.isoformat(), str(e.age_days),
            )  # fmt: skip
        parts.append(escalations)
    else:
        parts.append(Text("open escalations: none"))

    if p.overdue:
        overdue = Table(title="overdue tasks by owner", title_justify="left", show_edge=False)
        for column in ("owner", "alliance", "task", "rule", "due", "days overdue"):
            overdue.add_column(column, overflow="fold")
        for owner, tasks in p.overdue.items():
            for t in tasks:
                overdue.add_row(
                    _t(owner), _t(t.alliance), _t(t.subject), t.rule, t.due.isoformat(), str(t.days_overdue)
                )
        parts.append(overdue)
    else:
        parts.append(Text("overdue tasks: none"))
    return Group(*parts)


def _days(to_sponsor: float | None, to_close: float | None) -> str:
    return "/".join("-" if d is None else f"{d:.1f}" for d in (to_sponsor, to_close))
