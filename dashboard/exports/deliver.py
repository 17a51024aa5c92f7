"""Where a scheduled report's PDF goes: a folder, e-mail over SMTP (attached), a webhook.

Each destination is tried on its own: one that fails (a full disk, a mail server down, a
webhook answering 500) is named in the outcome and never stops the others. Network calls are
bounded (`[smtp] timeout_s`, the webhook's `timeout_s`); credentials are read when used.
"""

from __future__ import annotations

import json
import os
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx

from dashboard.config import Config, ScheduledReport, SmtpConfig
from dashboard.i18n import t
from dashboard.mail import new_message, send_message
from dashboard.store import ExportView
from data_sources.credentials import CredentialError

__all__ = ["Delivered", "deliver", "download_path", "pdf_filename", "write_whole"]


@dataclass(frozen=True)
class Delivered:
    destination: str  # folder, email, webhook
    ok: bool
    detail: str

    @property
    def summary(self) -> str:
        return f"{self.destination}: {self.detail}"


def pdf_filename(name: str, local: datetime) -> str:
    """`<name>-YYYY-MM-DD-HHMM.pdf` at the local time `local`."""
    return f"{name}-{local:%Y-%m-%d-%H%M}.pdf"


def download_path(export_id: int) -> str:
    """The address that serves export `export_id`'s PDF (signed in, with the right to it)."""
    return f"/exports/{export_id}.pdf"


def write_whole(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all: a reader (a download, a program watching
    the folder) never sees half a PDF."""
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(data)
    os.replace(partial, path)


def deliver(
    config: Config, report: ScheduledReport, job: ExportView, pdf: bytes, filename: str
) -> list[Delivered]:
    """Send `pdf` to every destination of `report`; one outcome each, in order."""
    outcomes: list[Delivered] = []
    if report.folder is not None:
        outcomes.append(_attempt("folder", lambda: _to_folder(config, report, pdf, filename)))
    if report.email:
        smtp = config.smtp
        assert smtp is not None  # the config refuses e-mail without [smtp]
        outcomes.append(
            _attempt("email", lambda: _by_mail(config, smtp, report, job, pdf, filename))
        )
    if report.webhook is not None:
        outcomes.append(_attempt("webhook", lambda: _to_webhook(config, report, job, pdf)))
    return outcomes


def _attempt(destination: str, send: Callable[[], str]) -> Delivered:
    try:
        return Delivered(destination, True, str(send()))
    except (OSError, smtplib.SMTPException, httpx.HTTPError, CredentialError) as exc:
        return Delivered(destination, False, f"failed ({type(exc).__name__}: {exc})")


def _to_folder(config: Config, report: ScheduledReport, pdf: bytes, filename: str) -> str:
    assert report.folder is not None
    folder = config.path(report.folder)
    folder.mkdir(parents=True, exist_ok=True)
    write_whole(folder / filename, pdf)
    return str(folder / filename)


def _subject(config: Config, report: ScheduledReport, job: ExportView) -> str:
    if report.subject:
        return report.subject
    lang = report.lang or config.city.language
    local = job.requested_at.astimezone(config.city.tz)
    return t("exports.mail_subject", lang).format(
        city=config.city.name, report=report.name, at=f"{local:%d/%m/%Y %H:%M}"
    )


def _by_mail(
    config: Config,
    smtp: SmtpConfig,
    report: ScheduledReport,
    job: ExportView,
    pdf: bytes,
    filename: str,
) -> str:
    lang = report.lang or config.city.language
    message = new_message(smtp, report.email, _subject(config, report, job))
    message.set_content(
        t("exports.mail_body", lang).format(
            report=report.name, view=job.path, city=config.city.name
        )
    )
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    send_message(smtp, message)
    return f"sent to {len(report.email)}"


def _to_webhook(config: Config, report: ScheduledReport, job: ExportView, pdf: bytes) -> str:
    hook = report.webhook
    assert hook is not None
    headers = {"X-Cityops-Report": report.name, "X-Cityops-Export": str(job.id)}
    if hook.bearer_token is not None:
        headers["Authorization"] = f"Bearer {hook.bearer_token.read()}"
    if hook.send == "pdf":
        headers["Content-Type"] = "application/pdf"
        body = pdf
    else:
        headers["Content-Type"] = "application/json"
        note = {
            "report": report.name,
            "export_id": job.id,
            "view": job.path,
            "url": f"{config.exports.base_url}{download_path(job.id)}",
            "size_bytes": len(pdf),
            "requested_at": job.requested_at.isoformat(),
        }
        body = json.dumps(note).encode()
    response = httpx.post(hook.url, content=body, headers=headers, timeout=hook.timeout_s)
    response.raise_for_status()
    return f"HTTP {response.status_code}"
