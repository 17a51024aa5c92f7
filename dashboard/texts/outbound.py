"""Strings of alerts told outside the room: the alert e-mail (merged into dashboard.i18n.TEXT).
The CAP feed's texts are the alert's own titles, in both languages at once."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "outbound.event.opened": {"vi": "Cảnh báo mới", "en": "New alert"},
    "outbound.event.escalated": {"vi": "Cảnh báo tăng mức", "en": "Alert escalated"},
    "outbound.event.acknowledged": {"vi": "Cảnh báo đã tiếp nhận", "en": "Alert acknowledged"},
    "outbound.event.resolved": {"vi": "Cảnh báo đã hết", "en": "Alert resolved"},
    "outbound.severity.info": {"vi": "Thông tin", "en": "Info"},
    "outbound.severity.warning": {"vi": "Cảnh báo", "en": "Warning"},
    "outbound.severity.critical": {"vi": "Nghiêm trọng", "en": "Critical"},
    "outbound.mail_subject": {
        "vi": "[{severity}] {event}: {title} · {city}",
        "en": "[{severity}] {event}: {title} · {city}",
    },
    "outbound.severity": {"vi": "Mức độ", "en": "Severity"},
    "outbound.place": {"vi": "Nơi", "en": "Place"},
    "outbound.value": {"vi": "Giá trị", "en": "Value"},
    "outbound.threshold": {"vi": "ngưỡng", "en": "threshold"},
    "outbound.opened_at": {"vi": "Bắt đầu", "en": "Opened"},
    "outbound.at": {"vi": "Thời điểm", "en": "At"},
    "outbound.by": {"vi": "Người tiếp nhận", "en": "Acknowledged by"},
    "outbound.comment": {"vi": "Ghi chú", "en": "Comment"},
    "outbound.rule": {"vi": "Quy tắc", "en": "Rule"},
    "outbound.link": {"vi": "Xem trên bảng điều hành", "en": "See it on the dashboard"},
    "outbound.footer": {
        "vi": "Thư này do hệ thống điều hành đô thị {city} gửi tự động.",
        "en": "This message was sent automatically by the {city} city operations center.",
    },
}

# CAP `event`: what kind of thing the alert is about, by domain.
TEXT |= {
    "outbound.cap_event.traffic": {"vi": "Ùn tắc giao thông", "en": "Traffic congestion"},
    "outbound.cap_event.lighting": {
        "vi": "Sự cố chiếu sáng công cộng",
        "en": "Street lighting fault",
    },
    "outbound.cap_event.environment": {"vi": "Chất lượng không khí", "en": "Air quality"},
    "outbound.cap_event.water": {"vi": "Mực nước / ngập", "en": "Water level / flooding"},
    "outbound.cap_event.reports": {"vi": "Phản ánh của người dân", "en": "Citizen reports"},
    "outbound.cap_event.feeds": {"vi": "Mất dữ liệu cảm biến", "en": "Sensor data outage"},
    "outbound.cap_event.other": {"vi": "Cảnh báo đô thị", "en": "City alert"},
}
