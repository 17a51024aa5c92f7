"""Configuration: one TOML file, environment overrides, validated once at start.

The file is `cityops.toml` in the working directory, or the path in CITYOPS_CONFIG. With no
file, the built-in defaults run the demo city (Rạch Giá, SQLite, the simulator). Environment
variables override the file: CITYOPS_DATABASE_URL, CITYOPS_LANGUAGE, CITYOPS_SECRET_KEY. A wrong key or value
raises ConfigError naming the key and the file; the CLI prints it and stops.

This is the only module that reads the environment (and, for prometheus_client's
PROMETHEUS_MULTIPROC_DIR, the one that writes it: `metrics_multiproc_dir`).
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from dashboard.config_alerts import AlertRule, AlertsConfig
from dashboard.config_exports import ExportsConfig, ScheduledReport, SmtpConfig, check_reports
from dashboard.config_outbound import check_outbound

__all__ = [
    "METRICS_DIR_ENV",
    "PROJECT_ROOT",
    "AlertRule",
    "AlertsConfig",
    "AreasConfig",
    "AuthConfig",
    "CityConfig",
    "Config",
    "ConfigError",
    "DatabaseConfig",
    "ExportsConfig",
    "LoginLimits",
    "MapConfig",
    "Open311Config",
    "ScheduledReport",
    "SmtpConfig",
    "SourceConfig",
    "WallConfig",
    "load_config",
    "metrics_multiproc_dir",
    "set_metrics_multiproc_dir",
]

# The checkout (or installed tree) root: assets/ and the default var/ live here.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A configuration problem, worded for the person who edits the file."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CityConfig(_Strict):
    name: str = "Rạch Giá"
    timezone: str = "Asia/Ho_Chi_Minh"
    language: Literal["vi", "en"] = "vi"
    center: tuple[float, float] = (105.095, 10.005)  # lon, lat
    zoom: float = Field(default=12.5, ge=0, le=22)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class AreasConfig(_Strict):
    """Which boundary files place assets: wards (administrative) and zones (operational)."""

    wards: Path = Path("assets/geo/wards_rach_gia_2025.geojson")
    ward_name_property: str = "name"
    zones: Path | None = Path("assets/geo/zones_rach_gia.geojson")
    zone_name_property: str = "name"


class DatabaseConfig(_Strict):
    url: str = "sqlite:///var/cityops.db"
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _supported(cls, value: str) -> str:
        if value.startswith(("postgres://", "postgres+")):
            raise ValueError("write postgresql://... (the 'postgres://' spelling is not supported)")
        if not value.startswith(("sqlite:///", "postgresql://", "postgresql+psycopg://")):
            raise ValueError("expected sqlite:///PATH or postgresql://USER@HOST:PORT/DATABASE")
        return value


class RetentionConfig(_Strict):
    raw_days: int = Field(default=35, ge=1)
    quarantine_days: int = Field(default=90, ge=1)
    runs_days: int = Field(default=30, ge=1)
    exports_days: int = Field(default=90, ge=1)  # finished PDF exports and their files


class SchedulerConfig(_Strict):
    """The scheduler's housekeeping and its lease (one leader per store, see
    `dashboard.lease`): the leader renews the lease every `renew_s` (default `lease_s` / 3);
    a standby takes over within `lease_s` + `renew_s` of the leader's last renewal."""

    housekeeping_interval_s: int = Field(default=3600, ge=10)
    lease_s: float = Field(default=30, ge=2)
    renew_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _renewed_in_time(self) -> SchedulerConfig:
        if self.renew_s is not None and self.renew_s > self.lease_s / 2:
            raise ValueError(
                f"renew_s ({self.renew_s:g}) must be at most half of lease_s ({self.lease_s:g}):"
                " the leader renews at least twice per lease"
            )
        return self

    @property
    def renew_every_s(self) -> float:
        """How often every scheduler looks at the lease (the leader renews it)."""
        return self.renew_s if self.renew_s is not None else self.lease_s / 3

    @property
    def takeover_s(self) -> float:
        """The longest a standby waits after the leader stopped renewing (killed, cut off)."""
        return self.lease_s + self.renew_every_s


