"""The peers the benchmark runs beside sponsorsync: what to install (pinned), how each is started,
configured and pointed at the sandbox, and which of its streams match what sponsorsync pulls.
Pure: no process is started and nothing is installed here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from sponsorsync.connectors.base import CrmName

Protocol = Literal["singer", "airbyte"]

SALESFORCE_HOSTS = ("login.salesforce.com", "test.salesforce.com")
HUBSPOT_HOSTS = ("api.hubapi.com",)
# Every record of the seeded org is younger than this.
START_DATE = "2000-01-01T00:00:00Z"
SALESFORCE_API_VERSION = "v59.0"

# What sponsorsync pulls (its built-in mappings), as each peer names it.
SALESFORCE_OBJECTS = (
    "User", "Account", "Contact", "Task", "Event", "EventRelation", "TaskRelation", "Opportunity", "Case",
)  # fmt: skip
HUBSPOT_OBJECTS = (
    "owners",
    "companies",
    "contacts",
    "tasks",
    "meetings",
    "calls",
    "emails",
    "notes",
    "deals",
    "tickets",
)
HUBSPOT_ASSOCIATIONS: dict[str, list[str]] = {
    "tasks": ["contacts", "companies"],
    "meetings": ["contacts", "companies"],
    "calls": ["contacts", "companies"],
    "emails": ["contacts", "companies"],
    "notes": ["contacts", "companies"],
    "deals": ["companies"],
    "tickets": ["companies", "contacts"],
}


@dataclass(frozen=True)
class Peer:
    key: str  # its virtual environment's directory name, and its id in results
    label: str
    crm: CrmName
    version: str
    requirement: str  # what pip installs (pinned)
    protocol: Protocol
    executable: str
    hosts: tuple[str, ...]
    note: str = ""
    catalog_flag: str = "--catalog"  # Singer taps of the singer-io line read ``--properties``
    # Run the tap with only the wanted streams built from its own stream classes (it asks the CRM
    # for the properties of every object type it knows, some of which a portal may lack).
    catalog_from_classes: bool = False

    def streams(self) -> list[str]:
        """The streams to select: sponsorsync's objects (and, on HubSpot, its associations)."""
        if self.crm == "salesforce":
            return list(SALESFORCE_OBJECTS)
        return [*HUBSPOT_OBJECTS, *association_streams()]


MELTANOLABS_COMMIT = "9915ca2683860f8810d8067792719b9b76e9995c"

PEERS: tuple[Peer, ...] = (
    Peer(
        "singer-tap-salesforce", "singer-io tap-salesforce", "salesforce", "2.8.1",
        "tap-salesforce==2.8.1", "singer", "tap-salesforce", SALESFORCE_HOSTS, "api_type REST", "--properties",
    ),
    Peer(
        "meltanolabs-tap-salesforce", "MeltanoLabs tap-salesforce", "salesforce",
        f"1.9.0 ({MELTANOLABS_COMMIT[:7]})",
        f"tap-salesforce @ git+https://github.com/MeltanoLabs/tap-salesforce.git@{MELTANOLABS_COMMIT}",
        "singer", "tap-salesforce", SALESFORCE_HOSTS, "api_type REST", "--properties",
    ),
    Peer(
        "airbyte-source-salesforce", "airbyte-source-salesforce", "salesforce", "2.10.3",
        "airbyte-source-salesforce==2.10.3", "airbyte", "source-salesforce", SALESFORCE_HOSTS,
        "Bulk API 2.0 where it chooses it",
    ),
    Peer(
        "meltano-tap-hubspot", "meltano-tap-hubspot", "hubspot", "0.10.1",
        "meltano-tap-hubspot==0.10.1", "singer", "tap-hubspot", HUBSPOT_HOSTS,
        f"objects + {sum(len(v) for v in HUBSPOT_ASSOCIATIONS.values())} association streams",
        catalog_from_classes=True,
    ),
)  # fmt: skip


def association_streams() -> list[str]:
    return [
        f"{source}_{target}_associations"
        for source, targets in HUBSPOT_ASSOCIATIONS.items()
        for target in targets
    ]


