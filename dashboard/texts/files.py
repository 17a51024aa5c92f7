"""UI strings of the dropped-files section of /sources (merged into dashboard.i18n.TEXT)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "sources.files": {
        "vi": "Tệp đã nhận (20 tệp gần nhất)",
        "en": "Files taken in (last 20)",
    },
    "sources.files_intro": {
        "vi": "Mỗi tệp thả vào thư mục được nhận một lần; tệp đã xử lý chuyển sang done/, "
        "tệp không đọc được chuyển sang failed/ kèm lý do.",
        "en": "Each file dropped into the folder is taken once; taken files move to done/, "
        "files that cannot be read to failed/ with the reason.",
    },
    "sources.col.file_name": {"vi": "Tệp", "en": "File"},
    "sources.col.taken_at": {"vi": "Thời điểm nhận", "en": "Taken at"},
    "sources.col.file_status": {"vi": "Kết quả", "en": "Outcome"},
    "sources.col.quarantined": {"vi": "Dòng bị cách ly", "en": "Rows quarantined"},
    "sources.col.why": {"vi": "Lý do", "en": "Why"},
    "file.done": {"vi": "Đã nhận", "en": "Taken"},
    "file.failed": {"vi": "Không đọc được", "en": "Unreadable"},
}
