"""Normalized records: the contract between connectors and the store.

Connectors turn their feed into these; the store validates and keeps them. Timestamps are
timezone-aware UTC everywhere: a naive datetime is a bug at the boundary, and `validate_*`
reports it as a reject reason instead of guessing a zone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import numpy as np

__all__ = [
    "DOMAINS",
    "FIELD_LENGTHS",
    "FUTURE_TOLERANCE",
    "METRICS",
    "REPORT_CATEGORIES",
    "REPORT_SLA_HOURS",
    "Asset",
    "Batch",
    "CitizenReport",
    "Fed",
    "Metric",
    "Origin",
    "OriginResult",
    "Reading",
    "ReadingBlock",
    "Reject",
    "ReportStatus",
    "validate_asset",
    "validate_reading",
    "validate_report",
]

DOMAINS: tuple[str, ...] = ("traffic", "lighting", "environment", "water", "reports")


@dataclass(frozen=True, slots=True)
class Metric:
    """One entry of the metric vocabulary: its unit and the range a real sensor can report."""

    name: str
    unit: str
    domain: str
    label_en: str
    label_vi: str
    low: float
    high: float


def _m(name: str, unit: str, domain: str, en: str, vi: str, low: float, high: float) -> Metric:
    return Metric(name, unit, domain, en, vi, low, high)


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        _m("speed_kmh", "km/h", "traffic", "Average speed", "Tốc độ trung bình", 0, 200),
        _m("volume_vph", "veh/h", "traffic", "Volume", "Lưu lượng", 0, 20000),
        _m("occupancy_pct", "%", "traffic", "Occupancy", "Độ chiếm dụng", 0, 100),
        _m("lamp_on", "bool", "lighting", "Lamp on", "Đèn bật", 0, 1),
        _m("lamp_fault", "bool", "lighting", "Lamp fault", "Đèn hỏng", 0, 1),
        _m("power_w", "W", "lighting", "Power draw", "Công suất", 0, 500_000),
        _m("energy_kwh", "kWh", "lighting", "Energy", "Điện năng", 0, 1_000_000),
        _m("pm25_ugm3", "µg/m³", "environment", "PM2.5", "PM2.5", 0, 1000),
        _m("pm10_ugm3", "µg/m³", "environment", "PM10", "PM10", 0, 2000),
        _m("no2_ugm3", "µg/m³", "environment", "NO₂", "NO₂", 0, 2000),
        _m("o3_ugm3", "µg/m³", "environment", "O₃", "O₃", 0, 1000),
        _m("co_mgm3", "mg/m³", "environment", "CO", "CO", 0, 100),
        _m("temp_c", "°C", "environment", "Temperature", "Nhiệt độ", -10, 60),
        _m("humidity_pct", "%", "environment", "Humidity", "Độ ẩm", 0, 100),
        _m("noise_dba", "dB(A)", "environment", "Noise", "Tiếng ồn", 0, 140),
        _m("water_level_cm", "cm", "water", "Water level", "Mực nước", -500, 1000),
    )
}


class ReportStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


# Citizen-report categories (Open311 service codes of the demo city), with their labels.
REPORT_CATEGORIES: dict[str, tuple[str, str]] = {
    "pothole": ("Pothole", "Ổ gà"),
    "streetlight": ("Broken street light", "Đèn đường hỏng"),
    "flooding": ("Flooding", "Ngập nước"),
    "waste": ("Waste / litter", "Rác thải"),
    "noise": ("Noise", "Tiếng ồn"),
    "traffic_signal": ("Traffic signal", "Đèn tín hiệu giao thông"),
    "drainage": ("Blocked drain", "Cống nghẹt"),
    "tree": ("Fallen tree", "Cây ngã đổ"),
    "encroachment": ("Sidewalk encroachment", "Lấn chiếm vỉa hè"),
    "other": ("Other", "Khác"),
}


# Service level per category: a report open longer than this many hours is overdue.
REPORT_SLA_HOURS: dict[str, float] = {
    "pothole": 72,
    "streetlight": 48,
    "flooding": 12,
    "waste": 24,
    "noise": 24,
    "traffic_signal": 8,
    "drainage": 24,
    "tree": 12,
    "encroachment": 120,
    "other": 72,
}


@dataclass(frozen=True, slots=True)
class Asset:
    """A thing in the city that reports: a road segment, a lamp, a cabinet, a station, a gauge.

    `geometry` is a GeoJSON geometry in WGS84 (Point or LineString). `ward` and `zone` are
    filled by the area placement step from the boundary files, not by connectors.
    """

    id: str
    domain: str
    kind: str
    name: str
    geometry: dict[str, Any]
    ward: str | None = None
    zone: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reading:
    """One observation: `value` of `metric` (see METRICS for units) at `ts` (aware, UTC)."""

    asset_id: str
    metric: str
    ts: datetime
    value: float


@dataclass(frozen=True, slots=True, eq=False)
class ReadingBlock:
    """Many readings as columns, the way a connector that computes arrays already holds them.

    Row k stands for `Reading(assets[asset[k]], metrics[metric[k]], ts[k], value[k])`, with
    `ts` in whole epoch seconds UTC. The contract is that of a list of Reading (the same
    validation, quarantine and idempotence), without one Python object per value: the store
    checks and converts a block column-wise, and quarantines a refused row as the Reading it
    stands for. A block that is malformed as a whole (columns of different lengths, an index
    past its list) is a connector bug and fails at construction.
    """

    assets: Sequence[str]
    metrics: Sequence[str]
    asset: np.ndarray  # int64 index into `assets`
    metric: np.ndarray  # int64 index into `metrics`
    ts: np.ndarray  # int64 epoch seconds, UTC
    value: np.ndarray  # float64

    def __post_init__(self) -> None:
        for name, dtype in (("asset", np.int64), ("metric", np.int64), ("ts", np.int64)):
            column = np.asarray(getattr(self, name))
            if column.ndim != 1 or not (
                column.size == 0 or np.issubdtype(column.dtype, np.integer)
            ):
                raise ValueError(f"ReadingBlock.{name} must be a 1-D integer array")
            object.__setattr__(self, name, column.astype(dtype, copy=False))
        value = np.asarray(self.value, dtype=np.float64)
        object.__setattr__(self, "value", value)
        n = len(self.ts)
        if not len(self.asset) == len(self.metric) == len(value) == n:
            raise ValueError("ReadingBlock columns differ in length")
        for name, names in (("asset", self.assets), ("metric", self.metrics)):
            index = getattr(self, name)
            if n and (index.min() < 0 or index.max() >= len(names)):
                raise ValueError(f"ReadingBlock.{name} indexes past its {len(names)} names")

    @classmethod
    def grid(
        cls, assets: Sequence[str], metric: str, ts: np.ndarray, values: np.ndarray
    ) -> ReadingBlock:
        """One metric of many assets at shared times: `values[j, i]` is `assets[i]` at `ts[j]`."""
        n_t, n_a = np.shape(values)
        if n_t != len(ts) or n_a != len(assets):
            raise ValueError(f"values are {n_t}x{n_a}, times x assets are {len(ts)}x{len(assets)}")
        return cls(
            assets=assets,
            metrics=(metric,),
            asset=np.tile(np.arange(n_a, dtype=np.int64), n_t),
            metric=np.zeros(n_t * n_a, dtype=np.int64),
            ts=np.repeat(np.asarray(ts, dtype=np.int64), n_a),
            value=np.asarray(values, dtype=np.float64).ravel(),
        )

    def __len__(self) -> int:
        return len(self.ts)

    def reading(self, k: int) -> Reading:
        """Row `k` as the Reading it stands for."""
        ts = datetime.fromtimestamp(int(self.ts[k]), UTC)
        name = self.assets[int(self.asset[k])]
        return Reading(name, self.metrics[int(self.metric[k])], ts, float(self.value[k]))

    def readings(self) -> list[Reading]:
        """Every row as a Reading (for tests and tools; the store never needs this)."""
        return [self.reading(k) for k in range(len(self))]


@dataclass(frozen=True, slots=True)
class CitizenReport:
    """A citizen's report (Open311 service request shape), keyed by (source, external_id)."""

    external_id: str
    category: str
    description: str
    status: str
    lon: float
    lat: float
    created_at: datetime
    updated_at: datetime
    address: str | None = None
    ward: str | None = None
    zone: str | None = None
    closed_at: datetime | None = None
    agency: str | None = None
    media_url: str | None = None


