"""The root settings: one ``BaseSettings`` with nested groups, prefix ``SPONSORSYNC_``, ``__`` as the
nested delimiter, read from (highest first) environment variables, a dotenv file and a secrets
directory, then the defaults.

Settings are built by :func:`load_settings` in the CLI callback, never at import time, so tests
construct them directly. :func:`describe_settings` reports every value (secrets masked) with the
source it came from, for ``sponsorsync config show``.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dotenv import dotenv_values
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from sponsorsync.connectors.errors import ConfigError
from sponsorsync.connectors.settings import HubSpotSettings, LimitSettings, SalesforceSettings
from sponsorsync.sync.calendar import UnknownTimeZone, zone_info
from sponsorsync.sync.statedir import default_state_dir

ENV_PREFIX = "SPONSORSYNC_"
NESTED = "__"
DEFAULT_ENV_FILE = Path(".env")
DEFAULT_SECRETS_DIR = Path("/run/secrets")
MASK = "********"

CrmName = Literal["salesforce", "hubspot"]


class SyncSettings(BaseModel):
    """Tuning of the pull and apply phases."""

    model_config = ConfigDict(extra="forbid")

    lookback_seconds: int = Field(
        default=300,
        ge=0,
        description="Overlap re-read before each incremental cursor, for clock skew and late commits.",
    )
    deletion_sweep_hours: float = Field(
        default=24.0,
        ge=0,
        le=24 * 366,
        allow_inf_nan=False,
        description="How often deletions without a trail are looked for (0 = every run): HubSpot lists archived "
        "records; Salesforce re-reads EventRelation / TaskRelation in full.",
    )
    max_api_calls: int | None = Field(
        default=None, ge=1, description="Stop a run cleanly (exit 3) once it has made this many API calls."
    )
    timezone: str = Field(
        default="",
        description="The time zone days are counted in (IANA name, e.g. America/New_York); empty: the CRM "
        "org's own (Salesforce's default time zone, HubSpot's account time zone).",
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value.strip():
            try:
                zone_info(value.strip())
            except UnknownTimeZone:
                raise ValueError(
                    f"unknown time zone {value.strip()!r}: give an IANA name such as America/New_York, "
                    "Europe/Berlin or UTC, or leave it empty for the CRM org's own"
                ) from None
        return value.strip()


class Settings(BaseSettings):
    """Everything sponsorsync reads from its environment."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED,
        case_sensitive=False,
        extra="forbid",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # VAR= in a .env file means "not set", as users expect
        validate_default=True,
    )

    crm: CrmName | None = Field(default=None, description="Which CRM to sync: salesforce or hubspot.")
    salesforce: SalesforceSettings = Field(default_factory=SalesforceSettings)
    hubspot: HubSpotSettings = Field(default_factory=HubSpotSettings)
    ca_bundle: Path | None = Field(
        default=None, description="PEM file of extra CA certificates to trust for the CRM connection."
    )
    insecure_skip_tls_verify: bool = Field(
        default=False,
        description="Turn TLS certificate verification off. Never in production; every run warns loudly.",
    )
    state_dir: Path = Field(
        default=Path(),
        description="Directory of the state database. Default: $XDG_STATE_HOME/sponsorsync/<crm>-<instance> "
        "(~/.local/state when XDG_STATE_HOME is unset), one per user and CRM org.",
    )
    state_url: SecretStr | None = Field(
        default=None,
        description="postgresql://user:password@host/db: keep the state in PostgreSQL instead of state_dir.",
    )
    org: str = Field(
        default="default",
        description="This org's name in a shared PostgreSQL state (its schema is org_<name>).",
    )
    mapping: Path | None = Field(
        default=None, description="Mapping file. Default: the built-in one for the chosen CRM."
    )
    log_format: Literal["text", "json"] = Field(default="text", description="Log line format.")
    sync: SyncSettings = Field(default_factory=SyncSettings)
    limits: LimitSettings = Field(default_factory=LimitSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        secrets_dir = getattr(file_secret_settings, "secrets_dir", None)
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            NestedSecretsSource(settings_cls, Path(secrets_dir) if secrets_dir else None),
        )

    _state_dir_defaulted: bool = PrivateAttr(default=False)

    @model_validator(mode="after")
    def _default_state_dir(self) -> Settings:
        if "state_dir" not in self.model_fields_set:
            self.state_dir = default_state_dir(self.crm, self.salesforce, self.hubspot)
            self._state_dir_defaulted = True
        return self

    @property
    def state_dir_defaulted(self) -> bool:
        """True when SPONSORSYNC_STATE_DIR was not set (the per-user, per-org default is used)."""
        return self._state_dir_defaulted

    def require_crm(self) -> CrmName:
        if self.crm is None:
            raise ConfigError(
                "No CRM chosen",
                hint="set SPONSORSYNC_CRM to salesforce or hubspot (or run `sponsorsync demo`)",
            )
        return self.crm

    def secret_values(self) -> list[str]:
        """Every secret's value, for the log redaction filter (never printed)."""
        return [
            secret.get_secret_value()
            for _, secret in _walk_secrets(self)
            if secret is not None and secret.get_secret_value()
        ]


