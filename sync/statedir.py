"""Where the state lives by default, and moving a state from the old default there.

The default is absolute, per user and per CRM org: ``$XDG_STATE_HOME/sponsorsync/<crm>-<instance>``
(``~/.local/state`` when ``XDG_STATE_HOME`` is unset), so a scheduler that starts sponsorsync in
another working directory still finds the same state. The org's id is only known after logging in,
so the directory is keyed by what the settings already name before that:
- Salesforce: the host of ``instance_url`` (a My Domain names one org), else the login ``username``
  (a Salesforce username exists in one org only), else the login ``domain``;
- HubSpot: the host of ``base_url``; several portals on one host need a ``SPONSORSYNC_STATE_DIR``
  each (the state records its portal's id, and a run against another portal is refused, exit 2).

The old default was ``./.sponsorsync``, relative to wherever the command ran. A state found there
(and not in the new place) is moved, once, with a log line saying so.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

from sponsorsync.connectors.errors import StateError
from sponsorsync.connectors.settings import HubSpotSettings, SalesforceSettings
from sponsorsync.sync.store import DB_NAME

log = logging.getLogger(__name__)

LEGACY_STATE_DIR = Path(".sponsorsync")
_DB_FILES = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", f"{DB_NAME}-journal")
_UNSAFE = re.compile(r"[^a-z0-9.@_-]+")


def state_home() -> Path:
    """``$XDG_STATE_HOME``, or ``~/.local/state`` (the XDG Base Directory default); a relative value
    is ignored, as the specification asks."""
    configured = os.environ.get("XDG_STATE_HOME", "")
    if configured and Path(configured).is_absolute():
        return Path(configured)
    return Path.home() / ".local" / "state"


def instance_key(crm: str | None, salesforce: SalesforceSettings, hubspot: HubSpotSettings) -> str:
    """``salesforce-acme.my.salesforce.com``, ``hubspot-api.hubapi.com``: path-safe, lower case."""
    if crm == "salesforce":
        where = _host(salesforce.instance_url) or salesforce.username or salesforce.domain
    elif crm == "hubspot":
        where = _host(hubspot.base_url) or "portal"
    else:
        return "no-crm"
    return f"{crm}-{_UNSAFE.sub('_', where.lower()).strip('._') or 'default'}"


def default_state_dir(crm: str | None, salesforce: SalesforceSettings, hubspot: HubSpotSettings) -> Path:
    return state_home() / "sponsorsync" / instance_key(crm, salesforce, hubspot)


def _host(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return parts.netloc.rpartition("@")[2] or None  # never a user:password@ part


def migrate_legacy_state(target: Path, crm: str | None, legacy: Path = LEGACY_STATE_DIR) -> bool:
    """Move the state database from the old default ``./.sponsorsync`` to ``target`` when ``target``
    has none and the old one is of ``crm`` (or has not recorded one yet). Other files there (a
    sandbox's CA certificates) stay. True when something was moved."""
    old = legacy / DB_NAME
    if not old.is_file() or (target / DB_NAME).exists() or legacy.resolve() == target.resolve():
        return False
    recorded = _recorded_crm(old)
    if recorded is not None and crm is not None and recorded != crm:
        log.info(
            "the state in %s belongs to a %s org, not %s: left where it is", legacy.resolve(), recorded, crm
        )
        return False
    try:
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        for name in _DB_FILES:
            if (legacy / name).exists():
                shutil.move(legacy / name, target / name)
    except OSError as exc:
        raise StateError(
            f"The state in {legacy.resolve()} could not be moved to {target}: {exc.strerror or exc}",
            hint="move it by hand, or set SPONSORSYNC_STATE_DIR to where it is",
        ) from None
    log.info(
        "moved the state from %s to %s (the default state directory is now per user and org; "
        "SPONSORSYNC_STATE_DIR chooses another)",
        legacy.resolve(),
        target,
    )
    return True


def _recorded_crm(database: Path) -> str | None:
    try:
        db = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT value FROM meta WHERE key = 'crm'").fetchone()
        finally:
            db.close()
    except sqlite3.Error:
        return None
    return None if row is None else str(row[0])