@dataclass(frozen=True, slots=True)
class Reject:
    """A record a connector or the store refused, with why; it is quarantined, never dropped."""

    reason: str
    payload: Any


@dataclass(frozen=True, slots=True)
class Origin:
    """The one input a batch was read from (a dropped file), known by the sha256 of its bytes.

    The pipeline keeps each origin's result once per source, whatever its `name`: an origin
    already taken is not stored again. `failed` says why the input could not be read at all
    (its batch then holds nothing else); the result still is recorded, so the why is seen.
    """

    name: str
    digest: str  # sha256 of the bytes, hex
    failed: str | None = None


@dataclass(frozen=True, slots=True)
class OriginResult:
    """What became of an origin, handed back to its connector once it is committed.

    `status` is "done" (stored: `rows` taken, `quarantined` refused with their reasons),
    "duplicate" (the same bytes were taken before: nothing stored) or "failed" (unreadable,
    `detail` says why).
    """

    origin: Origin
    status: str
    rows: int = 0
    quarantined: int = 0
    detail: str | None = None


@dataclass(slots=True)
class Batch:
    """What a connector hands to the ingest: records, rejects with reasons, and `cursor`, the
    data time the next fetch starts after (None: the fetch's `now`). A pull connector returns
    one per fetch; a push connector hands over one per message or burst, the same way.

    Readings come as objects (`readings`, what a parser of messages produces) or as columns
    (`blocks`, what a connector computing arrays holds); the store treats both alike.

    `origin`: the one input (a file) the batch holds, whose result the pipeline records and
    hands to the connector's `settled` after the commit. `more`: the connector has another
    batch ready now, so the run fetches again at once (one input per batch keeps each
    input's counts its own).
    """

    assets: list[Asset] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    blocks: list[ReadingBlock] = field(default_factory=list)
    reports: list[CitizenReport] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    cursor: datetime | None = None
    origin: Origin | None = None
    more: bool = False

    def __len__(self) -> int:
        rows = len(self.readings) + sum(len(b) for b in self.blocks)
        return len(self.assets) + rows + len(self.reports)

    def all_readings(self) -> list[Reading]:
        """`readings` and the rows of `blocks`, as Reading objects (for tests and tools)."""
        return [*self.readings, *(r for b in self.blocks for r in b.readings())]

    def fed(self) -> Fed:
        """The metrics and report categories this batch carries."""
        metrics = {r.metric for r in self.readings}
        for b in self.blocks:
            metrics.update(b.metrics[int(i)] for i in np.unique(b.metric))
        return Fed(frozenset(metrics), frozenset(r.category for r in self.reports))


