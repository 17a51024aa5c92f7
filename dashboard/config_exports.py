"""The configuration of PDF exports: `[exports]`, `[smtp]` and the `[[reports]]` schedules.

Part of `dashboard.config.Config` (validated with it, at start: a wrong key or value stops the
program naming the key and the file); its own module so the config module stays readable.

    [exports]
    folder = "var/exports"   # where every PDF is kept (relative: to the config file)
    workers = 1              # renders at once in each process that renders (the scheduler's)
    timeout_s = 60           # the bound of one render

    [smtp]
    host = "smtp.rachgia.gov.vn"
    port = 587
    from = "ioc@rachgia.gov.vn"
    security = "starttls"    # or "ssl" (SMTPS, usually port 465) or "none"
    username = "ioc"
    password = { env = "CITYOPS_SMTP_PASSWORD" }

    [[reports]]
    name = "lighting-weekly"
    view = "/lighting?range=7d"
    cron = "0 7 * * mon"     # crontab, in the city's time zone (Asia/Ho_Chi_Minh)
    user = "bao-cao"         # whose rights it renders with (a manager account)
    folder = "/srv/cityops/reports/lighting"
    email = ["truongphong.chieusang@rachgia.gov.vn"]
    webhook = { url = "https://hooks.example.gov/pdf", send = "pdf" }
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self
from urllib.parse import urlsplit

from apscheduler.triggers.cron import CronTrigger
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from data_sources.credentials import Secret

__all__ = [
    "EXPORTABLE_VIEWS",
    "ExportsConfig",
    "ScheduledReport",
    "SmtpConfig",
    "WebhookTarget",
    "check_reports",
    "cron_trigger",
    "exportable_view",
    "http_address",
    "mail_addresses",
]

# The pages that can be exported to PDF (the "Export PDF" control shows on these, and a
# scheduled report's view must be one of them); every one is a page any manager may see.
EXPORTABLE_VIEWS: tuple[str, ...] = (
    "/wall",
    "/traffic",
    "/lighting",
    "/environment",
    "/reports",
    "/alerts",
)
REPORT_NAME = r"^[a-z0-9][a-z0-9_-]{0,63}$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def http_address(value: str) -> str:
    """`value` when it is an http:// or https:// address with a host; else ValueError."""
    if urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc:
        raise ValueError("expected an http:// or https:// address")
    return value


def mail_addresses(value: tuple[str, ...]) -> tuple[str, ...]:
    """`value` when each is an e-mail address (an @, no spaces); else ValueError naming them."""
    bad = [a for a in value if "@" not in a or any(c.isspace() for c in a)]
    if bad:
        raise ValueError(f"not an e-mail address: {', '.join(bad)}")
    return value


def exportable_view(view: str) -> bool:
    """Is `view` (a path with its query, e.g. "/traffic?range=7d") a page that exports?"""
    parts = urlsplit(view)
    return not parts.scheme and not parts.netloc and parts.path in EXPORTABLE_VIEWS


def cron_trigger(expr: str, timezone: str) -> CronTrigger:
    """APScheduler's trigger for the crontab `expr` (five fields), in `timezone`."""
    return CronTrigger.from_crontab(expr, timezone=timezone)


class ExportsConfig(_Strict):
    folder: Path = Path("var/exports")
    workers: int = Field(default=1, ge=1, le=4)
    timeout_s: float = Field(default=60, gt=0, le=600)
    # The CPU priority renders run at (Linux nice, 0-19; their browser inherits it), so the
    # web workers' callbacks on the same machine come first.
    nice: int = Field(default=10, ge=0, le=19)
    # Linux's SCHED_IDLE on top (inherited the same way): a render runs only on CPU time no
    # web worker wants, so a wall's refresh preempts it at once.
    idle_priority: bool = True
    # The CPUs renders may run on (Linux affinity, inherited by their browser), to keep them
    # off the cores the web workers are given; None: any.
    cpus: list[int] | None = Field(default=None, min_length=1)
    # The dashboard's address as people reach it (e.g. "https://ioc.rachgia.gov.vn"): the
    # links a webhook with `send = "link"` posts. None: such webhooks are refused at start.
    base_url: str | None = None

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("expected an http:// or https:// address")
        return None if value is None else value.rstrip("/")


class SmtpConfig(_Strict):
    """The mail server scheduled reports are sent through (the PDF attached)."""

    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    sender: str = Field(alias="from", min_length=3, pattern=r"@")
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: Secret | None = None
    timeout_s: float = Field(default=30, gt=0)

    @model_validator(mode="after")
    def _login_pair(self) -> Self:
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        return self


class WebhookTarget(_Strict):
    """POST the PDF itself (`send = "pdf"`, `application/pdf`) or a JSON note with its link
    (`send = "link"`, needs `[exports] base_url`) to `url`."""

    url: str
    send: Literal["pdf", "link"] = "pdf"
    bearer_token: Secret | None = None
    timeout_s: float = Field(default=30, gt=0)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        return http_address(value)


class ScheduledReport(_Strict):
    """One `[[reports]]` entry: a view rendered on a cron schedule and sent on."""

    name: str = Field(pattern=REPORT_NAME)
    view: str
    cron: str
    paper: Literal["A4", "A3"] = "A4"
    landscape: bool = False
    lang: Literal["vi", "en"] | None = None
    user: str = Field(min_length=1)
    folder: Path | None = None
    email: tuple[str, ...] = ()
    subject: str | None = None
    webhook: WebhookTarget | None = None

    @field_validator("view")
    @classmethod
    def _exportable(cls, value: str) -> str:
        if not exportable_view(value):
            raise ValueError(
                "expected the path of a page that exports, with its filters: one of "
                + ", ".join(EXPORTABLE_VIEWS)
                + ' (e.g. "/traffic?range=7d")'
            )
        return value

    @field_validator("cron")
    @classmethod
    def _crontab(cls, value: str) -> str:
        try:
            cron_trigger(value, "UTC")
        except ValueError as exc:
            raise ValueError(
                f"not a crontab expression (minute hour day month weekday): {exc}"
            ) from None
        return value

    @field_validator("email")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return mail_addresses(value)


def check_reports(
    reports: list[ScheduledReport], smtp: SmtpConfig | None, exports: ExportsConfig
) -> None:
    """What no single entry can tell: unique names, and the sections their destinations need."""
    names = [r.name for r in reports]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"report names must be unique; repeated: {', '.join(dupes)}")
    for report in reports:
        if report.email and smtp is None:
            raise ValueError(f"{report.name!r} sends e-mail: configure [smtp]")
        if report.webhook and report.webhook.send == "link" and exports.base_url is None:
            raise ValueError(f"{report.name!r} posts links: set [exports] base_url")
