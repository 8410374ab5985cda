"""The peers table: per CRM and size, sponsorsync's pull-only figures and each peer's beside them
(calls per endpoint group, records, wall time; full run and unchanged re-run; discovery counted
apart), as ratios to sponsorsync's from the same run. A peer that could not run keeps its row,
with the reason. Pure: figures in, markdown and JSON out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

OWN = "sponsorsync"

# Route name (the sandbox's, e.g. ``GET /services/data/{version}/queryAll{slash}``) -> group.
_GROUPS: tuple[tuple[str, str], ...] = (
    ("/oauth2/token", "login"),
    ("/services/Soap/", "login"),
    ("/jobs/query", "bulk 2.0"),
    ("/describe", "describe"),
    ("/sobjects{slash}", "describe"),
    ("/composite", "composite"),
    ("/queryAll", "query"),
    ("/query", "query"),
    ("/limits", "limits"),
    ("/associations/", "associations"),
    ("/search", "search"),
    ("/crm/v3/owners", "owners"),
    ("/crm/v3/properties", "properties"),
    ("/schemas", "schemas"),
    ("/crm/v3/objects/", "objects"),
    ("/crm/v4/objects/", "associations"),
)


def endpoint_group(route: str) -> str:
    """The endpoint group of a sandbox route name; ``other`` when none matches."""
    path = route.partition(" ")[2] or route
    bare = path.removesuffix("{slash}")
    if bare.endswith("/services/data/{version}") or "/account-info/" in path:
        return "identity"  # Salesforce's resource list (it names the identity URL); HubSpot's account
    if bare.endswith("/services/data"):
        return "versions"
    for needle, group in _GROUPS:
        if needle in path:
            return group
    return "other"


def grouped(by_route: dict[str, int]) -> dict[str, int]:
    groups: dict[str, int] = {}
    for route, n in by_route.items():
        name = endpoint_group(route)
        groups[name] = groups.get(name, 0) + n
    return dict(sorted(groups.items()))


@dataclass(frozen=True)
class RunFigures:
    calls: int
    records: int
    seconds: float
    groups: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Figures:
    """One tool on one CRM at one size."""

    tool: str
    version: str
    crm: str
    size: int
    discovery: RunFigures | None = None
    full: RunFigures | None = None
    unchanged: RunFigures | None = None
    note: str = ""  # how it was run; and why it could not run, or where it stopped
    failed: bool = False

    @property
    def own(self) -> bool:
        return self.tool == OWN


def ratio(value: float, base: float) -> float | None:
    return value / base if base else None


def _x(value: float, base: float | None) -> str:
    if base is None:
        return ""
    r = ratio(value, base)
    return f" ({r:.2f}x)" if r is not None else ""


def _groups(run: RunFigures | None) -> str:
    if run is None or not run.groups:
        return ""
    return ", ".join(f"{name} {n:,}" for name, n in run.groups.items())


def _run_cells(run: RunFigures | None, base: RunFigures | None) -> list[str]:
    if run is None:
        return ["-", "-", "-"]
    return [
        f"{run.calls:,}{_x(run.calls, base.calls if base else None)}",
        f"{run.records:,}",
        f"{run.seconds:.1f}{_x(run.seconds, base.seconds if base else None)}",
    ]


HEADER = (
    "| CRM | contacts | tool | discovery calls | full: calls (x sponsorsync) | full: records "
    "| full: wall s (x) | unchanged: calls (x) | unchanged: records | unchanged: wall s (x) "
    "| full calls by endpoint group | note |"
)


def rows(figures: list[Figures]) -> list[str]:
    """Markdown rows, sponsorsync first in each (CRM, size) block, in the order given otherwise."""
    lines = [HEADER, "|" + "---|" * HEADER.count(" | ") + "---|"]
    blocks: dict[tuple[str, int], list[Figures]] = {}
    for f in figures:
        blocks.setdefault((f.crm, f.size), []).append(f)
    for (crm, size), block in blocks.items():
        own = next((f for f in block if f.own), None)
        for f in sorted(block, key=lambda f: not f.own):
            base_full = own.full if own and not f.own else None
            base_again = own.unchanged if own and not f.own else None
            discovery = f"{f.discovery.calls:,}" if f.discovery else ("0" if f.own else "-")
            note = f"could not run: {f.note}" if f.failed and f.full is None else f.note
            cells = [
                crm, f"{size:,}", f"{f.tool} {f.version}".strip(), discovery,
                *_run_cells(f.full, base_full), *_run_cells(f.unchanged, base_again),
                _groups(f.full), note.replace("|", "/"),
            ]  # fmt: skip
            lines.append("| " + " | ".join(cells) + " |")
    return lines


def markdown(figures: list[Figures], meta: dict[str, Any]) -> str:
    head = [
        "# Peers side by side",
        "",
        f"Command: `{meta.get('command', '')}`; started {meta.get('started', '')}; "
        f"commit {meta.get('commit', '')}; load average at start: {meta.get('load', '')}.",
        "",
        "Calls as the sandbox counted them (`/__sandbox__/stats`); peers' counts include their login. "
        "Ratios are to sponsorsync's pull-only run (a dry run: pull and plan, nothing written) on the "
        "same org in the same run. Discovery is counted apart from the runs.",
        "",
    ]
    return "\n".join(head + rows(figures)) + "\n"


def as_json(figures: list[Figures], meta: dict[str, Any]) -> dict[str, Any]:
    out = []
    for f in figures:
        entry = asdict(f)
        own = next((o for o in figures if o.own and (o.crm, o.size) == (f.crm, f.size)), None)
        if own and not f.own:
            entry["ratios"] = {
                run: {
                    "calls": ratio(getattr(f, run).calls, getattr(own, run).calls),
                    "seconds": ratio(getattr(f, run).seconds, getattr(own, run).seconds),
                }
                for run in ("full", "unchanged")
                if getattr(f, run) is not None and getattr(own, run) is not None
            }
        out.append(entry)
    return {"meta": meta, "figures": out}