@dataclass(frozen=True)
class Login:
    """What the sandbox's connected app (Salesforce) or private app (HubSpot) accepts."""

    client_id: str = ""
    client_secret: str = ""
    refresh_token: str = ""
    access_token: str = ""


def config(peer: Peer, login: Login) -> dict[str, Any]:
    """The peer's config file: the sandbox's credentials, every record since ``START_DATE``."""
    if peer.key in ("singer-tap-salesforce", "meltanolabs-tap-salesforce"):
        return {
            "client_id": login.client_id,
            "client_secret": login.client_secret,
            "refresh_token": login.refresh_token,
            "start_date": START_DATE,
            "api_type": "REST",
            "is_sandbox": False,
            "select_fields_by_default": True,
            # The sandbox's quota is 100,000 a day: no per-run cap below what a 10k pull needs.
            "quota_percent_per_run": 100,
            "quota_percent_total": 100,
        }
    if peer.key == "airbyte-source-salesforce":
        return {
            "client_id": login.client_id,
            "client_secret": login.client_secret,
            "refresh_token": login.refresh_token,
            "auth_type": "Client",
            "is_sandbox": False,
            "start_date": START_DATE,
            "force_use_bulk_api": False,
            # One slice for the whole history (the default is 30 days: hundreds of jobs per object).
            "stream_slice_step": "P10000D",
        }
    if peer.key == "meltano-tap-hubspot":
        return {
            "access_token": login.access_token,
            "start_date": START_DATE,
            "associations": {k: list(v) for k, v in HUBSPOT_ASSOCIATIONS.items()},
        }
    raise ValueError(f"no config for peer {peer.key}")


def select_singer(catalog: dict[str, Any], streams: list[str]) -> dict[str, Any]:
    """A Singer catalog with only ``streams`` selected (every field of them), incremental where
    the tap offers a replication key; the other streams left out."""
    wanted = set(streams)
    chosen = []
    for entry in catalog.get("streams", []):
        name = entry.get("tap_stream_id") or entry.get("stream")
        if name not in wanted:
            continue
        metadata = [dict(m) for m in entry.get("metadata", [])]
        top = next((m for m in metadata if not m.get("breadcrumb")), None)
        if top is None:
            top = {"breadcrumb": [], "metadata": {}}
            metadata.append(top)
        top["metadata"] = {**top.get("metadata", {}), "selected": True}
        keys = top["metadata"].get("valid-replication-keys") or []
        if keys and "forced-replication-method" not in top["metadata"]:
            # Incremental on its first replication key, as a user would choose (the tap's default
            # without one is a full table every run).
            top["metadata"].setdefault("replication-method", "INCREMENTAL")
            top["metadata"].setdefault("replication-key", keys[0])
        for m in metadata:
            if m.get("breadcrumb"):
                m["metadata"] = {**m.get("metadata", {}), "selected": True}
        chosen.append({**entry, "metadata": metadata})
    return {"streams": chosen}


def select_airbyte(catalog: dict[str, Any], streams: list[str]) -> dict[str, Any]:
    """An Airbyte configured catalog of ``streams``: incremental where the stream allows it."""
    wanted = set(streams)
    configured = []
    for stream in catalog.get("streams", []):
        if stream.get("name") not in wanted:
            continue
        incremental = "incremental" in stream.get("supported_sync_modes", [])
        cursor = stream.get("default_cursor_field") or []
        configured.append(
            {
                "stream": stream,
                "sync_mode": "incremental" if incremental and cursor else "full_refresh",
                "destination_sync_mode": "append",
                **({"cursor_field": cursor} if incremental and cursor else {}),
            }
        )
    return {"streams": configured}


def selected_names(catalog: dict[str, Any]) -> list[str]:
    """The stream names of a selected Singer catalog or Airbyte configured catalog."""
    names = []
    for entry in catalog.get("streams", []):
        name = entry.get("tap_stream_id") or entry.get("stream")
        if isinstance(name, dict):  # Airbyte: {"stream": {"name": ...}, "sync_mode": ...}
            name = name.get("name")
        names.append(str(name))
    return names


def missing_streams(selected: list[str], wanted: list[str]) -> list[str]:
    return [name for name in wanted if name not in set(selected)]