class ServerConfig(_Strict):
    host: str = "127.0.0.1"
    port: int = Field(default=8050, ge=1, le=65535)
    # The largest request body served (HTTP 413 above it): a callback sends at most a table's
    # rows back (a CSV export), a few hundred KB.
    max_request_mb: float = Field(default=8, gt=0)


class MapConfig(_Strict):
    """The wall's base map: shipped GeoJSON layers; a city's own tile server is optional."""

    tile_url: str | None = None  # e.g. "http://tiles.city.local/{z}/{x}/{y}.png"; None: offline
    tile_attribution: str = ""
    streets: Path = Path("assets/geo/streets_rach_gia.geojson")
    canals: Path = Path("assets/geo/canals_rach_gia.geojson")
    land: Path = Path("assets/geo/province_an_giang_2025.geojson")


class WallConfig(_Strict):
    refresh_s: int = Field(default=10, ge=2)
    rotate_s: int = Field(default=30, ge=5)
    stale_factor: float = Field(default=3.0, gt=1)  # stale when older than factor x interval
    congested_below: float = Field(default=0.5, gt=0, lt=1)  # speed / free-flow speed


class LoginLimits(_Strict):
    """Failed sign-ins allowed before each further one locks the account (or the address)
    for a doubling delay, from `lock_base_s` up to `lock_max_s`; counts restart after
    `window_min` minutes without a failure."""

    account_free: int = Field(default=5, ge=1)
    address_free: int = Field(default=20, ge=1)
    lock_base_s: float = Field(default=30, gt=0)
    lock_max_s: float = Field(default=900, gt=0)
    window_min: float = Field(default=15, gt=0)


# Routes that change something or hand out credentials: never public, whatever the config says.
_NEVER_PUBLIC = ("/login", "/logout", "/admin", "/_dash", "/healthz")


class AuthConfig(_Strict):
    """Accounts and access (see `dashboard.auth`). Nothing is public unless listed in `public`
    (page paths and `/api/v1/...` routes that only read)."""

    secret_key: str | None = Field(default=None, min_length=32, repr=False)
    secret_key_file: Path | None = None
    idle_timeout_min: float = Field(default=30, gt=0)
    session_max_hours: float = Field(default=12, gt=0)
    secure_cookies: bool = True  # false only when served over plain HTTP on a trusted network
    public: tuple[str, ...] = ()
    proxy_hops: int = Field(default=0, ge=0)  # reverse proxies whose X-Forwarded-For is trusted
    login: LoginLimits = LoginLimits()

    @field_validator("public")
    @classmethod
    def _readable_only(cls, paths: tuple[str, ...]) -> tuple[str, ...]:
        for path in paths:
            if not path.startswith("/") or "?" in path or "*" in path:
                raise ValueError(f"{path!r}: expected a page path or an /api/v1/ route")
            if path.rstrip("/") in _NEVER_PUBLIC or path.startswith(_NEVER_PUBLIC[2:4]):
                raise ValueError(f"{path!r} cannot be public: it writes or signs people in")
        return paths


