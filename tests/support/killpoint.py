"""Run the ``sponsorsync`` command and SIGKILL it from the inside at the n-th call of one function.

    python -m tests.support.killpoint sponsorsync.sync.ledger:Ledger.record 2 -- --env-file run.env sync run

A profile hook (``sys.setprofile``, in every thread) watches Python function calls and kills the
process with SIGKILL, which nothing can catch, as the n-th call of ``module:qualname`` begins. The
product runs unchanged: nothing is patched or switched, the hook only observes. Kill points
inside local processing (storing a page, planning, between the CRM confirming a write and the
ledger recording it) are reached exactly, which timing-based kills cannot promise.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
import threading
from types import FrameType
from typing import Any


def install(module: str, qualname: str, nth: int) -> None:
    calls = 0
    lock = threading.Lock()

    def hook(frame: FrameType, event: str, _arg: Any) -> None:
        nonlocal calls
        if event != "call" or frame.f_code.co_qualname != qualname:
            return
        if frame.f_globals.get("__name__") != module:
            return
        with lock:
            calls += 1
            if calls == nth:
                os.kill(os.getpid(), signal.SIGKILL)

    threading.setprofile(hook)
    sys.setprofile(hook)


def main(argv: list[str]) -> None:
    target, nth, separator, *args = argv
    if separator != "--":
        raise SystemExit("usage: python -m tests.support.killpoint MODULE:QUALNAME N -- SPONSORSYNC-ARGS")
    module, _, qualname = target.partition(":")
    install(module, qualname, int(nth))
    sys.argv = ["sponsorsync", *args]
    runpy.run_module("sponsorsync.cli", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])
