"""Texts of the alert engine: the default rules' titles (`alert_rule.<name>`)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "alert_rule.air-bad": {
        "vi": "Chất lượng không khí xấu (VN_AQI trên 150)",
        "en": "Bad air quality (VN_AQI above 150)",
    },
    "alert_rule.traffic-jam": {
        "vi": "Ùn tắc giao thông (tốc độ dưới 30% tốc độ tự do)",
        "en": "Traffic jam (speed under 30% of free flow)",
    },
    "alert_rule.water-alert-stage": {
        "vi": "Mực nước vượt mức báo động",
        "en": "Water level above alert stage",
    },
    "alert_rule.water-flood-stage": {
        "vi": "Mực nước vượt mức ngập lụt",
        "en": "Water level above flood stage",
    },
    "alert_rule.water-rising": {
        "vi": "Nước lên nhanh (20 cm trong một giờ)",
        "en": "Water rising fast (20 cm in an hour)",
    },
    "alert_rule.cabinet-lamps-faulty": {
        "vi": "Nhiều đèn hỏng trong một tủ điện",
        "en": "Many faulty lamps in one cabinet",
    },
    "alert_rule.ward-flooding-reports": {
        "vi": "Nhiều phản ánh ngập nước trong phường",
        "en": "Many flooding reports in a ward",
    },
    "alert_rule.feed-silent": {
        "vi": "Nguồn dữ liệu {source} không gửi dữ liệu",
        "en": "Feed {source} sends no data",
    },
}
