"""``sponsorsync demo``: a real sync against the sandbox, twice, so a new user sees what the
product does before connecting a real org."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.mappings.loader import load_mapping
from sponsorsync.sandbox.app import CRMS, build_sandbox
from sponsorsync.sync import demo_tasks, report
from sponsorsync.sync.ledger import Ledger
from sponsorsync.sync.report_files import write_report
from sponsorsync.sync.run import RunReport, execute
from sponsorsync.sync.settings import Settings, load_settings
from sponsorsync.sync.store import StateStore
from sponsorsync.sync.terminal import printable


def run_demo(*, crm: str, size: int, seed: int, root: Path, version: str, console: Console) -> None:
    if crm not in CRMS:
        raise ConfigError(f"--crm must be one of {', '.join(CRMS)}, not {crm!r}")
    home = root / crm
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    console.print(f"Starting the {crm} sandbox with a synthetic org of {size:,} contacts (seed {seed})...")
    with build_sandbox(crm, ca_dir=home, size=size, seed=seed) as server:
        env_file = home / "sandbox.env"
        server.write_env_file(env_file)
        with env_file.open("a", encoding="utf-8") as handle:
            handle.write(f"SPONSORSYNC_STATE_DIR={home / 'state'}\n")
            # No pacing settings: the HubSpot sandbox enforces HubSpot's own limits (110 calls per
            # ten seconds, 4 searches a second), which the defaults and its headers pace to.
        # The sandbox's settings only: never the real CRM's from this host's environment.
        settings = load_settings(env_file, environment=False)
        mapping = load_mapping(None, settings.require_crm())
        console.print(f"Sandbox ready at {server.base_url}. First sync (full pull):", style="bold")
        first = execute(settings, mapping, mode="run", version=version)
        console.print(report.summary(first))
        record = f"{'Salesforce' if crm == 'salesforce' else 'HubSpot'} {mapping.writeback.task.object}"
        owner_email = _show_tasks(console, first, settings, record, server.base_url)
        console.print()
        console.print("Second sync (incremental): it should find nothing new to write.", style="bold")
        second = execute(settings, mapping, mode="run", version=version)
        console.print(report.summary(second))
    alliance = _example(first)
    me = _command()
    console.print()
    console.print(
        "Look around (the state stays in " + str(home) + "; the sandbox has stopped):", style="bold"
    )
    console.print(f"  {me} --env-file {env_file} sync status")
    console.print(f"  {me} --env-file {env_file} sync history")
    if alliance:
        console.print(f'  {me} --env-file {env_file} sync explain "{alliance}"')
    console.print(f"  {me} --env-file {env_file} report --format table")
    console.print(f"  {me} sandbox serve --crm {crm} --size {size}   # a sandbox that keeps running")
    if owner_email:
        console.print(
            f"  {me} sandbox serve --crm {crm} --size {size} --seed {seed} --env-file live.env   # then, "
            f"in another shell:\n  {me} --env-file live.env sync plan --owner {owner_email}   "
            "# one person's tasks in full"
        )
    # Last: the portfolio report of the demo org, from the local state (no CRM call).
    path = home / "sponsorsync-report.html"
    count = write_report(settings.state_dir, mapping, "html", path)
    console.print()
    console.print(f"Portfolio report ({count} alliances), open it in a browser:", style="bold")
    console.print(str(path.resolve()), soft_wrap=True, highlight=False)


def _show_tasks(console: Console, first: RunReport, settings: Settings, record: str, url: str) -> str | None:
    """A few of the tasks the first sync wrote, per owner, as they read them; returns an owner's e-mail."""
    store = StateStore(settings.state_dir)
    try:
        found, more = demo_tasks.samples(first, Ledger(store).entries())
    finally:
        store.close()
    if not found:
        return None
    console.print()
    console.print(
        f"Some of the tasks it wrote into the sandbox CRM at {url}, as their owners see them:", style="bold"
    )
    for line in demo_tasks.render(found, more, record):
        console.print(Text(printable(line)))
    return next((s.email for s in found if s.email), None)


def _command() -> str:
    """How the user invoked sponsorsync (e.g. .venv/bin/sponsorsync), to print commands they can paste."""
    invoked = Path(sys.argv[0])
    if invoked.name != "sponsorsync":
        return "sponsorsync"
    if invoked.is_absolute():
        try:
            return str(invoked.relative_to(Path.cwd()))
        except ValueError:
            return str(invoked)
    return str(invoked)


def _example(result: RunReport) -> str | None:
    """An alliance with tasks, to show `sync explain` on."""
    for view in result.plan.views.values():
        if view.tasks:
            return str(view.alliance.name)
    return None
