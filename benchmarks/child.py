"""One sync in a child process: ``python -m benchmarks.child ENV_FILE OUT_JSON [MODE]``.

Runs ``sync.run.execute`` exactly as ``sponsorsync sync run`` does (MODE ``dry_run``: as ``sync run
--dry-run``, pull and plan without writing: the peers comparison's pull-only run) (settings from the env file,
the built-in mapping of the CRM) and writes what the run decided, its timings per phase, its counts
and this process's peak RSS as JSON.

Peak RSS is the kernel's high-water mark of this process's own memory (``VmHWM``), read at the
end. ``getrusage``/``wait4`` are no good here: Linux carries the parent's high-water mark into a
child's ``ru_maxrss`` across the fork/exec, and the parent holds the sandbox's org.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any, Literal

from sponsorsync.mappings.loader import load_mapping
from sponsorsync.sync.run import Progress, RunReport, execute
from sponsorsync.sync.settings import load_settings


def run(env_file: Path, mode: Literal["run", "dry_run"] = "run") -> dict[str, Any]:
    settings = load_settings(env_file)
    mapping = load_mapping(settings.mapping, settings.require_crm())
    phases: dict[str, float] = {}
    started = time.monotonic()

    def phase(name: str) -> None:
        phases[name] = time.monotonic() - started

    report = execute(settings, mapping, mode=mode, progress=Progress(phase=phase), version="bench")
    phase("end")
    return summary(report, phases)


def durations(starts: dict[str, float]) -> dict[str, float]:
    """Seconds per phase from the phases' start times (each runs until the next one starts)."""
    ordered = sorted(starts.items(), key=lambda item: item[1])
    return {name: ordered[i + 1][1] - at for i, (name, at) in enumerate(ordered[:-1])}


def summary(report: RunReport, phases: dict[str, float]) -> dict[str, Any]:
    counts = report.counts()
    return {
        "exit_code": int(report.exit_code),
        "api_calls": report.api_calls,
        "seconds": report.seconds,
        "phases": durations(phases),
        "pulled": dict(report.pull.records),
        "full": list(report.pull.full),
        "swept": list(report.pull.swept),
        "searched": list(report.pull.searched),
        "mirror": dict(report.mirror_counts),
        "contacts": report.mirror_counts.get("contacts", 0),
        "created": counts["created"],
        "updated": counts["updated"] + counts["closed"],
        "accounts": counts["accounts_written"],
        "rejected": counts["rejected"],
        "history_asked": counts["history_asked"],
        "zone_asked": counts["zone_asked"],
        "linked": linked_records(report),
        "planned": {
            "create": counts["to_create"],
            "update": counts["to_update"] + counts["to_close"],
            "accounts": counts["account_updates"],
        },
    }


def linked_records(report: RunReport) -> dict[str, int]:
    """HubSpot: the records each created task was associated with, by object type (distinct ids).
    HubSpot touches them (their last-modified date moves), so the next incremental reads them back."""
    rejected = {r.key for r in report.applied.rejected} if report.applied else set()
    linked: dict[str, set[str]] = {}
    for write in report.writes.creates:
        if write.key not in rejected:
            for to_type, to_id, _ in write.associations:
                linked.setdefault(to_type, set()).add(to_id)
    return {to_type: len(ids) for to_type, ids in sorted(linked.items())}


def peak_rss_mb() -> float:
    """This process's peak resident set size since its exec, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux: the next best


def main(argv: list[str]) -> int:
    env_file, out = Path(argv[0]), Path(argv[1])
    result = run(env_file, "dry_run" if argv[2:] == ["dry_run"] else "run")
    result["peak_rss_mb"] = peak_rss_mb()
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
