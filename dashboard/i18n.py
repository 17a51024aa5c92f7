"""Every visible string of the web UI, in Vietnamese and English.

One dictionary, `TEXT`, maps a key to both languages, so a page never holds a literal label and a
missing translation is a test failure (see tests/pages), not a blank on a wall screen. The
language is chosen by `resolve_language`: `?lang=` in the URL wins, then the browser's saved
choice (a cookie the app sets), then the configured default.
"""

from __future__ import annotations

from typing import Final, Literal

from dashboard.records import REPORT_CATEGORIES

__all__ = [
    "LANGUAGES",
    "LANG_COOKIE",
    "TEXT",
    "Lang",
    "count_key",
    "format_duration",
    "resolve_language",
    "t",
]

Lang = Literal["vi", "en"]
LANGUAGES: Final[tuple[Lang, ...]] = ("vi", "en")
# The cookie that keeps the operator's language choice in the browser.
LANG_COOKIE: Final = "cityops_lang"

_CORE: Final[dict[str, dict[Lang, str]]] = {
    # shell
    "app.title": {
        "vi": "Trung tâm điều hành đô thị thông minh",
        "en": "Smart City Operations Center",
    },
    "app.short": {"vi": "IOC", "en": "IOC"},
    "shell.clock_label": {"vi": "Giờ địa phương", "en": "Local time"},
    "shell.language": {"vi": "Ngôn ngữ", "en": "Language"},
    "shell.nav": {"vi": "Điều hướng", "en": "Navigation"},
    "lang.vi": {"vi": "Tiếng Việt", "en": "Tiếng Việt"},
    "lang.en": {"vi": "English", "en": "English"},
    "page.not_found": {"vi": "Không tìm thấy trang", "en": "Page not found"},
    # sources page
    "sources.nav": {"vi": "Nguồn dữ liệu", "en": "Data sources"},
    "sources.title": {"vi": "Tình trạng nguồn dữ liệu", "en": "Data source health"},
    "sources.intro": {
        "vi": "Mỗi nguồn được cấu hình: lần chạy gần nhất, số bản ghi, độ trễ dữ liệu và lỗi. "
        "Nguồn có dữ liệu cũ hơn 3 lần chu kỳ được đánh dấu là quá hạn.",
        "en": "Every configured feed: its last run, rows, data age and errors. "
        "A feed whose data is older than 3 intervals is marked stale.",
    },
    "sources.updated": {"vi": "Cập nhật lúc", "en": "Updated at"},
    "sources.col.name": {"vi": "Nguồn", "en": "Source"},
    "sources.col.type": {"vi": "Loại", "en": "Type"},
    "sources.col.state": {"vi": "Trạng thái chạy", "en": "Schedule"},
    "sources.col.last_run": {"vi": "Lần chạy gần nhất", "en": "Last run"},
    "sources.col.health": {"vi": "Tình trạng", "en": "Status"},
    "sources.col.rows": {"vi": "Bản ghi lưu", "en": "Rows stored"},
    "sources.col.rejected": {"vi": "Bản ghi bị loại", "en": "Rejected"},
    "sources.col.age": {"vi": "Độ trễ dữ liệu", "en": "Data age"},
    "sources.col.next_run": {"vi": "Lần chạy kế tiếp", "en": "Next run"},
    "sources.col.error": {"vi": "Lỗi gần nhất", "en": "Last error"},
    "sources.history": {"vi": "Lịch sử chạy (20 lần gần nhất)", "en": "Run history (last 20)"},
    "sources.pick": {"vi": "Chọn nguồn", "en": "Choose a source"},
    "sources.col.started": {"vi": "Bắt đầu", "en": "Started"},
    "sources.col.duration": {"vi": "Thời lượng", "en": "Duration"},
    "sources.col.run_error": {"vi": "Lỗi", "en": "Error"},
    "sources.col.run_status": {"vi": "Kết quả", "en": "Outcome"},
    "sources.due": {"vi": "đến hạn", "en": "due"},
    "sources.none": {"vi": "—", "en": "—"},
    # feed controls on /sources (pause/resume go through the store: the scheduler reads them)
    "sources.controls": {"vi": "Điều khiển nguồn", "en": "Feed controls"},
    "sources.controls_intro": {
        "vi": "Nguồn bị tạm dừng sẽ không được bộ lập lịch chạy cho đến khi tiếp tục.",
        "en": "The scheduler skips a paused feed until it is resumed.",
    },
    "sources.pause": {"vi": "Tạm dừng", "en": "Pause"},
    "sources.resume": {"vi": "Tiếp tục", "en": "Resume"},
    "sources.paused_notice": {"vi": "Đã tạm dừng nguồn {name}.", "en": "Feed {name} paused."},
    "sources.resumed_notice": {"vi": "Đã tiếp tục nguồn {name}.", "en": "Feed {name} resumed."},
    "sources.run_now": {"vi": "Chạy ngay", "en": "Run now"},
    "sources.run_notice": {
        "vi": "Đã yêu cầu chạy nguồn {name}; bộ lập lịch sẽ chạy trong vài giây.",
        "en": "Run of {name} requested; the scheduler starts it within seconds.",
    },
    "sources.disabled_note": {"vi": "Đã tắt trong cấu hình", "en": "Disabled in the configuration"},
    # schedule state of a source
    "state.enabled": {"vi": "Đang bật", "en": "Enabled"},
    "state.paused": {"vi": "Tạm dừng", "en": "Paused"},
    "state.disabled": {"vi": "Đã tắt", "en": "Disabled"},
    # health of a source (see dashboard.queries.sources.Health)
    "health.ok": {"vi": "Bình thường", "en": "OK"},
    "health.running": {"vi": "Đang chạy", "en": "Running"},
    "health.error": {"vi": "Lỗi", "en": "Error"},
    "health.stale": {"vi": "Quá hạn", "en": "Stale"},
    "health.never": {"vi": "Chưa chạy", "en": "Never run"},
    "health.paused": {"vi": "Tạm dừng", "en": "Paused"},
    "health.disabled": {"vi": "Đã tắt", "en": "Disabled"},
    # run status in the history table
    "run.ok": {"vi": "Thành công", "en": "OK"},
    "run.error": {"vi": "Lỗi", "en": "Error"},
    "run.running": {"vi": "Đang chạy", "en": "Running"},
    # durations
    "unit.s": {"vi": "{n} giây", "en": "{n} s"},
    "unit.min": {"vi": "{n} phút", "en": "{n} min"},
    "unit.h": {"vi": "{n} giờ", "en": "{n} h"},
    "unit.d": {"vi": "{n} ngày", "en": "{n} d"},
    # the operations wall (/wall)
    "wall.nav": {"vi": "Màn hình điều hành", "en": "Operations wall"},
    "wall.title": {"vi": "Toàn cảnh đô thị", "en": "The city now"},
    "wall.layers": {"vi": "Lớp bản đồ", "en": "Map layers"},
    "wall.layer.traffic": {"vi": "Giao thông", "en": "Traffic"},
    "wall.layer.lighting": {"vi": "Chiếu sáng", "en": "Street lights"},
    "wall.layer.air": {"vi": "Không khí", "en": "Air quality"},
    "wall.layer.water": {"vi": "Mực nước", "en": "Water levels"},
    "wall.layer.reports": {"vi": "Phản ánh", "en": "Citizen reports"},
    "wall.scene.overview": {"vi": "Toàn cảnh thành phố", "en": "City overview"},
    "wall.scene.traffic": {"vi": "Giao thông", "en": "Traffic"},
    "wall.scene.lighting": {"vi": "Chiếu sáng công cộng", "en": "Street lighting"},
    "wall.scene.environment": {"vi": "Môi trường", "en": "Environment"},
    "wall.scene.reports": {"vi": "Phản ánh của người dân", "en": "Citizen reports"},
    "wall.tile.traffic.avg_speed": {"vi": "Tốc độ hiện tại", "en": "Avg speed now"},
    "wall.tile.traffic.congested": {"vi": "Đoạn ùn tắc", "en": "Congested"},
    "wall.tile.lighting.on": {"vi": "Đèn đang sáng", "en": "Lights on"},
    "wall.tile.lighting.faulty": {"vi": "Đèn hỏng", "en": "Faulty lights"},
    "wall.tile.lighting.energy_today": {"vi": "Điện hôm nay", "en": "Energy today"},
    "wall.tile.air.worst_aqi": {"vi": "AQI cao nhất", "en": "Worst VN_AQI"},
    "wall.tile.water.highest": {"vi": "Nước cao nhất", "en": "Highest water"},
    "wall.tile.reports.open": {"vi": "Phản ánh mở", "en": "Open reports"},
    "wall.tile.reports.overdue": {"vi": "Quá hạn xử lý", "en": "Overdue"},
    "wall.tile.alerts.active": {"vi": "Cảnh báo", "en": "Active alerts"},
    "wall.ticker": {"vi": "Sự kiện mới nhất", "en": "Latest events"},
    "wall.alert_since": {
        "vi": "từ {since}, chưa xác nhận",
        "en": "since {since}, not acknowledged",
    },
    "wall.alert_more": {"vi": "và {n} cảnh báo nghiêm trọng khác", "en": "and {n} more critical"},
    "wall.no_events": {"vi": "Chưa có sự kiện", "en": "No events yet"},
    "wall.event.lamp_failed": {"vi": "Đèn hỏng", "en": "Light failed"},
    "wall.event.lamp_repaired": {"vi": "Đèn đã sửa", "en": "Light repaired"},
    "wall.event.segment_jammed": {"vi": "Ùn tắc", "en": "Segment jammed"},
    "wall.event.report_new": {"vi": "Phản ánh mới", "en": "New report"},
    "wall.event.feed_stale": {"vi": "Nguồn quá hạn", "en": "Feed stale"},
    "wall.event.aqi_bad": {"vi": "Không khí xấu", "en": "Poor air"},
    "wall.event.water_high": {"vi": "Nước dâng cao", "en": "High water"},
    "wall.freshness": {"vi": "Độ mới dữ liệu (24 giờ)", "en": "Data freshness (24 h)"},
    "wall.as_of": {"vi": "Dữ liệu lúc", "en": "Data as of"},
    "wall.age": {"vi": "trễ {age}", "en": "{age} old"},
    "wall.quality.on_time": {"vi": "Đúng hạn", "en": "On time"},
    "wall.quality.complete": {"vi": "Đầy đủ", "en": "Complete"},
    "wall.quality.plausible": {"vi": "Hợp lệ", "en": "Plausible"},
    "wall.stale": {"vi": "DỮ LIỆU CŨ", "en": "STALE"},
    "wall.stale_banner": {
        "vi": "Dữ liệu cũ: nguồn {name} quá hạn từ {since}",
        "en": "Stale data: feed {name} stale since {since}",
    },
    "wall.stale_none": {
        "vi": "Dữ liệu cũ: nguồn {name} chưa có dữ liệu",
        "en": "Stale data: feed {name} has delivered no data",
    },
    "wall.reconnecting": {
        "vi": "Mất kết nối máy chủ — đang kết nối lại…",
        "en": "Server connection lost — reconnecting…",
    },
    "wall.vs_week_note": {
        "vi": "▲▼ so với cùng giờ tuần trước",
        "en": "▲▼ against the same hour last week",
    },
    "wall.trends": {"vi": "24 giờ qua", "en": "Last 24 hours"},
    # the city map, trend strip and KPI tiles (dashboard/figures: citymap, trends, tiles)
    "tile.no_week_ago": {"vi": "chưa có dữ liệu tuần trước", "en": "no data a week ago"},
    "tile.unit.segments": {"vi": "đoạn", "en": "segments"},
    "tile.unit.lamps": {"vi": "đèn", "en": "lights"},
    "tile.unit.reports": {"vi": "phản ánh", "en": "reports"},
    "tile.unit.alerts": {"vi": "cảnh báo", "en": "alerts"},
    # the singular of a count word (see `count_key`); Vietnamese nouns do not change
    "tile.unit.segments.one": {"vi": "đoạn", "en": "segment"},
    "tile.unit.lamps.one": {"vi": "đèn", "en": "light"},
    "tile.unit.reports.one": {"vi": "phản ánh", "en": "report"},
    "tile.unit.alerts.one": {"vi": "cảnh báo", "en": "alert"},
    "map.stale": {"vi": "dữ liệu cũ", "en": "stale"},
    "map.traffic.nodata": {"vi": "Giao thông: chưa có số liệu", "en": "Traffic: no data"},
    "map.traffic.free": {"vi": "Thông thoáng (≥ 75%)", "en": "Free flow (≥ 75%)"},
    "map.traffic.slow": {"vi": "Chậm (50–75%)", "en": "Slow (50–75%)"},
    "map.traffic.heavy": {"vi": "Đông xe (25–50%)", "en": "Heavy (25–50%)"},
    "map.traffic.jammed": {"vi": "Ùn tắc (< 25%)", "en": "Jammed (< 25%)"},
    "map.cabinets": {
        "vi": "Tủ điện (màu: tỉ lệ đèn hỏng)",
        "en": "Cabinets (colour: share faulty)",
    },
    "map.lamps": {"vi": "Đèn đường", "en": "Street lights"},
    "map.lamps.changed": {"vi": "Đèn vừa đổi trạng thái", "en": "Lights just changed"},
    "map.lamp.on": {"vi": "Đang sáng", "en": "On"},
    "map.lamp.off": {"vi": "Tắt", "en": "Off"},
    "map.lamp.fault": {"vi": "Hỏng", "en": "Faulty"},
    "map.lamp.unknown": {"vi": "Chưa rõ", "en": "Unknown"},
    "map.water": {"vi": "Trạm đo mực nước", "en": "Water gauges"},
    "map.water.normal": {"vi": "Bình thường", "en": "Normal"},
    "map.water.alert": {"vi": "Vượt mức báo động", "en": "Above alert stage"},
    "map.water.flood": {"vi": "Vượt mức ngập", "en": "Above flood stage"},
    "map.air": {"vi": "Trạm quan trắc không khí (VN_AQI)", "en": "Air stations (VN_AQI)"},
    "map.reports": {"vi": "Phản ánh đang mở", "en": "Open reports"},
    "map.reports.overdue": {"vi": "Phản ánh quá hạn", "en": "Overdue reports"},
    "map.h.speed": {"vi": "Tốc độ", "en": "Speed"},
    "map.h.free_flow": {"vi": "tự do", "en": "free flow"},
    "map.h.ward": {"vi": "Phường", "en": "Ward"},
    "map.h.updated": {"vi": "Cập nhật", "en": "Updated"},
    "map.h.cabinet": {"vi": "Tủ điện", "en": "Cabinet"},
    "map.h.lamps": {"vi": "Đèn", "en": "Lights"},
    "map.h.on": {"vi": "sáng", "en": "on"},
    "map.h.faulty": {"vi": "hỏng", "en": "faulty"},
    "map.h.level": {"vi": "Mực nước", "en": "Level"},
    "map.h.alert_stage": {"vi": "báo động", "en": "alert"},
    "map.h.flood_stage": {"vi": "ngập", "en": "flood"},
    "map.h.dominant": {"vi": "Chất chính", "en": "Dominant"},
    "map.h.status": {"vi": "Trạng thái", "en": "Status"},
    "map.h.created": {"vi": "Tiếp nhận", "en": "Received"},
    "map.h.overdue": {"vi": "QUÁ HẠN", "en": "OVERDUE"},
    "report.status.open": {"vi": "Mới", "en": "Open"},
    "report.status.acknowledged": {"vi": "Đã tiếp nhận", "en": "Acknowledged"},
    "report.status.in_progress": {"vi": "Đang xử lý", "en": "In progress"},
    "report.status.closed": {"vi": "Đã đóng", "en": "Closed"},
    "trend.traffic.avg_speed": {"vi": "Tốc độ TB theo giờ", "en": "Hourly average speed"},
    "trend.lighting.power_kw": {"vi": "Công suất chiếu sáng", "en": "Lighting power"},
    "trend.air.pm25": {"vi": "Bụi PM2.5", "en": "PM2.5"},
    "trend.water.max_level_cm": {"vi": "Mực nước cao nhất", "en": "Highest water"},
    "trend.reports.new_per_hour": {"vi": "Phản ánh mới mỗi giờ", "en": "New reports per hour"},
    "trend.no_data": {"vi": "Chưa có dữ liệu", "en": "No data yet"},
}


