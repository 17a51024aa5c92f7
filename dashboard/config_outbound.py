"""The configuration of alerts reaching people outside the room: `[[alerts.webhooks]]`,
`[[alerts.email]]` and `[alerts.cap]` (see `dashboard.alerts.outbound`).

Part of `dashboard.config.Config` under `[alerts]` (validated with it, at start: a wrong key
or value stops the program naming the key and the file). Mail goes through `[smtp]`, the
server scheduled reports use; links in mail and CAP documents start at `[exports] base_url`.

    [[alerts.webhooks]]
    name = "pccc"                     # stable: deliveries are recorded under "webhook:pccc"
    url = "https://hooks.angiang.gov.vn/cityops"
    events = ["opened", "escalated", "resolved"]
    min_severity = "warning"
    secret = { env = "CITYOPS_WEBHOOK_PCCC_SECRET" }

    [[alerts.email]]
    name = "truc-ban"
    to = ["trucban@rachgia.gov.vn"]
    events = ["opened", "escalated"]
    min_severity = "critical"
    lang = "vi"

    [alerts.cap]
    public = true                     # false: an API token (scope read:api) reads it
    sender = "ioc@rachgia.gov.vn"
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dashboard.config_exports import http_address, mail_addresses
from data_sources.credentials import Secret

__all__ = [
    "ALERT_EVENTS",
    "SEVERITY_RANK",
    "AlertsOutboundConfig",
    "CapFeedConfig",
    "EmailChannel",
    "WebhookChannel",
    "check_outbound",
]

ALERT_EVENTS: tuple[str, ...] = ("opened", "escalated", "acknowledged", "resolved")
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "critical": 2}
CHANNEL_NAME = r"^[a-z0-9][a-z0-9_-]{0,63}$"

Event = Literal["opened", "escalated", "acknowledged", "resolved"]
Level = Literal["info", "warning", "critical"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Channel(_Strict):
    """What every outbound channel has: a name, which events, from which severity, retries."""

    name: str = Field(pattern=CHANNEL_NAME)
    events: tuple[Event, ...] = ("opened", "escalated", "resolved")
    min_severity: Level = "warning"
    max_attempts: int = Field(default=8, ge=1, le=50)
    backoff_s: float = Field(default=5, gt=0, le=3600)  # the first retry's delay, then doubled
    max_backoff_s: float = Field(default=1800, gt=0)

    def wants(self, event: str, severity: str) -> bool:
        """Is a notice of `event` at `severity` for this channel?"""
        return event in self.events and SEVERITY_RANK[severity] >= SEVERITY_RANK[self.min_severity]


class WebhookChannel(_Channel):
    """POST each notice as signed JSON to `url` (see `dashboard.alerts.outbound.webhook`)."""

    url: str
    secret: Secret
    timeout_s: float = Field(default=10, gt=0, le=120)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        return http_address(value)


class EmailChannel(_Channel):
    """Mail each notice (plain text and HTML) to `to` through `[smtp]`."""

    to: tuple[str, ...] = Field(min_length=1)
    lang: Literal["vi", "en"] | None = None  # None: the city's language

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return mail_addresses(value)


class CapFeedConfig(_Strict):
    """The CAP 1.2 feed at `/cap/alerts.atom` and `/cap/alerts/<id>.xml`."""

    enabled: bool = True
    # Open to anyone (a province's warning system reads it without an account); false: an API
    # token with scope read:api (`Authorization: Bearer ...`).
    public: bool = True
    # CAP `sender`: an address that names the IOC uniquely (CAP 1.2 §3.2.1).
    sender: str = Field(default="ioc@cityops.invalid", min_length=3, pattern=r"^[^\s,<&]+$")
    sender_name: str | None = None  # CAP `senderName`; None: "<city> IOC"
    resolved_hours: float = Field(default=24, ge=0)  # resolved alerts stay listed this long
    radius_km: float = Field(default=0.5, gt=0, le=100)  # the circle around an asset's point


class AlertsOutboundConfig(_Strict):
    """The outbound keys of `[alerts]`."""

    webhooks: tuple[WebhookChannel, ...] = ()
    email: tuple[EmailChannel, ...] = ()
    cap: CapFeedConfig = CapFeedConfig()


def check_outbound(outbound: AlertsOutboundConfig, smtp_configured: bool) -> None:
    """What no single entry can tell: unique channel names, `[smtp]` for mail."""
    names = [f"webhook:{w.name}" for w in outbound.webhooks]
    names += [f"email:{e.name}" for e in outbound.email]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"channel names must be unique; repeated: {', '.join(dupes)}")
    if outbound.email and not smtp_configured:
        raise ValueError("[[alerts.email]] sends mail: configure [smtp]")
