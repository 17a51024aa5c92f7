"""The configuration of alert rules: `[[alerts.rules]]` (and `[alerts]`'s own keys).

Part of `dashboard.config.Config`, validated with it at start: a wrong key or value stops the
program naming the key and the file. With no rule configured, the demo city's default rule
set runs (`dashboard.alerts.defaults`).

    [alerts]
    evaluate_s = 60              # the clock of no-data rules and escalation
    push_evaluate_s = 5          # a push feed's (MQTT) rules: at most once this often

    [[alerts.rules]]
    name = "aqi-bad"             # stable id: an alert is one per (rule, scope)
    kind = "threshold"           # threshold | count | no_data | rate
    domain = "environment"
    metric = "pm25_ugm3"         # or "vn_aqi" (computed from the pollutants)
    above = 150                  # or below = ...
    for_min = 30                 # held this long before it opens
    clear = 130                  # hysteresis: clears only on the far side of this bound
    clear_after_min = 10         # ... held this long (a quiet time)
    severity = "warning"
    escalate_after_min = 30      # unacknowledged this long: severity becomes `escalate_to`
    title = { vi = "Không khí xấu", en = "Bad air" }

Kinds (the keys each takes):
- `threshold`: `metric`, `above` | `below`, optional `relative_to` (an asset attribute the
  bound is a fraction of, e.g. below = 0.3 of "free_flow_kmh"), `for_min`, `clear`,
  `clear_after_min`; scope: one alert per asset.
- `count`: `count` (N) assets whose latest `metric` is `above` | `below` a value, per
  `group_by` ("ward", "zone" or an asset attribute such as "cabinet_id"); or N citizen
  reports of `category` created within `window_min`, per ward. `clear`: the count it clears
  below (default N).
- `no_data`: `source` sends no data for `intervals` of the longer of its interval and its
  data's own period (as /sources judges a feed stale); scope "source:NAME".
- `rate`: `metric` `rise` | `fall` by at least that much within `window_min`, per asset;
  `clear`: the change it clears below (default the same).
Every kind narrows its scope with `ward`, `zone`, `asset` and `asset_kind`.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dashboard.config_outbound import AlertsOutboundConfig

__all__ = ["ALERT_SEVERITIES", "AlertRule", "AlertsConfig", "RuleTitle"]

ALERT_SEVERITIES = ("info", "warning", "critical")
Severity = Literal["info", "warning", "critical"]
RULE_NAME = r"^[a-z0-9][a-z0-9_-]{0,63}$"
VN_AQI = "vn_aqi"  # the computed index (dashboard.aqi), not a stored metric


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RuleTitle(_Strict):
    vi: str = Field(min_length=1, max_length=200)
    en: str = Field(min_length=1, max_length=200)


class AlertRule(_Strict):
    """One rule: what condition, over which scope, how severe, how it clears and escalates."""

    name: str = Field(pattern=RULE_NAME)
    kind: Literal["threshold", "count", "no_data", "rate"]
    domain: Literal["traffic", "lighting", "environment", "water", "reports", "feeds"]
    title: RuleTitle
    severity: Severity = "warning"
    enabled: bool = True
    # scope
    ward: str | None = None
    zone: str | None = None
    asset: str | None = None
    asset_kind: str | None = None
    # threshold, count (assets), rate
    metric: str | None = Field(default=None, pattern=r"^[a-z0-9_]+$")
    above: float | None = None
    below: float | None = None
    relative_to: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]+$")
    for_min: float = Field(default=0, ge=0, le=24 * 60)
    # count
    count: int | None = Field(default=None, ge=1)
    group_by: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_]+$")
    category: str | None = None
    window_min: float | None = Field(default=None, gt=0, le=7 * 24 * 60)
    # no_data
    source: str | None = None
    intervals: int = Field(default=3, ge=1)
    # rate
    rise: float | None = Field(default=None, gt=0)
    fall: float | None = Field(default=None, gt=0)
    # hysteresis and escalation
    clear: float | None = None
    clear_after_min: float = Field(default=0, ge=0, le=24 * 60)
    escalate_after_min: float | None = Field(default=None, gt=0)
    escalate_to: Severity = "critical"

    @model_validator(mode="after")
    def _keys_of_kind(self) -> Self:
        need: dict[str, tuple[str, ...]] = {
            "threshold": ("metric",),
            "count": ("count",),
            "no_data": ("source",),
            "rate": ("metric", "window_min"),
        }
        for key in need[self.kind]:
            if getattr(self, key) is None:
                raise ValueError(f"a {self.kind} rule needs `{key}`")
        one_of = (self.above is None) != (self.below is None)
        if self.kind == "threshold" and not one_of:
            raise ValueError("a threshold rule needs one of `above` or `below`")
        if self.kind == "threshold" and self.clear is not None:
            bound = self.above if self.above is not None else self.below
            wrong = self.clear > bound if self.above is not None else self.clear < bound  # type: ignore[operator]
            if wrong:
                raise ValueError("`clear` must lie on the safe side of the threshold")
        if self.kind == "count":
            self._check_count(one_of)
        if self.kind == "rate" and (self.rise is None) == (self.fall is None):
            raise ValueError("a rate rule needs one of `rise` or `fall`")
        if self.metric == VN_AQI and self.kind != "threshold":
            raise ValueError("vn_aqi is computed per station: only threshold rules read it")
        if self.metric == VN_AQI and self.relative_to is not None:
            raise ValueError("vn_aqi has no asset attribute to be relative to")
        return self

    def _check_count(self, one_of: bool) -> None:
        if (self.metric is None) == (self.category is None):
            raise ValueError("a count rule counts assets (`metric`) or reports (`category`)")
        if self.category is not None and self.window_min is None:
            raise ValueError("a count of reports needs `window_min`")
        if self.metric is not None and not one_of:
            raise ValueError("a count of assets needs one of `above` or `below`")
        if self.metric is not None and self.group_by is None:
            raise ValueError("a count of assets needs `group_by` (ward, zone or an attribute)")
        if self.clear is not None and self.count is not None and self.clear > self.count:
            raise ValueError("`clear` (the count it clears below) cannot exceed `count`")

    @property
    def bound(self) -> float | None:
        """The threshold (`above` or `below`), or a count rule's asset state bound."""
        return self.above if self.above is not None else self.below

    @property
    def clear_bound(self) -> float | None:
        """Where it clears: `clear`, else the threshold itself."""
        return self.clear if self.clear is not None else self.bound


class AlertsConfig(AlertsOutboundConfig):
    """`[alerts]`: the rules (none: the demo city's defaults), the engine's clock, and the
    outbound channels (`dashboard.config_outbound`: webhooks, e-mail, the CAP feed)."""

    enabled: bool = True
    evaluate_s: int = Field(default=60, ge=5)
    push_evaluate_s: float = Field(default=5, ge=0)
    rules: list[AlertRule] | None = None  # None: dashboard.alerts.defaults

    @field_validator("rules")
    @classmethod
    def _unique(cls, rules: list[AlertRule] | None) -> list[AlertRule] | None:
        names = [r.name for r in rules or ()]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"rule names must be unique; repeated: {', '.join(dupes)}")
        return rules