def _merged() -> dict[str, dict[Lang, str]]:
    """The core strings plus every area's module in `dashboard.texts`; a duplicate key fails."""
    from dashboard.texts import alerts, auth, desk, drill, exports, feeds, files, outbound, printed

    merged: dict[str, dict[Lang, str]] = dict(_CORE)
    for module in (auth, drill, desk, files, feeds, printed, exports, alerts, outbound):
        for key, entry in module.TEXT.items():
            if key in merged:
                raise ValueError(f"UI text key {key!r} defined twice ({module.__name__})")
            merged[key] = {"vi": entry["vi"], "en": entry["en"]}
    return merged


TEXT: Final[dict[str, dict[Lang, str]]] = _merged()


def t(key: str, lang: str) -> str:
    """The text of `key` in `lang` (Vietnamese when `lang` is not a known language).

    An unknown key raises KeyError: a typo must fail a test, never reach a screen.
    """
    entry = TEXT[key]
    return entry["en"] if lang == "en" else entry["vi"]


def count_key(key: str, n: float | None) -> str:
    """The text key for a count of `n`: `<key>.one` when n is 1 and that key exists ("1
    segment", "1 report"), else `key` (the plural: "0 segments", "2 reports")."""
    one = f"{key}.one"
    return one if n is not None and n == 1 and one in TEXT else key


