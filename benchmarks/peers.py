"""``python -m benchmarks --peers``: per CRM and size, one seeded sandbox org; sponsorsync's
pull-only runs (full, then unchanged), then each peer of that CRM in its own virtual environment
(discovery, full, unchanged with its own state), pointed at the same org through the loopback
proxy. The figures go to :mod:`benchmarks.peers_table`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from benchmarks.calls import Calls
from benchmarks.child_process import SyncFailed, run_sync
from benchmarks.peers_install import CACHE, InstallFailed, ensure_venv
from benchmarks.peers_proxy import PeerProxy, Upstream
from benchmarks.peers_run import PeerResult, PeerRunner, Step
from benchmarks.peers_specs import PEERS, Login, Peer
from benchmarks.peers_table import OWN, Figures, RunFigures, grouped
from benchmarks.sandbox import Sandbox, sandbox
from sponsorsync.connectors.base import CrmName
from sponsorsync.sandbox.salesforce.auth import Credentials

INTERVAL_MINUTES = 15.0


def login_of(box: Sandbox) -> Login:
    """The sandbox's own credentials: its connected app and refresh token (Salesforce, defaults),
    its private app token (HubSpot)."""
    if box.crm == "salesforce":
        creds = Credentials()
        return Login(creds.consumer_key, creds.consumer_secret, creds.refresh_token)
    return Login(access_token=box.env["SPONSORSYNC_HUBSPOT__ACCESS_TOKEN"])


def step_figures(step: Step | None) -> RunFigures | None:
    if step is None or not step.ok:
        return None
    return RunFigures(
        step.calls.total, sum(step.records.values()), step.seconds, grouped(step.calls.by_route)
    )


def peer_figures(result: PeerResult) -> Figures:
    peer, steps = result.peer, result.steps
    failed = next((s for s in steps.values() if not s.ok), None)
    error = result.error or (f"{failed.name}: {failed.error}" if failed else "")
    if result.refused:
        error = (error + "; " if error else "") + "proxy refused " + ", ".join(sorted(set(result.refused)))
    full = steps.get("full")
    rows = sum(n for name, n in full.records.items() if name.endswith("_associations")) if full else 0
    notes = [peer.note, *([f"{rows:,} of the full run's records are association rows"] if rows else [])]
    if result.missing:
        notes.append("streams it does not offer: " + ", ".join(result.missing))
    note = "; ".join([*([error] if error else []), *notes])
    discovery = steps.get("discovery")
    return Figures(
        peer.label, peer.version, peer.crm, result.size,
        discovery=RunFigures(discovery.calls.total, 0, discovery.seconds, grouped(discovery.calls.by_route))
        if discovery else None,
        full=step_figures(steps.get("full")),
        unchanged=step_figures(steps.get("unchanged")),
        note=note,
        failed=bool(result.error or failed),
    )  # fmt: skip


def own_figures(box: Sandbox, home: Path, log: Callable[[str], None]) -> Figures:
    state = home / "state"
    env = box.write_env("pull.env", state)
    runs: dict[str, RunFigures] = {}
    pulls: list[str] = []
    for name in ("full", "unchanged"):
        if name == "unchanged":
            box.advance(INTERVAL_MINUTES)
        box.reset_stats()
        try:
            child = run_sync(env, home / "runs", name, dry_run=True)
        except SyncFailed as exc:
            why = str(exc).splitlines()[0]
            return Figures(OWN, "", box.crm, box.size, full=runs.get("full"), note=why, failed=True)
        calls = Calls.from_stats(box.stats())
        records = sum(int(n) for n in child.result.get("pulled", {}).values())
        runs[name] = RunFigures(calls.total, records, child.wall_seconds, grouped(calls.by_route))
        pulls.append(f"{float(child.result.get('phases', {}).get('pull', 0.0)):.1f}")
        log(f"  sponsorsync {name}: {calls.total:,} calls, {records:,} records, {child.wall_seconds:.1f}s")
    note = f"dry run; of the wall time, the pull phase took {' / '.join(pulls)} s (full / unchanged)"
    return Figures(OWN, "", box.crm, box.size, full=runs["full"], unchanged=runs["unchanged"], note=note)


def run_peer(peer: Peer, box: Sandbox, home: Path, sources: dict[str, Path], cache: Path) -> PeerResult:
    try:
        venv = ensure_venv(peer, sources, cache)
    except InstallFailed as exc:
        return PeerResult(peer, box.size, error=str(exc))
    upstream = Upstream(box.server.port, box.server.ca_path)
    with PeerProxy(dict.fromkeys(peer.hosts, upstream), home / "proxy") as proxy:
        runner = PeerRunner(peer, venv, box, login_of(box), proxy.url, proxy.ca_pem, home / peer.key)
        result = runner.run(box.size)
        result.refused = list(proxy.log.refused)
    return result


def run_peers(
    sizes: list[int],
    crms: tuple[CrmName, ...],
    work: Path,
    sources: dict[str, Path],
    *,
    cache: Path = CACHE,
    log: Callable[[str], None] = print,
) -> tuple[list[Figures], list[PeerResult]]:
    figures: list[Figures] = []
    results: list[PeerResult] = []
    for size in sizes:
        for crm in crms:
            log(f"peers: {crm}, {size:,} contacts")
            home = work / f"peers-{crm}-{size}"
            with sandbox(crm, size, home / "sandbox") as box:
                figures.append(own_figures(box, home / "sponsorsync", log))
                for peer in (p for p in PEERS if p.crm == crm):
                    result = run_peer(peer, box, home, sources, cache)
                    results.append(result)
                    figures.append(peer_figures(result))
                    f = figures[-1]
                    done = (
                        f"full {f.full.calls:,} calls, {f.full.records:,} records"
                        if f.full
                        else "no full run"
                    )
                    log(f"  {peer.label}: {done}" + (f"; {f.note}" if f.failed else ""))
    return figures, results
