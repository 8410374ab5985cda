"""``sponsorsync mappings`` (create, check and inspect mapping files) and ``sponsorsync titles`` (try
the job title rules)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from sponsorsync.commands.base import CrmOption, app_state, connected, group, print_warning, roster_warnings

mappings_app = group("Create, check and inspect mapping files.")
titles_app = group("Try the job title rules.")


def load_mapping_for(ctx: typer.Context, file: Path | None, crm: str | None) -> Any:
    """The given file, else SPONSORSYNC_MAPPING, else the built-in mapping of the chosen CRM."""
    from sponsorsync.mappings.commands import parse_crm
    from sponsorsync.mappings.loader import load_mapping

    chosen = parse_crm(crm)
    if file is None:
        settings = app_state(ctx).settings
        file = settings.mapping
        chosen = chosen or (settings.require_crm() if file is None else settings.crm)
    return load_mapping(file, chosen)


@mappings_app.command("init")
def mappings_init(
    crm: Annotated[
        str, typer.Option("--crm", envvar="SPONSORSYNC_CRM", help="salesforce or hubspot.")
    ] = "salesforce",
    out: Annotated[
        Path | None,
        typer.Option("--out", help="File to write (default: sponsorsync.<crm>.yaml; - for stdout)."),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write an editable copy of the default mapping, with comments explaining every section."""
    from sponsorsync.mappings.commands import default_text, init_mapping, parse_crm

    chosen = parse_crm(crm) or "salesforce"
    if out == Path("-"):
        typer.echo(default_text(chosen), nl=False)
        return
    target = out or Path(f"sponsorsync.{chosen}.yaml")
    init_mapping(chosen, target, force=force)
    typer.echo(f"wrote {target} ({chosen}); edit it, check it with `sponsorsync mappings validate {target}`")
    typer.echo(f"and use it with SPONSORSYNC_MAPPING={target}")


@mappings_app.command("validate")
def mappings_validate(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Mapping file (default: SPONSORSYNC_MAPPING or the built-in one).")
    ] = None,
    crm: CrmOption = None,
    live: Annotated[
        bool, typer.Option("--live", help="Also check every object and field against the CRM.")
    ] = False,
) -> None:
    """Check a mapping file; every problem is listed as file:line:col: field: what to do (exit 2).
    With --live, the problems found against the CRM are listed with the offline ones, under one verdict."""
    from sponsorsync.mappings.commands import parse_crm, summary
    from sponsorsync.mappings.loader import inspect_mapping

    chosen = parse_crm(crm)
    if file is None:
        settings = app_state(ctx).settings
        file = settings.mapping
        chosen = chosen or (settings.require_crm() if file is None else settings.crm)
    inspection = inspect_mapping(file, chosen)
    for line in inspection.warning_lines():
        print_warning(line)
    if not live:
        typer.echo(summary(inspection.valid()))
        return
    from sponsorsync.mappings.live import check_live, describe_objects
    from sponsorsync.mappings.problems import raise_problems

    crm = inspection.sections.crm
    if crm is None:  # which CRM to ask is itself wrong: the offline problems say why
        raise_problems(inspection.source, inspection.problems)
        return
    with connected(ctx, crm) as connector:
        schemas = describe_objects(inspection.sections, connector.describe)
        # One verdict: the offline and the live problems together, in file order.
        raise_problems(inspection.source, [*inspection.problems, *check_live(inspection.sections, schemas)])
        mapping = inspection.valid()
        roster_warnings(mapping, connector)
    typer.echo(summary(mapping))
    typer.echo(f"live: {len(schemas)} objects and all their mapped fields match the CRM")


@mappings_app.command("show")
def mappings_show(
    ctx: typer.Context,
    file: Annotated[
        Path | None, typer.Argument(help="Mapping file (default: SPONSORSYNC_MAPPING or the built-in one).")
    ] = None,
    crm: CrmOption = None,
) -> None:
    """Print the effective mapping as YAML, every default filled in."""
    from sponsorsync.mappings.commands import effective_yaml

    typer.echo(effective_yaml(load_mapping_for(ctx, file, crm)), nl=False)


@mappings_app.command("schema")
def mappings_schema(
    out: Annotated[Path | None, typer.Option("--out", help="Write to this file instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of mapping files (for editor autocompletion)."""
    from sponsorsync.mappings.commands import schema_text

    if out is None:
        typer.echo(schema_text(), nl=False)
    else:
        out.write_text(schema_text(), encoding="utf-8")
        typer.echo(f"wrote {out}")


@titles_app.command("classify")
def titles_classify(
    titles: Annotated[
        list[str] | None, typer.Argument(help="Job titles (default: one per line on stdin).")
    ] = None,
    mapping_file: Annotated[
        Path | None,
        typer.Option(
            "--mapping", envvar="SPONSORSYNC_MAPPING", help="Mapping file whose title rules to use."
        ),
    ] = None,
    crm: Annotated[
        str,
        typer.Option("--crm", envvar="SPONSORSYNC_CRM", help="Built-in mapping to use without --mapping."),
    ] = "salesforce",
    explain: Annotated[
        bool, typer.Option("--explain", help="Also print the normalised title and the deciding rules.")
    ] = False,
) -> None:
    """Print {"title", "seniority", "function", "is_executive", "confidence"} as one JSON line per title."""
    import sys

    from sponsorsync.mappings.commands import classify_lines, parse_crm, titles_from
    from sponsorsync.mappings.loader import load_mapping

    if not titles and sys.stdin.isatty():
        raise typer.BadParameter("give titles as arguments, or one per line on stdin", param_hint="TITLES")
    mapping = load_mapping(mapping_file, None if mapping_file else parse_crm(crm))
    for line in classify_lines(titles_from(titles or [], sys.stdin), mapping.titles, explain=explain):
        typer.echo(line)