class Open311Config(_Strict):
    """cityops's own Open311 GeoReport v2 server under `/open311/v2/` (`dashboard.open311`):
    citizen apps post service requests straight into the report desk with an Open311 key
    (`cityops token create NAME --kind open311`, or /admin)."""

    enabled: bool = False
    # Checked when set: a request naming another jurisdiction is answered 404 (the spec's
    # convention is the city's web domain, e.g. "rachgia.angiang.gov.vn").
    jurisdiction_id: str | None = Field(default=None, min_length=1, max_length=128)
    # Reads (services, requests) open to anyone; false: an Open311 key or an API token needed.
    public_reads: bool = True
    # The longest description accepted (the spec's bound is 4,000 characters).
    max_description: int = Field(default=4000, ge=1, le=4000)
    # The store's source name of posted reports (must differ from every [[sources]] name).
    source: str = Field(default="open311-server", pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    # A post must lie in a ward of [areas] wards; false: any valid WGS84 point is taken.
    require_in_area: bool = True
    # The largest request body taken, in KiB (HTTP 413 and the spec's error list above it).
    max_body_kb: int = Field(default=64, ge=8, le=1024)
    contact: str = ""  # discovery's `contact`: who citizens' app makers write to
    key_service: str = ""  # discovery's `key_service`: how an app maker asks for a key


class SourceConfig(BaseModel):
    """Every source has these keys; its type's own keys are kept in `options` (see `extra`)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    type: str
    interval_s: int = Field(default=60, ge=1)
    enabled: bool = True
    # Bound of each network call a connector makes (its HTTP/MQTT client gets it); a run still
    # going at its next interval is skipped, never overlapped.
    timeout_s: float = Field(default=30, gt=0)

    @property
    def options(self) -> dict[str, Any]:
        """The type's own keys (for example the simulator's `seed`)."""
        return dict(self.model_extra or {})


def _default_sources() -> list[SourceConfig]:
    return [
        SourceConfig.model_validate(
            {"name": "sim", "type": "simulator", "interval_s": 60, "enabled": True, "seed": 42}
        )
    ]


class Config(_Strict):
    city: CityConfig = CityConfig()
    areas: AreasConfig = AreasConfig()
    database: DatabaseConfig = DatabaseConfig()
    retention: RetentionConfig = RetentionConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    server: ServerConfig = ServerConfig()
    map: MapConfig = MapConfig()
    wall: WallConfig = WallConfig()
    auth: AuthConfig = AuthConfig()
    open311: Open311Config = Open311Config()
    sources: list[SourceConfig] = Field(default_factory=_default_sources)
    exports: ExportsConfig = ExportsConfig()
    smtp: SmtpConfig | None = None
    reports: list[ScheduledReport] = Field(default_factory=list)
    alerts: AlertsConfig = AlertsConfig()
    demo: bool = False
    # Where relative paths (areas, sqlite files) are resolved: the config file's folder.
    base_dir: Path = PROJECT_ROOT
    # Where the configuration came from (the file, or "built-in defaults"), for messages.
    origin: str = "built-in defaults"

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[SourceConfig], info: ValidationInfo) -> list[SourceConfig]:
        names = [s.name for s in sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"source names must be unique; repeated: {', '.join(dupes)}")
        open311 = info.data.get("open311")
        if open311 is not None and open311.source in names:
            raise ValueError(
                f"{open311.source!r} is also open311.source: the reports citizens' apps post "
                "need a source name of their own"
            )
        return sources

    @field_validator("reports")
    @classmethod
    def _reports_deliverable(
        cls, reports: list[ScheduledReport], info: ValidationInfo
    ) -> list[ScheduledReport]:
        check_reports(reports, info.data.get("smtp"), info.data.get("exports", ExportsConfig()))
        return reports

    @field_validator("alerts")
    @classmethod
    def _alerts_checked(cls, alerts: AlertsConfig, info: ValidationInfo) -> AlertsConfig:
        """What no rule or channel can tell alone: the feeds rules name exist, the channels'
        names are unique and mail has an `[smtp]` server."""
        names = {s.name for s in info.data.get("sources", ())}
        for i, rule in enumerate(alerts.rules or ()):
            if rule.source is not None and rule.source not in names:
                known = ", ".join(sorted(names)) or "none"
                raise ValueError(
                    f"rules.{i}.source: no source named {rule.source!r} (configured: {known})"
                )
        check_outbound(alerts, info.data.get("smtp") is not None)
        return alerts

    def report(self, name: str) -> ScheduledReport:
        """The scheduled report `name` (`[[reports]]`); ConfigError when there is none."""
        for r in self.reports:
            if r.name == name:
                return r
        known = ", ".join(r.name for r in self.reports) or "none"
        raise ConfigError(f"no scheduled report named {name!r} (configured: {known})")

    @property
    def exports_folder(self) -> Path:
        """Where the PDFs are kept (`[exports] folder`, resolved against the config's folder)."""
        return self.path(self.exports.folder)

    def path(self, p: Path) -> Path:
        """`p` resolved against the config's folder; absolute paths pass through.

        A relative path that does not exist there but ships with cityops (the default
        `assets/geo/...` files) resolves to the shipped file, so a config kept in /etc need not
        restate every default path.
        """
        if p.is_absolute():
            return p
        local = self.base_dir / p
        if not local.exists() and (PROJECT_ROOT / p).exists():
            return PROJECT_ROOT / p
        return local

    @property
    def database_url(self) -> str:
        """The database URL with a relative SQLite path made absolute against base_dir."""
        url = self.database.url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(self.base_dir / url[len(prefix) :])
        return url

    def secret_key(self) -> str | None:
        """`[auth] secret_key` (or CITYOPS_SECRET_KEY), else the contents of `secret_key_file`."""
        if self.auth.secret_key:
            return self.auth.secret_key
        if self.auth.secret_key_file is None:
            return None
        file = self.path(self.auth.secret_key_file)
        try:
            key = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"auth.secret_key_file: cannot read {file}: {exc}") from None
        if len(key) < 32:
            raise ConfigError(f"auth.secret_key_file: {file} holds fewer than 32 characters")
        return key

    def source(self, name: str) -> SourceConfig:
        for s in self.sources:
            if s.name == name:
                return s
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"no source named {name!r} (configured: {known})")


