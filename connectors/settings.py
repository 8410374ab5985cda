"""Connection settings for each CRM: the nested groups of the root settings.

Field names are part of the public interface: ``SPONSORSYNC_SALESFORCE__ACCESS_TOKEN`` is the
``access_token`` field of the ``salesforce`` group. Every secret is a ``SecretStr``; its value is
read only by the client factories in ``connectors/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator


def _https_only(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().rstrip("/")
    if not value.lower().startswith("https://"):
        raise ValueError("must be an https:// URL (the CRM is only ever reached over TLS)")
    parts = urlsplit(value)
    if any(c.isspace() for c in value) or not parts.hostname:
        raise ValueError("is not a valid URL: write it as https://host or https://host:port, without spaces")
    try:
        parts.port  # noqa: B018 (parsing the port is the check)
    except ValueError:
        raise ValueError("is not a valid URL: the port must be a number from 1 to 65535") from None
    return value


class SalesforceSettings(BaseModel):
    """How to reach and log in to a Salesforce org."""

    model_config = ConfigDict(extra="forbid")

    auth: Literal["access_token", "password", "client_credentials", "jwt"] | None = Field(
        default=None,
        description="Login kind. Inferred from which credentials are set when left empty.",
    )
    instance_url: str | None = Field(
        default=None,
        description="The org's My Domain URL, e.g. https://acme.my.salesforce.com (access-token login).",
    )
    access_token: SecretStr | None = Field(default=None, description="A session id / OAuth access token.")
    username: str | None = Field(default=None, description="Username (password and JWT logins).")
    password: SecretStr | None = Field(default=None, description="Password (password login).")
    security_token: SecretStr | None = Field(
        default=None, description="Security token appended to the password (password login)."
    )
    consumer_key: str | None = Field(
        default=None, description="Connected app consumer key (client credentials and JWT logins)."
    )
    consumer_secret: SecretStr | None = Field(
        default=None, description="Connected app consumer secret (client credentials login)."
    )
    private_key_file: Path | None = Field(
        default=None, description="PEM private key of the connected app's certificate (JWT login)."
    )
    domain: str = Field(
        default="login",
        description="Login host: 'login' (production), 'test' (sandboxes) or a My Domain prefix.",
    )
    api_version: str = Field(default="59.0", description="REST API version, e.g. 59.0.")
    bulk_threshold: int = Field(
        default=10_000,
        ge=0,
        description="A pull with at least this many records left after its first page reads them "
        "through Bulk API 2.0 (one query job); 0 keeps every pull on REST.",
    )

    _check_url = field_validator("instance_url")(_https_only)

    @field_validator("api_version")
    @classmethod
    def _api_version(cls, value: str) -> str:
        major, _, minor = value.partition(".")
        if not (major.isdigit() and minor.isdigit()):
            raise ValueError("must look like 59.0")
        return value


class HubSpotSettings(BaseModel):
    """How to reach a HubSpot portal."""

    model_config = ConfigDict(extra="forbid")

    access_token: SecretStr | None = Field(default=None, description="Private app access token.")
    base_url: str = Field(default="https://api.hubapi.com", description="API base URL.")

    _check_url = field_validator("base_url")(_https_only)


class LimitSettings(BaseModel):
    """How hard sponsorsync may push the CRM."""

    model_config = ConfigDict(extra="forbid")

    timeout_seconds: float = Field(
        default=30.0, gt=0, le=3600, allow_inf_nan=False, description="Timeout of every HTTP request."
    )
    max_attempts: int = Field(
        default=6, ge=1, le=20, description="Attempts per request for 429, 5xx and network errors."
    )
    max_backoff_seconds: float = Field(
        default=60.0,
        gt=0,
        le=3600,
        allow_inf_nan=False,
        description="Longest wait between two attempts (Retry-After is honoured up to this).",
    )
    concurrency: int = Field(default=4, ge=1, le=16, description="Requests in flight at once.")
    salesforce_quota_reserve: float = Field(
        default=0.2,
        ge=0,
        lt=1,
        allow_inf_nan=False,
        description="Share of the org's daily API quota to leave untouched; the run stops cleanly (exit 3) at it.",
    )
    hubspot_quota_reserve: float = Field(
        default=0.2,
        ge=0,
        lt=1,
        allow_inf_nan=False,
        description="Share of the portal's daily API limit to leave untouched; the run stops cleanly (exit 3) at it.",
    )
    hubspot_requests_per_10s: int = Field(
        default=100,
        ge=1,
        description="HubSpot burst limit to pace to (the portal's limit is read from headers too).",
    )
    hubspot_search_per_second: int = Field(
        default=4, ge=1, description="HubSpot search requests per second (search has its own limit)."
    )