@dataclass(frozen=True, slots=True)
class Fed:
    """What a source's batches carried: the metrics of their readings and the categories of
    their reports (the alert engine evaluates the rules that read them, `AlertEngine.after_ingest`)."""

    metrics: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()

    def __or__(self, other: Fed) -> Fed:
        return Fed(self.metrics | other.metrics, self.categories | other.categories)

    def __bool__(self) -> bool:
        return bool(self.metrics or self.categories)


# How far ahead of the ingest's clock a reading may be (sensor clocks drift; years do not).
FUTURE_TOLERANCE = timedelta(hours=1)

# The widest text each field may hold: the store's column widths (dashboard/store/models.py;
# a store test holds the two together). None: unbounded text.
FIELD_LENGTHS: dict[str, dict[str, int | None]] = {
    "asset": {"id": 128, "kind": 32, "name": 256, "ward": 128, "zone": 128},
    "report": {
        "external_id": 128,
        "category": 64,
        "description": None,
        "address": 512,
        "ward": 128,
        "zone": 128,
        "agency": 128,
        "media_url": 1024,
    },
}
_OPTIONAL = frozenset({"ward", "zone", "address", "agency", "media_url"})


def _text(name: str, value: object, max_len: int | None) -> str | None:
    """Why `value` cannot be stored as text field `name` (None: it can). A wrong type, an
    over-long or unencodable string would otherwise fail the whole batch's transaction."""
    if value is None:
        return None if name in _OPTIONAL else f"{name} is missing"
    if not isinstance(value, str):
        return f"{name} is {type(value).__name__}, not str"
    if max_len is not None and len(value) > max_len:
        return f"{name} is {len(value)} characters long, more than {max_len}"
    if "\x00" in value:
        return f"{name} contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return f"{name} is not valid Unicode (lone surrogate)"
    return None


