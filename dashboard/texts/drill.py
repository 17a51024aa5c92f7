"""UI strings of the drill pages (merged into dashboard.i18n.TEXT)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    # filter bar
    "drill.filter.ward": {"vi": "Phường", "en": "Ward"},
    "drill.filter.zone": {"vi": "Khu vực", "en": "Zone"},
    "drill.filter.all": {"vi": "Tất cả", "en": "All"},
    "drill.filter.range": {"vi": "Khoảng thời gian", "en": "Time range"},
    "drill.filter.dates": {"vi": "Từ ngày – đến ngày", "en": "From – to"},
    "drill.filter.metric": {"vi": "Chỉ số", "en": "Metric"},
    "drill.filter.status": {"vi": "Trạng thái", "en": "Status"},
    "drill.filter.category": {"vi": "Loại", "en": "Category"},
    "drill.filter.severity": {"vi": "Mức độ", "en": "Severity"},
    "drill.filter.pollutant": {"vi": "Chất ô nhiễm", "en": "Pollutant"},
    "drill.filter.group": {"vi": "Nhóm theo", "en": "Group by"},
    "drill.range.24h": {"vi": "24 giờ", "en": "24 h"},
    "drill.range.7d": {"vi": "7 ngày", "en": "7 days"},
    "drill.range.30d": {"vi": "30 ngày", "en": "30 days"},
    "drill.range.90d": {"vi": "90 ngày", "en": "90 days"},
    "drill.range.custom": {"vi": "Tùy chọn", "en": "Custom"},
    # what the page says about a parameter it could not use
    "drill.problem.unknown_ward": {
        "vi": "Không có phường “{value}” — bỏ qua bộ lọc {param}.",
        "en": "There is no ward “{value}” — the {param} filter was ignored.",
    },
    "drill.problem.unknown_zone": {
        "vi": "Không có khu vực “{value}” — bỏ qua bộ lọc {param}.",
        "en": "There is no zone “{value}” — the {param} filter was ignored.",
    },
    "drill.problem.bad_range": {
        "vi": "Khoảng thời gian “{value}” không hợp lệ (24h, 7d, 30d, 90d) — dùng 24 giờ.",
        "en": "Time range “{value}” is not one of 24h, 7d, 30d, 90d — showing 24 h.",
    },
    "drill.problem.bad_date": {
        "vi": "Ngày “{value}” ({param}) không đúng dạng YYYY-MM-DD — bỏ qua.",
        "en": "Date “{value}” ({param}) is not YYYY-MM-DD — ignored.",
    },
    "drill.problem.incomplete_dates": {
        "vi": "Cần cả ngày bắt đầu và ngày kết thúc (from, to) — bỏ qua {param}={value}.",
        "en": "A custom range needs both from and to — {param}={value} was ignored.",
    },
    "drill.problem.reversed_dates": {
        "vi": "Ngày kết thúc {value} trước ngày bắt đầu — bỏ qua khoảng tùy chọn.",
        "en": "End date {value} is before the start date — custom range ignored.",
    },
    "drill.problem.too_long": {
        "vi": "Khoảng tùy chọn dài hơn 366 ngày — bỏ qua.",
        "en": "A custom range is at most 366 days — ignored.",
    },
    "drill.problem.unknown_value": {
        "vi": "Giá trị “{value}” không dùng được cho {param} — dùng mặc định.",
        "en": "“{value}” is not a choice for {param} — using the default.",
    },
    # shared panels
    "drill.no_data": {"vi": "Không có dữ liệu trong bộ lọc này", "en": "No data for this filter"},
    "drill.no_history": {
        "vi": "Tài sản này không có dữ liệu trong khoảng thời gian đã chọn",
        "en": "This asset has no data in the chosen time range",
    },
    "drill.csv": {"vi": "Tải CSV", "en": "Download CSV"},
    "drill.map": {"vi": "Bản đồ", "en": "Map"},
    "drill.ranking": {"vi": "Xếp hạng", "en": "Ranking"},
    "drill.hint": {
        "vi": "Bấm vào một khu vực trên bản đồ hoặc một cột để lọc; bấm vào một tài sản để xem chi tiết.",
        "en": "Click an area on the map or a bar to filter; click an asset to open its detail.",
    },
    # asset detail
    "drill.detail.title": {"vi": "Chi tiết tài sản", "en": "Asset detail"},
    "drill.detail.close": {"vi": "Đóng", "en": "Close"},
    "drill.detail.unknown": {
        "vi": "Không tìm thấy tài sản “{asset}”.",
        "en": "No asset “{asset}” is known.",
    },
    "drill.history.current": {"vi": "Kỳ này", "en": "This period"},
    "drill.history.previous": {"vi": "Cùng kỳ tuần trước", "en": "Same period a week earlier"},
    "drill.history.range": {"vi": "Thấp nhất – cao nhất", "en": "Min – max"},
    "drill.resolution.raw": {"vi": "Số liệu gốc", "en": "Raw readings"},
    "drill.resolution.5m": {"vi": "Trung bình 5 phút", "en": "5-minute means"},
    "drill.resolution.1h": {"vi": "Trung bình theo giờ", "en": "Hourly means"},
    "drill.attr.id": {"vi": "Mã", "en": "ID"},
    "drill.attr.kind": {"vi": "Loại", "en": "Kind"},
    "drill.attr.street": {"vi": "Đường", "en": "Street"},
    "drill.attr.road_class": {"vi": "Cấp đường", "en": "Road class"},
    "drill.attr.lanes": {"vi": "Số làn", "en": "Lanes"},
    "drill.attr.free_flow_kmh": {"vi": "Tốc độ tự do (km/h)", "en": "Free-flow speed (km/h)"},
    "drill.attr.length_m": {"vi": "Chiều dài (m)", "en": "Length (m)"},
    "drill.attr.capacity_vph": {"vi": "Năng lực (xe/giờ)", "en": "Capacity (veh/h)"},
    "drill.attr.cabinet_id": {"vi": "Tủ điện", "en": "Cabinet"},
    "drill.attr.wattage": {"vi": "Công suất (W)", "en": "Wattage (W)"},
    "drill.attr.lamp_count": {"vi": "Số đèn", "en": "Lamps"},
    "drill.attr.installed_w": {"vi": "Công suất lắp đặt (W)", "en": "Installed power (W)"},
    "drill.attr.alert_stage_cm": {"vi": "Mức báo động (cm)", "en": "Alert stage (cm)"},
    "drill.attr.flood_stage_cm": {"vi": "Mức ngập (cm)", "en": "Flood stage (cm)"},
    "drill.attr.waterbody": {"vi": "Thủy vực", "en": "Water body"},
    "drill.attr.km_inland": {"vi": "Cách bờ biển (km)", "en": "Inland (km)"},
    "drill.attr.datum": {"vi": "Mốc cao độ", "en": "Datum"},
    "drill.attr.traffic_exposure": {"vi": "Mức gần giao thông", "en": "Traffic exposure"},
    "drill.attr.operator": {"vi": "Đơn vị vận hành", "en": "Operator"},
}