def category_labels(lang: str) -> dict[str, str]:
    """Citizen-report category code -> its name in `lang` (the names live with the categories,
    in `dashboard.records.REPORT_CATEGORIES`)."""
    return {code: en if lang == "en" else vi for code, (en, vi) in REPORT_CATEGORIES.items()}


def resolve_language(url_value: str | None, saved: str | None, default: str) -> Lang:
    """The language to show: `?lang=` in the URL, else the saved choice, else `default`."""
    for candidate in (url_value, saved, default):
        if candidate == "en":
            return "en"
        if candidate == "vi":
            return "vi"
    return "vi"


def format_duration(seconds: float | None, lang: str) -> str:
    """A short human duration ("12 min", "12 phút"); None gives the dash used for "no value"."""
    if seconds is None:
        return t("sources.none", lang)
    s = max(0, round(seconds))
    if s < 120:
        return t("unit.s", lang).format(n=s)
    if s < 2 * 3600:
        return t("unit.min", lang).format(n=s // 60)
    if s < 2 * 86400:
        hours = f"{s / 3600:.1f}" if s < 10 * 3600 else str(s // 3600)
        # Vietnamese writes the decimal comma: "2,5 giờ".
        return t("unit.h", lang).format(n=hours.replace(".", ",") if lang == "vi" else hours)
    return t("unit.d", lang).format(n=s // 86400)
