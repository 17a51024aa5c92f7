"""plotly.js speaking Vietnamese: month and day names on date axes and in hovers.

plotly.js formats dates in English unless a locale is registered. Its Vietnamese locale
(plotly.js-locales 3.7.0, `vi.js`, MIT, Plotly Technologies Inc.) is restated here as data and
handed to each graph in its config (`graph_config`), so nothing is loaded from elsewhere.
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["graph_config"]

_VI: Final[dict[str, Any]] = {
    "dictionary": {},
    "format": {
        "days": ["Chủ Nhật", "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy"],
        "shortDays": ["CN", "T2", "T3", "T4", "T5", "T6", "T7"],
        "months": [
            "Tháng Một", "Tháng Hai", "Tháng Ba", "Tháng Tư", "Tháng Năm", "Tháng Sáu",
            "Tháng Bảy", "Tháng Tám", "Tháng Chín", "Tháng Mười", "Tháng Mười Một",
            "Tháng Mười Hai",
        ],
        "shortMonths": [f"Th{m}" for m in range(1, 13)],
        "date": "%d/%m/%Y",
    },
}  # fmt: skip


def graph_config(lang: str, **extra: Any) -> dict[str, Any]:
    """A dcc.Graph `config` for `lang`: no mode bar, dates in the page's language, plus
    `extra` (e.g. scrollZoom, staticPlot, responsive)."""
    config: dict[str, Any] = {"displayModeBar": False, **extra}
    if lang == "vi":
        config |= {"locale": "vi", "locales": {"vi": _VI}}
    return config
