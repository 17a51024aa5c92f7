"""One attempt at telling a notice on one channel — a signed webhook POST, an e-mail — and
what it came to (`Outcome`: done, worth retrying, or refused for good).

Webhook requests carry (all stable):

    Content-Type: application/json
    X-Cityops-Event: opened
    X-Cityops-Delivery: 17                    # the delivery's id (the same on every retry)
    Idempotency-Key: 42:opened                # the notice's key: one change of one alert
    X-Cityops-Timestamp: 1765335600           # Unix seconds when this attempt was signed
    X-Cityops-Signature: sha256=<hex>         # HMAC-SHA256, key: the shared secret,
                                              # message: "<timestamp>.<body bytes>"

A receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares in
constant time, and refuses timestamps too far from its clock (a replayed request). Retried:
connection errors, timeouts, HTTP 5xx and 429 (its Retry-After honoured); any other answer
under 200 or over 299 is final. Mail is retried on connection errors and SMTP 4xx answers.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import httpx

from dashboard.alerts.notice import AlertNotice
from dashboard.alerts.outbound.payload import with_links
from dashboard.config import Config, SmtpConfig
from dashboard.config_outbound import EmailChannel, WebhookChannel
from dashboard.i18n import t
from dashboard.mail import new_message, send_message
from data_sources.credentials import CredentialError

__all__ = ["Outcome", "compose_email", "post_webhook", "send_email", "signature"]


@dataclass(frozen=True, slots=True)
class Outcome:
    ok: bool
    retry: bool = False  # worth another attempt
    http_status: int | None = None
    error: str | None = None
    retry_after_s: float | None = None  # the receiver's Retry-After


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Cityops-Signature` value of `body` signed at `timestamp` (Unix seconds)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None  # an HTTP date, or nothing: our own backoff decides


def post_webhook(
    channel: WebhookChannel,
    data: dict[str, Any],
    *,
    delivery_id: int,
    now: datetime,
    base_url: str | None,
    client: httpx.Client,
) -> Outcome:
    """POST notice `data` (the outbox's payload) to the channel's URL, signed."""
    try:
        secret = channel.secret.read()
    except CredentialError as exc:
        return Outcome(False, retry=True, error=f"secret: {exc}")  # may be set before the next
    body = json.dumps(with_links(data, base_url), ensure_ascii=False, sort_keys=True).encode()
    stamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "cityops-alerts/1",
        "X-Cityops-Event": str(data["event"]),
        "X-Cityops-Delivery": str(delivery_id),
        "Idempotency-Key": str(data["key"]),
        "X-Cityops-Timestamp": str(stamp),
        "X-Cityops-Signature": signature(secret, stamp, body),
    }
    try:
        response = client.post(
            channel.url, content=body, headers=headers, timeout=channel.timeout_s
        )
    except httpx.TransportError as exc:  # connection refused, reset, timeouts
        return Outcome(False, retry=True, error=f"{type(exc).__name__}: {exc}"[:500])
    status = response.status_code
    if 200 <= status < 300:
        return Outcome(True, http_status=status)
    retry = status >= 500 or status == 429
    after = _retry_after(response) if retry else None
    return Outcome(
        False, retry=retry, http_status=status, error=f"HTTP {status}", retry_after_s=after
    )


def _facts(config: Config, notice: AlertNotice, lang: str) -> list[tuple[str, str]]:
    tz = config.city.tz
    place = ", ".join(p for p in (notice.ward, notice.zone, notice.asset_id) if p) or notice.scope
    facts = [
        (t("outbound.severity", lang), t(f"outbound.severity.{notice.severity}", lang)),
        (t("outbound.place", lang), place),
    ]
    if notice.value is not None:
        unit = f" {notice.unit}" if notice.unit else ""
        value = f"{notice.value:g}{unit}"
        if notice.threshold is not None:
            value += f" ({t('outbound.threshold', lang)} {notice.threshold:g}{unit})"
        facts.append((t("outbound.value", lang), value))
    facts.append(
        (t("outbound.opened_at", lang), f"{notice.opened_at.astimezone(tz):%d/%m/%Y %H:%M}")
    )
    facts.append((t("outbound.at", lang), f"{notice.at.astimezone(tz):%d/%m/%Y %H:%M}"))
    if notice.by:
        facts.append((t("outbound.by", lang), notice.by))
    if notice.comment:
        facts.append((t("outbound.comment", lang), notice.comment))
    facts.append((t("outbound.rule", lang), notice.rule))
    return facts


def compose_email(
    config: Config, smtp: SmtpConfig, channel: EmailChannel, notice: AlertNotice
) -> EmailMessage:
    """The alert e-mail: plain text and HTML (every value escaped), in the channel's language,
    with a link to /alerts when `[exports] base_url` is set."""
    lang = channel.lang or config.city.language
    title = notice.title_vi if lang == "vi" else notice.title_en
    event = t(f"outbound.event.{notice.event}", lang)
    subject = t("outbound.mail_subject", lang).format(
        severity=t(f"outbound.severity.{notice.severity}", lang),
        event=event,
        title=title,
        city=config.city.name,
    )
    message = new_message(smtp, channel.to, subject)
    message["X-Cityops-Alert"] = str(notice.alert_id)
    facts = _facts(config, notice, lang)
    base = config.exports.base_url
    link = f"{base}/alerts?alert={notice.alert_id}" if base else None
    footer = t("outbound.footer", lang).format(city=config.city.name)
    text = [f"{event}: {title}", ""] + [f"{k}: {v}" for k, v in facts]
    if link:
        text += ["", f"{t('outbound.link', lang)}: {link}"]
    message.set_content("\n".join([*text, "", footer]) + "\n")
    rows = "".join(
        f"<tr><th align='left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
        for k, v in facts
    )
    anchor = (
        f"<p><a href='{html.escape(link, quote=True)}'>{html.escape(t('outbound.link', lang))}</a></p>"
        if link
        else ""
    )
    page = (
        f"<!doctype html><html lang='{lang}'><body>"
        f"<h2>{html.escape(event)}: {html.escape(title)}</h2>"
        f"<table>{rows}</table>{anchor}<p><small>{html.escape(footer)}</small></p>"
        "</body></html>"
    )
    message.add_alternative(page, subtype="html")
    return message


def send_email(config: Config, channel: EmailChannel, notice: AlertNotice) -> Outcome:
    """Mail `notice` to the channel's recipients through `[smtp]`."""
    smtp = config.smtp
    if smtp is None:  # the config refuses [[alerts.email]] without [smtp]
        return Outcome(False, error="no [smtp] configured")
    try:
        send_message(smtp, compose_email(config, smtp, channel, notice))
    except smtplib.SMTPResponseException as exc:
        retry = 400 <= exc.smtp_code < 500
        return Outcome(False, retry=retry, error=f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:500])
    except (OSError, smtplib.SMTPException, CredentialError) as exc:
        return Outcome(False, retry=True, error=f"{type(exc).__name__}: {exc}"[:500])
    return Outcome(True)
