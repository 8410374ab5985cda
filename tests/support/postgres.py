"""A real PostgreSQL server for the tests, from the ``pgserver`` pip package (no system service).

The server runs from a directory shared by every pytest worker of the session (pgserver lets several
processes share one server and stops it when the last one exits). As root (CI), pgserver runs the
server as its own unprivileged ``pgserver`` user: initdb refuses root. Each test gets an org name of
its own (its own schema) or a database of its own, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg


def start_server(root: Path) -> str:
    """Start (or join) the server whose data lives under ``root``; its URL (a Unix socket)."""
    os.environ.setdefault("XDG_RUNTIME_DIR", str(root))  # pgserver's lock file lives there
    from pgserver.postgres_server import get_server  # imported here: pulls platformdirs at import

    root.mkdir(parents=True, exist_ok=True)
    server = get_server(root / "pgdata", cleanup_mode="stop")
    return str(server.get_uri())


def new_database(url: str, prefix: str = "t") -> str:
    """A fresh database on the server at ``url``; the URL that reaches it."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.replace("/postgres?", f"/{name}?", 1)


def new_org() -> str:
    return f"t{uuid.uuid4().hex[:12]}"
