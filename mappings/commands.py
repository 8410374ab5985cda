"""What the ``mappings`` and ``titles`` commands do; ``commands/mappings.py`` only parses and prints."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import cast

from ruamel.yaml import YAML

from sponsorsync.connectors.base import ObjectSchema
from sponsorsync.connectors.errors import ConfigError
from sponsorsync.mappings.live import check_live, describe_objects
from sponsorsync.mappings.loader import default_mapping_path
from sponsorsync.mappings.model import Mapping, mapping_json_schema
from sponsorsync.mappings.policy import Titles
from sponsorsync.mappings.problems import SourceMap, raise_problems
from sponsorsync.mappings.titles import TitleClass, normalize
from sponsorsync.mappings.vocab import CRMS, CrmName


def parse_crm(value: str | None) -> CrmName | None:
    if value is None:
        return None
    if value.lower() not in CRMS:
        raise ConfigError(f"Unknown CRM {value!r}", hint="use --crm salesforce or --crm hubspot")
    return cast(CrmName, value.lower())


def init_mapping(crm: CrmName, out: Path, *, force: bool) -> None:
    """Write the commented default mapping of ``crm`` to ``out`` (never over a file unless forced)."""
    if out.exists() and not force:
        raise ConfigError(
            f"{out} already exists", hint="choose another --out, or pass --force to overwrite it"
        )
    try:
        out.write_text(default_text(crm), encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot write {out}: {exc.strerror or exc.__class__.__name__}") from None


def default_text(crm: CrmName) -> str:
    return default_mapping_path(crm).read_text(encoding="utf-8")


def summary(mapping: Mapping) -> str:
    file = mapping.source.file if mapping.source else "(mapping)"
    objects = ", ".join(spec.object for _, spec in mapping.objects.named())
    return (
        f"{file}: valid {mapping.crm} mapping; objects: {objects}; {_rule_count(mapping.titles)}; "
        f"tiers: {', '.join(mapping.cadence.tiers)}"
    )


def _rule_count(titles: Titles) -> str:
    packs = sum(len(pack) for pack in titles.packs.values())
    text = f"{len(titles.rules) + packs} title rules"
    return f"{text} ({packs} in language packs: {', '.join(titles.packs)})" if packs else text


def validate_live(mapping: Mapping, describe: Callable[[str], ObjectSchema]) -> int:
    """Check ``mapping`` against the CRM; raise a MappingError listing every problem, else return
    how many objects were checked."""
    schemas = describe_objects(mapping, describe)
    source = mapping.source or SourceMap.build("(mapping)", None)
    raise_problems(source, check_live(mapping, schemas))
    return len(schemas)


def unmatched_roster(mapping: Mapping, user_emails: Iterable[str | None]) -> list[str]:
    """Warnings for `roster.executives` e-mails that match no user / owner of the CRM (compared
    case-insensitively): such an executive is never a sponsor candidate and keeps no title."""
    known = {e.casefold() for e in user_emails if e}
    who = "HubSpot owner" if mapping.crm == "hubspot" else "Salesforce user"
    return [
        f"roster e-mail {e.email} matches no {who}; fix the e-mail in roster.executives "
        f"(or add the {'owner' if mapping.crm == 'hubspot' else 'user'}), or that executive is never proposed"
        for e in mapping.roster.executives
        if e.email.casefold() not in known
    ]


def effective_yaml(mapping: Mapping) -> str:
    """The mapping with every default filled in, as YAML (comments are not kept)."""
    data = mapping.model_dump(mode="json", by_alias=True, exclude_none=True)
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]  # keep the model's order
    yaml.width = 4096
    buffer = io.StringIO()
    yaml.dump(data, buffer)
    return buffer.getvalue()


def schema_text() -> str:
    return json.dumps(mapping_json_schema(), indent=2, ensure_ascii=False) + "\n"


def titles_from(arguments: list[str], stdin: Iterable[str]) -> Iterator[str]:
    """The titles given as arguments, else one per non-blank line of ``stdin``."""
    if arguments:
        yield from arguments
        return
    for line in stdin:
        if line.strip():
            yield line.rstrip("\r\n")


def classify_lines(titles: Iterable[str], rules: Titles, *, explain: bool = False) -> Iterator[str]:
    """One JSON object per title: title, seniority, function, is_executive, confidence (+ why, with
    explain: the normalised text, the deciding rules, where they are written, and why confidence is low)."""
    for title in titles:
        result = rules.classify(title)
        row: dict[str, object | None] = {
            "title": title,
            "seniority": result.seniority,
            "function": result.function,
            "is_executive": rules.is_executive(result.seniority),
            "confidence": result.confidence,
        }
        if explain:
            row["normalized"] = normalize(title)
            row["seniority_rule"] = result.seniority_rule
            row["function_rule"] = result.function_rule
            for axis, index in (("seniority", result.seniority_rule), ("function", result.function_rule)):
                where, rule = rules.ordered[index] if index is not None else (None, None)
                row[f"{axis}_from"] = where
                if rule is not None and rule.note:
                    row[f"{axis}_note"] = rule.note
            if result.confidence == "low":
                row["low_because"] = _low_because(result, rules)
        yield json.dumps(row, ensure_ascii=False)


def _low_because(result: TitleClass, rules: Titles) -> str:
    uncertain = [
        rules.ordered[i][0]
        for i in dict.fromkeys((result.seniority_rule, result.function_rule))
        if i is not None and rules.ordered[i][1].confidence == "low"
    ]
    if uncertain:
        return f"{' and '.join(uncertain)} marked confidence: low (the title is ambiguous)"
    return "no rule gives a seniority, but the title looks senior (titles.looks_senior); add a rule"
