"""CAP 1.2 (OASIS Common Alerting Protocol) documents of alerts, and their Atom index.

Pure functions of an alert's notices (oldest first, as the outbox keeps them): no store, no
clock. Each public change of an alert is one CAP message: its opening an `Alert`, each
escalation an `Update`, its resolution a `Cancel`, every later one naming the earlier ones in
`references` (acknowledgements are the room's business and make no message). The document
served for an alert is its latest message, with one `info` in Vietnamese (vi-VN) and one in
English (en-US).

Mapping: severity info -> Minor, warning -> Moderate, critical -> Severe (Extreme is left to
a human's declaration of a threat to life); urgency Immediate while the alert stands, Past
once resolved; certainty Observed (a measurement), Likely for citizen reports; category by
domain (traffic Transport, lighting Infra, environment Env, water Met, reports and feeds
Other... see `_CATEGORY`). The area is a circle of `radius_km` around the alert's point, or
the ward's polygon, and always its description (ward, zone, asset).

Times are written in the city's time zone with their offset ("2026-12-10T10:00:00+07:00"),
as the schema's pattern asks (no "Z").
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from dashboard.alerts.notice import AlertNotice
from dashboard.alerts.outbound.payload import cap_url
from dashboard.i18n import t

__all__ = [
    "ATOM_NS",
    "CAP_NS",
    "CapSettings",
    "cap_document",
    "cap_messages",
    "feed_document",
]

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM_NS = "http://www.w3.org/2005/Atom"
CAP_MIME = "application/cap+xml"

_SEVERITY = {"info": "Minor", "warning": "Moderate", "critical": "Severe"}
_CATEGORY = {
    "traffic": "Transport",
    "lighting": "Infra",
    "environment": "Env",
    "water": "Met",
    "reports": "Other",
    "feeds": "Infra",
}
_MSG_TYPE = {"opened": "Alert", "escalated": "Update", "resolved": "Cancel"}
_LANGUAGES = (("vi", "vi-VN"), ("en", "en-US"))


@dataclass(frozen=True, slots=True)
class CapSettings:
    """What a CAP document says of its sender and where things are."""

    sender: str
    sender_name: str
    city: str
    tz: ZoneInfo
    radius_km: float = 0.5
    base_url: str | None = None  # the dashboard's address: `web` links and the feed's own


@dataclass(frozen=True, slots=True)
class CapMessage:
    """One CAP message of an alert: the notice it tells and its identifier."""

    notice: AlertNotice
    identifier: str
    msg_type: str


def _local(at: datetime, tz: ZoneInfo) -> str:
    return at.astimezone(tz).isoformat(timespec="seconds")


def cap_messages(notices: Sequence[AlertNotice]) -> list[CapMessage]:
    """The CAP messages an alert's notices (oldest first) make, oldest first."""
    public = [n for n in notices if n.event in _MSG_TYPE]
    out: list[CapMessage] = []
    for k, notice in enumerate(public):
        msg_type = "Alert" if k == 0 else _MSG_TYPE[notice.event]
        out.append(CapMessage(notice, f"cityops-alert-{notice.alert_id}-{k + 1}", msg_type))
    return out


def _number(x: float) -> str:
    return f"{x:g}"


def _description(n: AlertNotice, lang: str, s: CapSettings) -> str:
    lines = [n.title_vi if lang == "vi" else n.title_en]
    if n.value is not None:
        unit = f" {n.unit}" if n.unit else ""
        value = f"{t('outbound.value', lang)}: {_number(n.value)}{unit}"
        if n.threshold is not None:
            value += f" ({t('outbound.threshold', lang)} {_number(n.threshold)}{unit})"
        lines.append(value)
    lines.append(f"{t('outbound.place', lang)}: {_place(n)}")
    lines.append(f"{t('outbound.opened_at', lang)}: {n.opened_at.astimezone(s.tz):%d/%m/%Y %H:%M}")
    lines.append(f"{t('outbound.rule', lang)}: {n.rule}")
    return "\n".join(lines)


def _place(n: AlertNotice) -> str:
    parts = [p for p in (n.ward, n.zone, n.asset_id) if p]
    return ", ".join(parts) if parts else n.scope


def _sub(parent: ET.Element, tag: str, text: str) -> ET.Element:
    child = ET.SubElement(parent, f"{{{CAP_NS}}}{tag}")
    child.text = text
    return child


