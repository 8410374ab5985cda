"""A real PostgreSQL server for the tests, from the ``pgserver`` pip package (no system service).

The server runs from a directory shared by every pytest worker of the session (pgserver lets several
processes share one server; the last one to exit stops it and deletes its data). As root (CI), pgserver runs the
server as its own unprivileged ``pgserver`` user: initdb refuses root. Each test gets an org name of
its own (its own schema) or a database of its own, so tests never see each other's rows.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


@contextmanager
def running_server(root: Path) -> Iterator[str]:
    """Start (or join) the server whose data lives under ``root``; its URL (a Unix socket). The last
    process to leave stops the server and deletes its data."""
    # pgserver logs from an atexit hook too, when pytest's captured streams are already closed.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    root.mkdir(parents=True, exist_ok=True)
    runtime = root / "run"  # pgserver's own lock file lives there
    runtime.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime))
    # Workers starting together: one starts the server, the others join it once it is ready.
    with (root / "start.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        from pgserver.postgres_server import get_server  # its import reads XDG_RUNTIME_DIR

        server = get_server(root / "pgdata", cleanup_mode="delete")
        url = str(server.get_uri())
    try:
        yield url
    finally:
        server.cleanup()
        if not (root / "pgdata").exists():
            shutil.rmtree(root, ignore_errors=True)


def new_database(url: str, prefix: str = "t") -> str:
    """A fresh database on the server at ``url``; the URL that reaches it."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.replace("/postgres?", f"/{name}?", 1)


def new_org() -> str:
    return f"t{uuid.uuid4().hex[:12]}"
