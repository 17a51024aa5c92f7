"""The demo city's default rule set (Rạch Giá), run when the config names no rules.

Bounds a Rạch Giá operations room would start from: VN_AQI "Xấu" (above 150) held for half
an hour; a segment under 30% of its free-flow speed for 15 minutes; a gauge over its alert
or flood stage (tide and rain on the Cái Lớn and the city's canals) or rising 20 cm in an
hour; five faulty lamps in one cabinet (a cabinet's circuit, not a lamp); four flooding
reports in a ward within two hours; and every configured feed silent for three intervals.
Titles are `dashboard.texts.alerts` (`alert_rule.<name>`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dashboard.config_alerts import AlertRule
from dashboard.i18n import TEXT

__all__ = ["default_rules"]

_RULES: tuple[dict[str, Any], ...] = (
    {
        "name": "air-bad",
        "kind": "threshold",
        "domain": "environment",
        "metric": "vn_aqi",
        "above": 150,
        "for_min": 30,
        "clear": 130,
        "clear_after_min": 15,
        "severity": "warning",
        "escalate_after_min": 60,
    },
    {
        "name": "traffic-jam",
        "kind": "threshold",
        "domain": "traffic",
        "metric": "speed_kmh",
        "below": 0.3,
        "relative_to": "free_flow_kmh",
        "for_min": 15,
        "clear": 0.5,
        "clear_after_min": 5,
        "severity": "warning",
        "escalate_after_min": 30,
    },
    {
        "name": "water-alert-stage",
        "kind": "threshold",
        "domain": "water",
        "metric": "water_level_cm",
        "above": 1.0,
        "relative_to": "alert_stage_cm",
        "for_min": 10,
        "clear": 0.95,
        "clear_after_min": 15,
        "severity": "warning",
        "escalate_after_min": 60,
    },
    {
        "name": "water-flood-stage",
        "kind": "threshold",
        "domain": "water",
        "metric": "water_level_cm",
        "above": 1.0,
        "relative_to": "flood_stage_cm",
        "for_min": 5,
        "clear": 0.95,
        "clear_after_min": 15,
        "severity": "critical",
    },
    {
        "name": "water-rising",
        "kind": "rate",
        "domain": "water",
        "metric": "water_level_cm",
        "rise": 20,
        "window_min": 60,
        "clear": 10,
        "severity": "warning",
        "escalate_after_min": 30,
    },
    {
        "name": "cabinet-lamps-faulty",
        "kind": "count",
        "domain": "lighting",
        "metric": "lamp_fault",
        "above": 0.5,
        "group_by": "cabinet_id",
        "count": 5,
        "clear": 3,
        "severity": "warning",
        "escalate_after_min": 240,
    },
    {
        "name": "ward-flooding-reports",
        "kind": "count",
        "domain": "reports",
        "category": "flooding",
        "count": 4,
        "window_min": 120,
        "clear": 2,
        "severity": "warning",
        "escalate_after_min": 60,
    },
)


def _title(name: str, **fill: str) -> dict[str, str]:
    entry = TEXT[f"alert_rule.{name}"]
    return {"vi": entry["vi"].format(**fill), "en": entry["en"].format(**fill)}


def default_rules(sources: Sequence[tuple[str, int]]) -> list[AlertRule]:
    """The default rules, plus one no-data rule per feed (`sources`: (name, interval_s) of
    each enabled source)."""
    rules = [AlertRule.model_validate({**r, "title": _title(r["name"])}) for r in _RULES]
    for name, _interval in sources:
        rules.append(
            AlertRule.model_validate(
                {
                    "name": f"feed-silent-{name}"[:64],
                    "kind": "no_data",
                    "domain": "feeds",
                    "source": name,
                    "intervals": 3,
                    "severity": "warning",
                    "escalate_after_min": 30,
                    "title": _title("feed-silent", source=name),
                }
            )
        )
    return rules
