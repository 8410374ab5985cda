"""``fleet add --import-state DIR``: an org's SQLite state copied into its PostgreSQL schema, so the
fleet carries on from where the org's cron job stopped (cursors, mirror, ledger, history)."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.sync.ledger import Ledger
from sponsorsync.sync.store import DB_NAME, StateStore

BATCH = 5000


def import_state(state_dir: Path, url: str, org: str) -> dict[str, int]:
    """Rows copied per table. The target org must have no state yet; both states are locked (no run
    of either may change them meanwhile) and the copy is one transaction: all of it or nothing."""
    if not (state_dir / DB_NAME).is_file():
        raise ConfigError(
            f"{state_dir} holds no sponsorsync state ({DB_NAME} is missing)",
            hint="give the org's SPONSORSYNC_STATE_DIR, the directory that holds state.sqlite3",
        )
    source = StateStore(state_dir)  # brings an older state up to the current schema first
    try:
        target = StateStore(state_dir, url=url, org=org)
        try:
            source.acquire()
            target.acquire()
            if target.meta("crm") is not None or Ledger(target).runs(1):
                raise ConfigError(
                    f"The org {org} already has state in the PostgreSQL database",
                    hint=f"import into a new org name, or `sponsorsync fleet remove {org} --drop-state` first",
                )
            tables = [
                str(r[0])
                for r in source.db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            counts: dict[str, int] = {}
            with target.transaction():
                for table in tables:
                    cursor = source.db.execute(f"SELECT * FROM {table}")
                    columns = [d[0] for d in cursor.description]
                    sql = (
                        f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
                    )
                    rows = iter(cursor)
                    counts[table] = 0
                    while batch := list(islice(rows, BATCH)):
                        target.db.executemany(sql, batch)
                        counts[table] += len(batch)
                # The run numbers go on from the imported history.
                target.db.execute(
                    "SELECT setval(pg_get_serial_sequence('runs', 'id'), COALESCE((SELECT MAX(id) FROM runs), 0) + 1, false)"
                )
            return counts
        finally:
            target.close()
    finally:
        source.close()
