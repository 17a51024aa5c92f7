"""The JSON shape of a notice: what the outbox keeps and what a webhook receives (stable).

    {
      "schema": "cityops.alert-notice/1",
      "key": "42:opened",              # idempotency key: alert id and event
      "event": "opened",               # opened | escalated | acknowledged | resolved
      "at": "2026-12-10T03:00:00Z",    # when it happened, UTC
      "alert": {
        "id": 42, "rule": "aqi-high", "severity": "critical",
        "title": {"vi": "...", "en": "..."},
        "domain": "environment", "scope": "asset:sim:air-03",
        "ward": "Phường Rạch Giá", "zone": null, "asset_id": "sim:air-03",
        "location": {"lon": 105.08, "lat": 10.01},   # or null
        "value": 182.0, "threshold": 150.0, "unit": "VN_AQI",
        "opened_at": "2026-12-10T02:30:00Z"
      },
      "comment": null, "by": null,     # an acknowledgement's comment and who gave it
      "links": {"alert": "https://.../alerts?alert=42", "cap": "https://.../cap/alerts/42.xml"}
    }

An alert escalates at most twice (info -> warning -> critical), so the key of an escalation
carries the severity it reached ("42:escalated:critical"): every key names one change. `links`
is there when `[exports] base_url` is set. New keys may be added; none is renamed or removed
within schema version 1.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from dashboard.alerts.notice import AlertNotice

__all__ = ["SCHEMA", "cap_url", "idempotency_key", "notice_from_json", "notice_json", "with_links"]

SCHEMA = "cityops.alert-notice/1"


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def idempotency_key(notice: AlertNotice) -> str:
    """The key that names this change of this alert (see the module docstring)."""
    key = f"{notice.alert_id}:{notice.event}"
    return f"{key}:{notice.severity}" if notice.event == "escalated" else key


def notice_json(notice: AlertNotice) -> dict[str, Any]:
    """`notice` in the documented shape (without `links`)."""
    located = notice.lon is not None and notice.lat is not None
    return {
        "schema": SCHEMA,
        "key": idempotency_key(notice),
        "event": notice.event,
        "at": _iso(notice.at),
        "alert": {
            "id": notice.alert_id,
            "rule": notice.rule,
            "severity": notice.severity,
            "title": {"vi": notice.title_vi, "en": notice.title_en},
            "domain": notice.domain,
            "scope": notice.scope,
            "ward": notice.ward,
            "zone": notice.zone,
            "asset_id": notice.asset_id,
            "location": {"lon": notice.lon, "lat": notice.lat} if located else None,
            "value": notice.value,
            "threshold": notice.threshold,
            "unit": notice.unit,
            "opened_at": _iso(notice.opened_at),
        },
        "comment": notice.comment,
        "by": notice.by,
    }


def notice_from_json(data: dict[str, Any]) -> AlertNotice:
    """The notice `notice_json` wrote (the outbox's payload)."""
    alert = data["alert"]
    location = alert.get("location") or {}
    return AlertNotice(
        alert_id=int(alert["id"]),
        event=data["event"],
        at=_time(data["at"]),
        rule=alert["rule"],
        title_vi=alert["title"]["vi"],
        title_en=alert["title"]["en"],
        severity=alert["severity"],
        domain=alert["domain"],
        scope=alert["scope"],
        ward=alert.get("ward"),
        zone=alert.get("zone"),
        asset_id=alert.get("asset_id"),
        lon=location.get("lon"),
        lat=location.get("lat"),
        value=alert.get("value"),
        threshold=alert.get("threshold"),
        unit=alert.get("unit"),
        opened_at=_time(alert["opened_at"]),
        comment=data.get("comment"),
        by=data.get("by"),
    )


def with_links(data: dict[str, Any], base_url: str | None) -> dict[str, Any]:
    """`data` with its `links` when the dashboard's address is known."""
    if base_url is None:
        return data
    alert_id = data["alert"]["id"]
    links = {"alert": f"{base_url}/alerts?alert={alert_id}", "cap": cap_url(base_url, alert_id)}
    return {**data, "links": links}


def cap_url(base_url: str, alert_id: int) -> str:
    """The address of alert `alert_id`'s CAP document."""
    return f"{base_url}/cap/alerts/{alert_id}.xml"
