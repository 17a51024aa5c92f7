"""What the /reports modules share: component ids, the URL filter's extras, and the step from
the URL's view (`DrillFilter`) to the desk's query filter (`DeskFilter`).

The view lives in the URL like every drill-down page's (wards, zones, range, `status`,
`category`, and `asset` = the open report's id). `status` holds the workflow statuses plus
"active" (not closed) and "overdue" (not closed, past its category's service level).
"""

from __future__ import annotations

from typing import Final

from dashboard.config import Config
from dashboard.i18n import category_labels, t
from dashboard.queries.filters import DrillFilter, FilterSpec
from dashboard.queries.report_desk import DeskFilter
from dashboard.records import REPORT_CATEGORIES, ReportStatus
from layouts._drill.filter_bar import drill_ids, filter_spec

__all__ = [
    "DRILL",
    "EXTRAS",
    "STATUS_CHOICES",
    "desk_filter",
    "extra_labels",
    "ids",
    "open_report",
    "report_spec",
    "status_label",
]

WORKFLOW: Final = tuple(str(s) for s in ReportStatus)
STATUS_CHOICES: Final = ("all", "active", "overdue", *WORKFLOW)
EXTRAS: Final[dict[str, tuple[str, ...]]] = {
    "status": STATUS_CHOICES,
    "category": ("all", *REPORT_CATEGORIES),
}
DRILL = drill_ids("reports", extras=tuple(EXTRAS))


class ids:
    lang = "reports-lang"
    summary = "reports-summary"
    by_category = "reports-by-category"
    by_area = "reports-by-area"
    hotspots = "reports-hotspots"
    times = "reports-times"
    times_area = "reports-times-area"
    times_table = "reports-times-table"
    # the desk
    search = "reports-search"
    table = "reports-desk-table"
    count = "reports-desk-count"
    acted = "reports-acted"
    notice = "reports-notice"
    # the detail
    detail = "reports-detail"
    detail_body = "reports-detail-body"
    place = "reports-detail-place"
    actions = "reports-detail-actions"
    acknowledge = "reports-do-acknowledge"
    start = "reports-do-start"
    assign = "reports-do-assign"
    agency = "reports-agency"
    comment = "reports-do-comment"
    comment_text = "reports-comment-text"
    public = "reports-comment-public"
    close = "reports-do-close"
    resolution = "reports-resolution"


def report_spec(config: Config) -> FilterSpec:
    """The FilterSpec of /reports on the configured areas."""
    return filter_spec(config, EXTRAS)


def status_label(status: str, lang: str) -> str:
    return t(f"reports.status.{status}", lang)


def extra_labels(lang: str) -> dict[str, dict[str, str]]:
    """The shown text of the filter bar's status and category choices."""
    return {
        "status": {s: status_label(s, lang) for s in STATUS_CHOICES},
        "category": {"all": t("reports.category.all", lang), **category_labels(lang)},
    }


def desk_filter(drill: DrillFilter, text: str | None = None) -> DeskFilter:
    """The desk's filter of a URL view (and the desk's search box `text`)."""
    status = drill.extra("status")
    category = drill.extra("category")
    statuses: tuple[str, ...] = ()
    if status in WORKFLOW:
        statuses = (status,)
    elif status == "active":
        statuses = WORKFLOW[:-1]
    return DeskFilter(
        since=drill.start,
        until=drill.end,
        wards=drill.wards,
        zones=drill.zones,
        categories=() if category == "all" else (category,),
        statuses=statuses,
        overdue=status == "overdue",
        text=(text or "").strip()[:200],
    )


def open_report(drill: DrillFilter) -> int | None:
    """The id of the report the view opens (`asset=`), or None (absent or not a number)."""
    try:
        value = int(drill.asset or "")
    except ValueError:
        return None
    return value if value > 0 else None