class FileSettings(Settings):
    """Settings from one env file and the defaults, nothing else: the demo's, whose sandbox must never
    give way to the real CRM that a host's environment or secrets directory points at."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        del settings_cls, env_settings, file_secret_settings  # the host's are never read
        return (init_settings, dotenv_settings)


class NestedSecretsSource(PydanticBaseSettingsSource):
    """One file per secret, named like its environment variable (``SPONSORSYNC_HUBSPOT__ACCESS_TOKEN``),
    matched case-insensitively: the layout Docker and Kubernetes secrets mount."""

    def __init__(self, settings_cls: type[BaseSettings], secrets_dir: Path | None) -> None:
        super().__init__(settings_cls)
        self.secrets_dir = secrets_dir

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:  # noqa: ARG002
        # Unused: __call__ walks the nested secret fields itself.
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        if self.secrets_dir is None or not self.secrets_dir.is_dir():
            return {}
        files = {p.name.lower(): p for p in self.secrets_dir.iterdir() if p.is_file()}
        found: dict[str, Any] = {}
        for path in secret_field_paths(self.settings_cls):
            file = files.get(env_var_name(path).lower())
            if file is None:
                continue
            node = found
            for part in path[:-1]:
                node = node.setdefault(part, {})
            try:
                node[path[-1]] = file.read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                reason = (
                    "is not UTF-8 text"
                    if isinstance(exc, UnicodeDecodeError)
                    else f"cannot be read: {exc.strerror}"
                )
                raise ConfigError(f"The secret file {file} {reason}") from None
        return found


def env_var_name(path: tuple[str, ...]) -> str:
    return ENV_PREFIX + NESTED.join(part.upper() for part in path)


def setting_names() -> list[str]:
    """Every setting's variable name (``SPONSORSYNC_HUBSPOT__ACCESS_TOKEN``), groups included."""
    return list(_names(Settings, ()))


def _closest_setting(name: str) -> str | None:
    """The setting a misspelt variable most likely meant: compared without the shared prefix (which
    would make every name look alike), or whole when the prefix itself is misspelt."""
    names = setting_names()
    if name.startswith(ENV_PREFIX):
        rest = [n.removeprefix(ENV_PREFIX) for n in names]
        close = difflib.get_close_matches(name.removeprefix(ENV_PREFIX), rest, n=1, cutoff=0.6)
        return ENV_PREFIX + close[0] if close else None
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.8)
    return close[0] if close else None


def _names(model: type[BaseModel], prefix: tuple[str, ...]) -> Iterator[str]:
    for name, field in model.model_fields.items():
        yield env_var_name((*prefix, name))
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _names(annotation, (*prefix, name))


