"""The results as markdown tables and as JSON."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from benchmarks.engine import EngineTime
from benchmarks.sandbox import RATE_LIMIT
from benchmarks.scale_tests import ScaleTests
from benchmarks.scenario import RUNS, Run, Scenario
from benchmarks.targets import Verdict


def short_route(route: str) -> str:
    """``GET /services/data/{version}/queryAll{slash}`` -> ``GET queryAll``."""
    method, _, path = route.partition(" ")
    path = path.replace("{slash}", "")
    path = re.sub(r"^/services/data/\{version\}/|^/crm/v3/objects/\{objectType\}/?|^/crm/v3/", "", path)
    path = path.replace("/crm/v4/associations/{fromObjectType}/{toObjectType}/", "v4 associations/")
    return f"{method} {path or 'objects'}".rstrip("/")


def _table(head: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _beyond(run: Run) -> str:
    parts = []
    for kind, label in (("association_reads", "assoc. reads"), ("deletion_sweep", "sweep")):
        made, needed = run.made.get(kind, 0), run.needed.get(kind, 0)
        if made or needed:
            parts.append(f"{label} {made}/{needed}")
    return ", ".join(parts) or "-"


def calls_tables(scenarios: Sequence[Scenario]) -> list[str]:
    lines: list[str] = []
    for crm in sorted({s.crm for s in scenarios}):
        mine = [s for s in scenarios if s.crm == crm]
        routes = sorted({r for s in mine for run in s.runs.values() for r in run.calls.by_route})
        head = [
            "contacts",
            "activities",
            "run",
            *(f"`{short_route(r)}`" for r in routes),
            "calls",
            "floor",
            "ratio",
            "beyond the floor (made/needed)",
            "writes: calls/floor",
            "records pulled",
        ]
        rows = []
        for s in mine:
            activities = sum(
                n for k, n in s.runs["full"].child.result["pulled"].items() if k.startswith("activities:")
            )
            for name, run in s.runs.items():
                rows.append(
                    [
                        f"{s.size:,}",
                        f"{activities:,}",
                        RUNS[name],
                        *(f"{run.calls.by_route.get(r, 0):,}" for r in routes),
                        f"**{run.calls.total:,}**",
                        f"{run.floor.total:,}",
                        f"{run.ratio:.2f}x",
                        _beyond(run),
                        f"{run.calls.writes}/{run.floor.write_calls}",
                        f"{sum(run.child.result['pulled'].values()):,}",
                    ]
                )
        lines += [f"#### {crm}", "", *_table(head, rows), ""]
    return lines


def pace_table(scenarios: Sequence[Scenario]) -> list[str]:
    head = [
        "CRM",
        "contacts",
        "requests (searches)",
        "sync wall time (pull)",
        "request span",
        "floor",
        "floor / span",
        "rate",
        "allowed",
        "busiest 10 s",
        "429s",
        "CPU: sync / sandbox",
        "load",
    ]
    rows = []
    for s in scenarios:
        p, cpu = s.runs["full"].pace, s.runs["full"].cpu
        if p is None:
            continue
        rows.append(
            [
                s.crm,
                f"{s.size:,}",
                f"{p.requests:,} ({p.searches:,})",
                f"{p.wall_seconds:.1f} s ({s.runs['full'].child.result['phases'].get('pull', 0):.1f} s)",
                f"{p.span_seconds:.1f} s",
                f"{p.floor_seconds:.1f} s",
                f"{p.share:.1%}",
                f"{p.rate:.1f}/s",
                f"{p.allowed_rate:.0f}/s + search {RATE_LIMIT['search_per_second']}/s"
                if p.allowed_rate
                else "no burst limit",
                str(p.busiest_window),
                str(p.throttled),
                f"{cpu.sync_seconds:.1f} s / {cpu.sandbox_seconds:.1f} s" if cpu else "-",
                f"{cpu.load:.1f}" if cpu else "-",
            ]
        )
    return _table(head, rows)


def memory_table(scenarios: Sequence[Scenario]) -> list[str]:
    head = ["CRM", "contacts", "activities", *(f"{RUNS[n]}" for n in RUNS), "sandbox build + all runs"]
    rows = []
    for s in scenarios:
        activities = sum(
            n for k, n in s.runs["full"].child.result["pulled"].items() if k.startswith("activities:")
        )
        cells = [f"{s.runs[n].child.peak_rss_mb:.0f} MB" if n in s.runs else "-" for n in RUNS]
        rows.append([s.crm, f"{s.size:,}", f"{activities:,}", *cells, f"{s.seconds:.0f} s"])
    return _table(head, rows)


def engine_table(engines: dict[tuple[str, int], EngineTime]) -> list[str]:
    head = [
        "CRM",
        "contacts",
        "activities",
        "alliances",
        "model",
        "plan",
        "diff",
        "total",
        "per 1,000 contacts",
        "contacts/s",
        "titles classified/s (cold; none repeated)",
        "HTML report",
    ]
    rows = []
    for (crm, _), e in sorted(engines.items()):
        rows.append(
            [
                crm,
                f"{e.contacts:,}",
                f"{e.activities:,}",
                str(e.alliances),
                f"{e.model_seconds:.3f} s",
                f"{e.plan_seconds:.3f} s",
                f"{e.diff_seconds:.3f} s",
                f"{e.seconds:.3f} s",
                f"{e.per_1000_contacts_ms:.1f} ms",
                f"{e.contacts_per_second:,.0f}",
                f"{e.titles_per_second:,.0f} ({e.distinct_titles:,} distinct of {e.titles:,}); "
                f"{e.unrepeated_per_second:,.0f} ({e.unrepeated_titles:,} all different)",
                f"{e.report_seconds:.2f} s ({e.report_bytes / 1024:,.0f} KiB)",
            ]
        )
    return _table(head, rows)


def verdict_table(verdicts: Sequence[Verdict]) -> list[str]:
    mark = {True: "met", False: "**MISSED**", None: "n/a"}
    return _table(
        ["target", "where", "figure", ""], [[v.target, v.where, v.figure, mark[v.met]] for v in verdicts]
    )


def markdown(
    scenarios: Sequence[Scenario],
    engines: dict[tuple[str, int], EngineTime],
    verdicts: Sequence[Verdict],
    scale: ScaleTests | None,
    meta: dict[str, Any],
) -> str:
    m = meta["machine"]
    lines = [
        "## Results",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, {m['os']}, Python {m['python']}, "
        f"SQLite {m['sqlite']}. Command: `{meta['command']}`; took {meta['seconds'] / 60:.1f} min "
        f"({meta['started']}, sponsorsync {meta['commit']}).",
        "",
        "### Targets",
        "",
        *verdict_table(verdicts),
        "",
        "### API calls by endpoint (sandbox statistics) against the floor",
        "",
        *calls_tables(scenarios),
        "### Wall time of a full sync: 100 ms per request, HubSpot's rate limit on (110 per 10 s, search 4/s)",
        "",
        *pace_table(scenarios),
        "",
        "### Peak RSS of each sync process",
        "",
        *memory_table(scenarios),
        "",
        "### Engine time (model, plan, diff on the stored mirror; the HTML portfolio report; best of 3)",
        "",
        *engine_table(engines),
        "",
    ]
    if scale is not None:
        lines += [
            "### Scale tests (`pytest -m scale`)",
            "",
            f"{'passed' if scale.passed else '**FAILED**'}: {scale.summary} ({scale.seconds:.0f} s)",
            "",
        ]
    return "\n".join(lines)


def as_json(
    scenarios: Sequence[Scenario],
    engines: dict[tuple[str, int], EngineTime],
    verdicts: Sequence[Verdict],
    scale: ScaleTests | None,
    meta: dict[str, Any],
) -> dict[str, Any]:
    return {
        **meta,
        "targets": [v.to_json() for v in verdicts],
        "scenarios": [s.to_json() for s in scenarios],
        "engine": [{"crm": crm, "size": size, **e.to_json()} for (crm, size), e in sorted(engines.items())],
        "scale_tests": scale.to_json() if scale else None,
    }
