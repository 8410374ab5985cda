"""The long scale tests (``pytest -m scale``, deselected by the default suite) run here, so that
they run somewhere."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from benchmarks.child_process import ROOT, child_env


@dataclass(frozen=True)
class ScaleTests:
    exit_code: int
    summary: str
    seconds: float
    output_tail: str

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"passed": self.passed}


def run_scale_tests() -> ScaleTests:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "scale", "-q", "-rA", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    summary = lines[-1].strip("= ") if lines else "(no output)"
    tail = "\n".join(lines[-40:]) + ("\n" + result.stderr[-2000:] if result.stderr else "")
    return ScaleTests(result.returncode, summary, time.monotonic() - started, tail)