def secret_field_paths(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, field in model.model_fields.items():
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from secret_field_paths(annotation, (*prefix, name))
        elif "SecretStr" in str(annotation):
            yield (*prefix, name)


def _walk_secrets(model: BaseModel) -> Iterator[tuple[str, SecretStr | None]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _walk_secrets(value)
        elif isinstance(value, SecretStr):
            yield name, value


@dataclass(frozen=True)
class SettingSource:
    env_file: Path | None
    secrets_dir: Path | None


def state_dir_of_unloadable(env_file: Path | None) -> Path:
    """Where the state directory is, for settings that did not load: from the environment, else the
    env file, else the default worked out from the raw values. Only to record a refused run in an
    existing state's history."""
    path = env_file if env_file is not None else (DEFAULT_ENV_FILE if DEFAULT_ENV_FILE.is_file() else None)
    raw: dict[str, str | None] = {}
    if path is not None and path.is_file():
        try:
            raw = {k.upper(): v for k, v in dotenv_values(path).items() if v}
        except (OSError, UnicodeDecodeError, ValueError):
            raw = {}
    raw.update({k.upper(): v for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX) and v})

    def value(*parts: str) -> str | None:
        return raw.get(env_var_name(parts))

    configured = value("state_dir")
    if configured:
        return Path(configured)
    salesforce = SalesforceSettings.model_construct(
        instance_url=value("salesforce", "instance_url"),
        username=value("salesforce", "username"),
        domain=value("salesforce", "domain") or "login",
    )
    hubspot = HubSpotSettings.model_construct(
        base_url=value("hubspot", "base_url") or "https://api.hubapi.com"
    )
    crm = (value("crm") or "").lower() or None
    return default_state_dir(crm, salesforce, hubspot)


def _resolve_paths(env_file: Path | None, secrets_dir: Path | None) -> SettingSource:
    if env_file is not None and not env_file.is_file():
        raise ConfigError(
            f"Env file {env_file} does not exist or is not a file", hint="check the --env-file path"
        )
    if env_file is None and DEFAULT_ENV_FILE.is_file():
        env_file = DEFAULT_ENV_FILE
    if secrets_dir is None:
        configured = os.environ.get(ENV_PREFIX + "SECRETS_DIR")
        if configured:
            secrets_dir = Path(configured)
            if not secrets_dir.is_dir():
                raise ConfigError(
                    f"SPONSORSYNC_SECRETS_DIR={configured} is not a directory",
                    hint="point it at the folder your secrets are mounted in, or unset it",
                )
        elif (DEFAULT_SECRETS_DIR / "sponsorsync").is_dir():
            secrets_dir = DEFAULT_SECRETS_DIR / "sponsorsync"
    return SettingSource(env_file, secrets_dir)


def load_settings(
    env_file: Path | None = None, secrets_dir: Path | None = None, *, environment: bool = True
) -> Settings:
    """Build the settings, turning every validation problem into one :class:`ConfigError`.
    ``environment=False``: from ``env_file`` alone (no environment variables, no secrets directory)."""
    paths = _resolve_paths(env_file, secrets_dir) if environment else SettingSource(env_file, None)
    model = Settings if environment else FileSettings
    try:
        return model(
            _env_file=paths.env_file,
            _secrets_dir=paths.secrets_dir,
        )
    except ValidationError as exc:
        raise ConfigError(_format_validation_error(exc, paths)) from None
    except SettingsError as exc:  # a group variable (SPONSORSYNC_LIMITS=...) that is not JSON
        message, hint = _unparsable(exc, paths)
        raise ConfigError(message, hint=hint) from None
    except UnicodeDecodeError:  # the secret files are read by NestedSecretsSource, which names them
        raise ConfigError(
            f"The env file {paths.env_file} is not UTF-8 text", hint="save it with UTF-8 encoding"
        ) from None
    except (ValueError, OSError) as exc:  # malformed dotenv
        raise ConfigError(f"Settings could not be read: {exc}") from None


_UNPARSABLE = re.compile(r'field "(\w+)" from source "(\w+)"')


def _unparsable(exc: SettingsError, paths: SettingSource) -> tuple[str, str | None]:
    found = _UNPARSABLE.search(str(exc))
    if found is None:
        return f"Settings could not be read: {exc}", None
    field_name, source = found.groups()
    name = env_var_name((field_name,))
    where = {"DotEnvSettingsSource": f" in {paths.env_file}", "EnvSettingsSource": " in the environment"}
    return (
        f"{name}{where.get(source, '')}: not a valid JSON object",
        f"write it as JSON, or set its parts one by one ({name}__<PART>=value)",
    )


def _holds_secret(loc: tuple[str, ...]) -> bool:
    """True when ``loc`` is a secret or lies in a group that holds one (every value of that group
    is masked: a string given to ``SPONSORSYNC_HUBSPOT`` as a whole may be the token itself)."""
    return any(loc[:1] == path[:1] for path in secret_field_paths(Settings))


_URL_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@")


def mask_url_credentials(text: str) -> str:
    """``https://user:pass@host`` -> ``https://********@host`` (every URL in ``text``)."""
    return _URL_CREDENTIALS.sub(lambda m: f"{m.group('scheme')}{MASK}@", text)


def _format_validation_error(exc: ValidationError, paths: SettingSource) -> str:
    lines = []
    for error in exc.errors():
        loc = tuple(str(part) for part in error["loc"])
        name = env_var_name(loc)
        message = error["msg"].removeprefix("Value error, ")  # a validator's own words
        if error["type"] == "extra_forbidden":
            if len(loc) == 1:  # a top-level unknown comes from the env file under its whole name
                name = loc[0].upper()
            where = f" in {paths.env_file}" if paths.env_file else ""
            close = _closest_setting(name)
            advice = (
                f"did you mean {close}?" if close else "see `sponsorsync config show` for the valid names"
            )
            lines.append(f"{name}{where}: unknown setting; {advice}")
            continue
        shown = ""
        if not _holds_secret(loc) and isinstance(error.get("input"), str | int | float):
            shown = f" (got {mask_url_credentials(repr(error['input']))})"
        lines.append(f"{name}: {message}{shown}")
    return "Invalid settings: " + "; ".join(lines)


@dataclass(frozen=True)
class SettingRow:
    name: str
    value: str
    source: str
    description: str


def describe_settings(settings: Settings, env_file: Path | None = None) -> list[SettingRow]:
    """Every setting as (env var, masked value, source, description), for ``config show``."""
    paths = _resolve_paths(env_file, None)
    from_env = _flatten(EnvSettingsSource(Settings)())
    from_dotenv = (
        _flatten(DotEnvSettingsSource(Settings, env_file=paths.env_file)()) if paths.env_file else {}
    )
    from_secrets = _flatten(NestedSecretsSource(Settings, paths.secrets_dir)())
    rows = []
    for path, field, value in _walk_fields(settings):
        key = ".".join(path)
        if key in from_env:
            source = "environment"
        elif key in from_dotenv:
            source = f"env file {paths.env_file}"
        elif key in from_secrets:
            source = f"secrets dir {paths.secrets_dir}"
        else:
            source = "default"
        rows.append(SettingRow(env_var_name(path), _show(value), source, field.description or ""))
    return rows


def _walk_fields(
    model: BaseModel, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], FieldInfo, Any]]:
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _walk_fields(value, (*prefix, name))
        else:
            yield (*prefix, name), field, value


def _flatten(values: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        path = (*prefix, key.lower())
        if isinstance(value, Mapping):
            flat.update(_flatten(value, path))
        else:
            flat[".".join(path)] = value
    return flat


def _show(value: Any) -> str:
    if isinstance(value, SecretStr):
        return MASK if value.get_secret_value() else "(empty)"
    if value is None:
        return "(unset)"
    return mask_url_credentials(str(value))