def _describe(exc: ValidationError, origin: str) -> str:
    lines = [f"invalid configuration in {origin}:"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"])
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        hidden = any(word in key for word in ("secret", "password", "token"))
        got = "(hidden)" if hidden else repr(err.get("input"))
        lines.append(f"  {key}: {msg} (got {got})")
    return "\n".join(lines)


def load_config(
    path: str | Path | None = None,
    env: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Config:
    """Read, override and validate the configuration.

    `path`: explicit file; else CITYOPS_CONFIG; else ./cityops.toml if present; else defaults.
    `env`: the environment to read (os.environ by default; tests pass their own).
    `overrides`: top-level sections merged over the file (tests and the CLI use it).
    """
    env = dict(os.environ) if env is None else env
    chosen = path or env.get("CITYOPS_CONFIG")
    data: dict[str, Any] = {}
    origin = "built-in defaults"
    base_dir = PROJECT_ROOT
    if chosen is None and Path("cityops.toml").is_file():
        chosen = "cityops.toml"
    if chosen is not None:
        file = Path(chosen).resolve()
        origin = str(file)
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"configuration file {file} does not exist") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{file} is not valid TOML: {exc}") from exc
        base_dir = file.parent
    for section, values in (overrides or {}).items():
        if isinstance(values, dict) and isinstance(data.get(section), dict):
            data[section] = {**data[section], **values}
        else:
            data[section] = values
    if url := env.get("CITYOPS_DATABASE_URL"):
        data.setdefault("database", {})
        data["database"] = {**data["database"], "url": url}
        origin += " (+ CITYOPS_DATABASE_URL)"
    if secret := env.get("CITYOPS_SECRET_KEY"):
        data["auth"] = {**data.get("auth", {}), "secret_key": secret}
        origin += " (+ CITYOPS_SECRET_KEY)"
    if lang := env.get("CITYOPS_LANGUAGE"):
        data["city"] = {**data.get("city", {}), "language": lang}
        origin += " (+ CITYOPS_LANGUAGE)"
    data.setdefault("base_dir", base_dir)
    data.setdefault("origin", origin)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origin)) from None


# prometheus_client's own variable: set, its metrics live in files there (several workers).
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


def metrics_multiproc_dir() -> Path | None:
    """The directory of prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR), if
    set; `dashboard.metrics` reads it when an app is built."""
    value = os.environ.get(METRICS_DIR_ENV)
    return Path(value) if value else None


def set_metrics_multiproc_dir(path: Path) -> None:
    """Point prometheus_client in this process, and the workers it forks, at `path`."""
    os.environ[METRICS_DIR_ENV] = str(path)
