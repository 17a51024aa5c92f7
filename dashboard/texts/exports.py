"""UI strings of PDF exports: the "Export PDF" control of every page, /exports, and the
e-mail a scheduled report is sent with (merged into dashboard.i18n.TEXT)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "exports.nav": {"vi": "Bản PDF", "en": "PDFs"},
    "exports.title": {"vi": "Các bản xuất PDF", "en": "PDF exports"},
    "exports.intro": {
        "vi": "Mọi bản PDF đã tạo: do người dùng yêu cầu hoặc theo lịch báo cáo. "
        "Bản PDF được tạo ngoài trình duyệt, lần lượt theo hàng đợi.",
        "en": "Every PDF made, asked for by a person or by a report schedule. "
        "PDFs are rendered outside the browser, one after another from a queue.",
    },
    "exports.button": {"vi": "Xuất PDF", "en": "Export PDF"},
    "exports.paper": {"vi": "Khổ giấy", "en": "Paper"},
    "exports.orientation": {"vi": "Hướng giấy", "en": "Orientation"},
    "exports.portrait": {"vi": "Đứng dọc", "en": "Portrait"},
    "exports.landscape": {"vi": "Nằm ngang", "en": "Landscape"},
    "exports.language": {"vi": "Ngôn ngữ", "en": "Language"},
    "exports.view": {"vi": "Trang hiển thị", "en": "View"},
    "exports.filters": {"vi": "Bộ lọc (phần sau dấu ?)", "en": "Filters (after the ?)"},
    "exports.make_now": {"vi": "Tạo bản PDF ngay", "en": "Make a PDF now"},
    "exports.make": {"vi": "Tạo PDF", "en": "Make PDF"},
    "exports.reports": {"vi": "Báo cáo theo lịch", "en": "Scheduled reports"},
    "exports.no_reports": {
        "vi": "Chưa cấu hình báo cáo theo lịch ([[reports]] trong cityops.toml).",
        "en": "No scheduled reports configured ([[reports]] in cityops.toml).",
    },
    "exports.run_now": {"vi": "Chạy ngay", "en": "Run now"},
    "exports.download": {"vi": "Tải PDF", "en": "Download PDF"},
    "exports.queued": {"vi": "Đang chờ ({ahead} bản trước)", "en": "Queued ({ahead} ahead)"},
    "exports.running": {"vi": "Đang tạo… {progress}%", "en": "Rendering… {progress}%"},
    "exports.done": {"vi": "Đã xong ({size})", "en": "Ready ({size})"},
    "exports.failed": {"vi": "Không tạo được: {error}", "en": "Failed: {error}"},
    "exports.asked": {"vi": "Đã yêu cầu bản PDF #{id}", "en": "PDF #{id} requested"},
    "exports.report_busy": {
        "vi": "Báo cáo {name} đang chạy; chờ lần chạy đó xong.",
        "en": "Report {name} is already running; wait for that run to end.",
    },
    "exports.refused": {
        "vi": "Tài khoản này không xuất được trang đó.",
        "en": "This account cannot export that page.",
    },
    "exports.bad_view": {
        "vi": "Trang này không xuất PDF được: {view}",
        "en": "This page cannot be exported: {view}",
    },
    "exports.status.queued": {"vi": "Đang chờ", "en": "Queued"},
    "exports.status.running": {"vi": "Đang tạo", "en": "Rendering"},
    "exports.status.done": {"vi": "Đã xong", "en": "Done"},
    "exports.status.failed": {"vi": "Lỗi", "en": "Failed"},
    "exports.col.id": {"vi": "Số", "en": "No."},
    "exports.col.status": {"vi": "Trạng thái", "en": "Status"},
    "exports.col.who": {"vi": "Người yêu cầu", "en": "Asked by"},
    "exports.col.view": {"vi": "Trang và bộ lọc", "en": "View and filters"},
    "exports.col.schedule": {"vi": "Báo cáo", "en": "Report"},
    "exports.col.paper": {"vi": "Khổ", "en": "Paper"},
    "exports.col.asked_at": {"vi": "Yêu cầu lúc", "en": "Asked at"},
    "exports.col.finished_at": {"vi": "Xong lúc", "en": "Finished at"},
    "exports.col.size": {"vi": "Dung lượng", "en": "Size"},
    "exports.col.error": {"vi": "Lỗi / nơi gửi", "en": "Error / delivery"},
    "exports.col.file": {"vi": "Tệp", "en": "File"},
    "exports.col.cron": {"vi": "Lịch (cron)", "en": "Schedule (cron)"},
    "exports.col.user": {"vi": "Quyền của", "en": "Rights of"},
    "exports.col.to": {"vi": "Gửi đến", "en": "Sent to"},
    "exports.mail_subject": {
        "vi": "{city} · báo cáo {report} · {at}",
        "en": "{city} · report {report} · {at}",
    },
    "exports.mail_body": {
        "vi": "Báo cáo {report} của {city} ({view}) đính kèm dưới dạng PDF.\n\n"
        "Thư này do hệ thống điều hành đô thị gửi tự động.",
        "en": "The {city} report {report} ({view}) is attached as a PDF.\n\n"
        "This message was sent automatically by the city operations center.",
    },
}