def _texts(kind: str, record: object) -> str | None:
    for name, max_len in FIELD_LENGTHS[kind].items():
        if (why := _text(name, getattr(record, name), max_len)) is not None:
            return why
    return None


def _json(name: str, value: object) -> str | None:
    """Why `value` cannot be stored in JSON column `name`: not a dict, or not strict JSON."""
    if not isinstance(value, dict):
        return f"{name} is {type(value).__name__}, not dict"
    try:
        json.dumps(value, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError, RecursionError) as exc:  # UnicodeError is a ValueError
        return f"{name} is not JSON: {exc}"
    return None


def _real(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _aware_utc(ts: object) -> str | None:
    if not isinstance(ts, datetime):
        return f"timestamp is {type(ts).__name__}, not datetime"
    if ts.tzinfo is None or ts.utcoffset() is None:
        return "timestamp has no time zone"
    if ts.utcoffset() != timedelta(0):
        return "timestamp is not in UTC"
    return None


def validate_reading(
    r: Reading, known_assets: set[str] | None = None, now: datetime | None = None
) -> str | None:
    """Why `r` cannot be stored, or None when it can.

    Given `now`, a reading more than FUTURE_TOLERANCE after it is refused: the latest value
    of a series only moves forward, so one clock glitch years ahead would pin it for good.
    """
    if not isinstance(r.metric, str):
        return f"metric is {type(r.metric).__name__}, not str"
    metric = METRICS.get(r.metric)
    if metric is None:
        return f"unknown metric {r.metric!r}"
    if not isinstance(r.asset_id, str):
        return f"asset id is {type(r.asset_id).__name__}, not str"
    if not r.asset_id:
        return "empty asset id"
    if known_assets is not None and r.asset_id not in known_assets:
        return f"unknown asset {r.asset_id!r}"
    if (why := _aware_utc(r.ts)) is not None:
        return why
    if now is not None and r.ts - now > FUTURE_TOLERANCE:
        ahead = r.ts - now
        return f"timestamp in the future: {r.ts.isoformat()} is {ahead} after the ingest's clock"
    if not _real(r.value):
        return f"value is {type(r.value).__name__}, not a number"
    if math.isnan(r.value) or math.isinf(r.value):
        return "value is not finite"
    if not metric.low <= r.value <= metric.high:
        return f"{r.metric}={r.value} outside plausible range [{metric.low}, {metric.high}]"
    return None


def validate_asset(a: Asset) -> str | None:
    """Why `a` cannot be stored, or None when it can."""
    if isinstance(a.id, str) and not a.id:
        return "empty asset id"
    if (why := _texts("asset", a)) is not None:
        return why
    if a.domain not in DOMAINS:
        return f"unknown domain {a.domain!r}"
    gtype = a.geometry.get("type") if isinstance(a.geometry, dict) else None
    if gtype not in ("Point", "LineString", "Polygon", "MultiPolygon", "MultiLineString"):
        return f"geometry type {gtype!r} is not supported"
    return _json("geometry", a.geometry) or _json("attributes", a.attributes)


def validate_report(r: CitizenReport) -> str | None:
    """Why `r` cannot be stored, or None when it can."""
    if isinstance(r.external_id, str) and not r.external_id:
        return "empty report id"
    if (why := _texts("report", r)) is not None:
        return why
    if not isinstance(r.status, str) or r.status not in set(ReportStatus):
        return f"unknown status {r.status!r}"
    for name in ("created_at", "updated_at", "closed_at"):
        ts = getattr(r, name)
        if ts is None and name == "closed_at":
            continue
        if (why := _aware_utc(ts)) is not None:
            return f"{name}: {why}"
    if not (_real(r.lon) and _real(r.lat)):
        return f"location ({r.lon!r}, {r.lat!r}) is not a pair of numbers"
    if not (-180 <= r.lon <= 180 and -90 <= r.lat <= 90):
        return f"location ({r.lon}, {r.lat}) is not WGS84 lon/lat"
    return None