def _area(
    info: ET.Element, n: AlertNotice, s: CapSettings, ring: Sequence[tuple[float, float]]
) -> None:
    area = ET.SubElement(info, f"{{{CAP_NS}}}area")
    _sub(area, "areaDesc", f"{_place(n)} ({s.city})")
    if ring and (n.lon is None or n.lat is None):
        points = list(ring) if ring[0] == ring[-1] else [*ring, ring[0]]
        _sub(area, "polygon", " ".join(f"{lat:.5f},{lon:.5f}" for lon, lat in points))
    if n.lon is not None and n.lat is not None:
        _sub(area, "circle", f"{n.lat:.5f},{n.lon:.5f} {_number(s.radius_km)}")


def cap_document(
    notices: Sequence[AlertNotice],
    settings: CapSettings,
    ward_ring: Sequence[tuple[float, float]] = (),
) -> bytes:
    """The CAP 1.2 document of an alert: its latest message (see the module docstring).
    `ward_ring`: the (lon, lat) ring of the alert's ward, used when it has no point.
    ValueError when the notices make no message (only acknowledgements)."""
    messages = cap_messages(notices)
    if not messages:
        raise ValueError("these notices make no CAP message")
    latest = messages[-1]
    n, s = latest.notice, settings
    alert = ET.Element(f"{{{CAP_NS}}}alert")
    _sub(alert, "identifier", latest.identifier)
    _sub(alert, "sender", s.sender)
    _sub(alert, "sent", _local(n.at, s.tz))
    _sub(alert, "status", "Actual")
    _sub(alert, "msgType", latest.msg_type)
    _sub(alert, "source", f"cityops rule {n.rule}")
    _sub(alert, "scope", "Public")
    if len(messages) > 1:
        refs = [f"{s.sender},{m.identifier},{_local(m.notice.at, s.tz)}" for m in messages[:-1]]
        _sub(alert, "references", " ".join(refs))
    _sub(alert, "incidents", f"cityops-alert-{n.alert_id}")
    for lang, tag in _LANGUAGES:
        info = ET.SubElement(alert, f"{{{CAP_NS}}}info")
        _sub(info, "language", tag)
        _sub(info, "category", _CATEGORY.get(n.domain, "Other"))
        domain = n.domain if n.domain in _CATEGORY else "other"
        _sub(info, "event", t(f"outbound.cap_event.{domain}", lang))
        _sub(info, "urgency", "Past" if n.event == "resolved" else "Immediate")
        _sub(info, "severity", _SEVERITY[n.severity])
        _sub(info, "certainty", "Likely" if n.domain == "reports" else "Observed")
        _sub(info, "onset", _local(n.opened_at, s.tz))
        _sub(info, "senderName", s.sender_name)
        title = n.title_vi if lang == "vi" else n.title_en
        _sub(info, "headline", title[:160])
        _sub(info, "description", _description(n, lang, s))
        if s.base_url is not None:
            _sub(info, "web", f"{s.base_url}/alerts?alert={n.alert_id}")
        _area(info, n, s, ward_ring)
    ET.indent(alert)
    return ET.tostring(alert, encoding="utf-8", xml_declaration=True, default_namespace=CAP_NS)


def feed_document(
    alerts: Sequence[Sequence[AlertNotice]],
    settings: CapSettings,
    *,
    updated: datetime,
    self_url: str,
    lang: str = "vi",
) -> bytes:
    """The Atom index of `alerts` (each its notices, oldest first): one entry per alert that
    has a CAP message, newest change first, linking its CAP document."""
    s = settings
    # Plain names under an xmlns attribute: ElementTree's default_namespace refuses the
    # unqualified attributes (rel, href) Atom uses.
    feed = ET.Element("feed", xmlns=ATOM_NS)
    base = self_url.rsplit("/cap/", 1)[0]

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        child = ET.SubElement(parent, tag, attrs)
        child.text = text
        return child

    sub(feed, "id", self_url)
    sub(feed, "title", f"{s.sender_name} · CAP")
    sub(feed, "updated", _local(updated, s.tz))
    author = sub(feed, "author")
    sub(author, "name", s.sender_name)
    sub(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    latest = [messages[-1] for notices in alerts if (messages := cap_messages(notices))]
    shown = sorted(latest, key=lambda m: m.notice.at, reverse=True)
    for message in shown:
        n = message.notice
        entry = sub(feed, "entry")
        sub(entry, "id", f"urn:cityops:{s.sender}:{message.identifier}")
        sub(entry, "title", n.title_vi if lang == "vi" else n.title_en)
        sub(entry, "updated", _local(n.at, s.tz))
        sub(entry, "published", _local(n.opened_at, s.tz))
        sub(entry, "link", rel="alternate", href=cap_url(base, n.alert_id), type=CAP_MIME)
        summary = f"{message.msg_type} · {_SEVERITY[n.severity]} · {_place(n)}"
        sub(entry, "summary", summary)
        sub(entry, "category", term=_CATEGORY.get(n.domain, "Other"))
    ET.indent(feed)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
