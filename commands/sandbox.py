"""``sponsorsync sandbox serve`` (the local Salesforce and HubSpot emulators) and ``sponsorsync demo``
(the sandbox plus a full sync, registered at the top level by cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sponsorsync.commands.base import console, group, package_version

sandbox_app = group("The local Salesforce and HubSpot emulators.")


@sandbox_app.command("serve")
def sandbox_serve(
    crm: Annotated[str, typer.Option(help="Which CRM API to emulate: salesforce or hubspot.")],
    host: Annotated[str, typer.Option(help="Loopback address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port; 0 picks a free one.")] = 0,
    size: Annotated[int, typer.Option(min=1, help="Contacts in the generated org.")] = 300,
    seed: Annotated[
        int, typer.Option(help="Seed of the generated org: the same seed gives the same org.")
    ] = 0,
    data: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, help="Load this JSON org file instead of generating one."),
    ] = None,
    latency_ms: Annotated[float, typer.Option(min=0, help="Added latency per request, in milliseconds.")] = 0,
    env_file: Annotated[
        Path | None,
        typer.Option(help="Write the settings that point sponsorsync at the sandbox to this dotenv file."),
    ] = None,
    ca_dir: Annotated[
        Path | None,
        typer.Option(
            help="Where to write the sandbox CA certificate (default: beside --env-file, or .sponsorsync)."
        ),
    ] = None,
    bare: Annotated[
        bool,
        typer.Option(
            "--bare",
            help="Start without sponsorsync's custom fields / properties (try `sponsorsync setup` on it).",
        ),
    ] = False,
) -> None:
    """Serve a local emulator of the Salesforce or HubSpot API over HTTPS until interrupted."""
    from sponsorsync.sandbox.run import serve

    serve(
        crm=crm,
        host=host,
        port=port,
        size=size,
        seed=seed,
        data=data,
        latency_ms=latency_ms,
        env_file=env_file,
        ca_dir=ca_dir or (env_file.parent if env_file else Path(".sponsorsync")),
        echo=typer.echo,
        bare=bare,
    )


def demo(
    crm: Annotated[
        str, typer.Option(help="Which CRM the sandbox emulates: salesforce or hubspot.")
    ] = "salesforce",
    size: Annotated[int, typer.Option(min=10, help="Contacts in the sandbox org.")] = 300,
    seed: Annotated[int, typer.Option(help="Seed of the sandbox org.")] = 0,
    state_dir: Annotated[
        Path, typer.Option(help="Where the demo keeps its state and sandbox settings (recreated each time).")
    ] = Path(".sponsorsync-demo"),
) -> None:
    """Start the sandbox CRM, run a full sync, show the result, run again to show nothing is written
    twice, and say how to look around."""
    from sponsorsync.sync.demo import run_demo

    run_demo(crm=crm, size=size, seed=seed, root=state_dir, version=package_version(), console=console())
