"""Texts of the real feeds on /sources: a push source's link (its broker connection)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "sources.col.link": {"vi": "Kết nối", "en": "Link"},
    "sources.link.connected": {"vi": "Đã kết nối từ {since}", "en": "Connected since {since}"},
    "sources.link.retrying": {
        "vi": "Đang thử lại từ {since}: {why}",
        "en": "Retrying since {since}: {why}",
    },
    "sources.link.failing": {
        "vi": "Mất kết nối từ {since}: {why}",
        "en": "Failing since {since}: {why}",
    },
}
