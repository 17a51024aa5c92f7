"""Street lighting: lamps along the streets, control cabinets, dusk-to-dawn switching, faults.

Each cabinet switches its ~40 lamps at Rạch Giá's real sunset and sunrise (astral, 10.01 N,
105.08 E) plus a small per-cabinet photocell offset. Each lamp, each night, fails with a small
probability drawn from a hash of (seed, lamp, night); a failed lamp stays dark until a repair
crew fixes it in working hours 1-5 days later. Lamps report on change only (`lamp_on`,
`lamp_fault`); cabinets report `power_w` every 15 minutes. All times sit on the step grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
from astral import Observer
from astral.sun import sunrise, sunset
from shapely import line_interpolate_point

from dashboard.records import Asset

from .noise import LOCAL_OFFSET_S, LOCAL_TZ, FloatArray, IntArray, local_day, normal, uniform
from .streets import RoadSegment

__all__ = [
    "FAULT_RATE_PER_NIGHT",
    "POWER_STEP_S",
    "FaultIntervals",
    "LightingPlan",
    "Schedule",
    "build_lighting",
    "cabinet_power",
    "fault_intervals",
    "lamp_events",
    "lighting_assets",
    "switch_schedule",
]

LAMPS_PER_CABINET = 40
FAULT_RATE_PER_NIGHT = 0.002
POWER_STEP_S = 900
MAX_REPAIR_DAYS = 5
_OBSERVER = Observer(latitude=10.01, longitude=105.08)
_WATTS = {"arterial": 150.0, "collector": 100.0, "local": 70.0}  # LED
_LEGACY_WATTS = {"arterial": 250.0, "collector": 150.0, "local": 100.0}  # sodium, not yet replaced


@dataclass(frozen=True, slots=True)
class LightingPlan:
    lon: FloatArray
    lat: FloatArray
    street: tuple[str, ...]
    segment: IntArray
    cabinet: IntArray  # cabinet index of each lamp
    watt: FloatArray
    cab_lon: FloatArray
    cab_lat: FloatArray

    @property
    def n_lamps(self) -> int:
        return len(self.lon)

    @property
    def n_cabinets(self) -> int:
        return len(self.cab_lon)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Switch-on/off epoch seconds per cabinet (rows) and dusk day (columns, from `day0`)."""

    day0: int
    on: IntArray
    off: IntArray

    def night(self, t: IntArray) -> np.ndarray:
        """Bool (len(t), cabinets): is the cabinet switched on at each time."""
        tt = np.asarray(t, dtype=np.int64)[:, None]
        lit = np.zeros((tt.shape[0], self.on.shape[0]), dtype=bool)
        for d in range(self.on.shape[1]):
            lit |= (self.on[:, d][None, :] <= tt) & (tt < self.off[:, d][None, :])
        return lit


@dataclass(frozen=True, slots=True)
class FaultIntervals:
    """Merged dark periods [start, end) of faulty lamps, as parallel arrays."""

    lamp: IntArray
    start: IntArray
    end: IntArray

    def faulty(self, t: int, n_lamps: int) -> np.ndarray:
        mask = np.zeros(n_lamps, dtype=bool)
        mask[self.lamp[(self.start <= t) & (t < self.end)]] = True
        return mask


def build_lighting(segments: list[RoadSegment], n_lights: int, seed: int) -> LightingPlan:
    """Spread `n_lights` lamps evenly along the segments; group runs of ~40 into cabinets."""
    lengths = np.array([s.length_m for s in segments])
    share = lengths / lengths.sum() * n_lights
    per = np.floor(share).astype(int)
    for i in np.argsort(-(share - per))[: n_lights - per.sum()]:
        per[i] += 1
    lines, fractions, seg_idx = [], [], []
    for seg, n in zip(segments, per.tolist(), strict=True):
        lines += [seg.line] * n
        fractions.append((np.arange(n) + 0.5) / max(n, 1))
        seg_idx += [seg.index] * n
    pts = line_interpolate_point(
        np.array(lines, dtype=object), np.concatenate(fractions), normalized=True
    )
    coords = np.array([(p.x, p.y) for p in pts])
    segment = np.array(seg_idx, dtype=np.int64)
    cls = [segments[i].road_class for i in segment.tolist()]
    legacy = uniform(seed, "lamp-legacy", np.arange(n_lights)) < 0.2
    watt = np.array(
        [(_LEGACY_WATTS if old else _WATTS)[c] for c, old in zip(cls, legacy.tolist(), strict=True)]
    )
    n_cab = -(-n_lights // LAMPS_PER_CABINET)
    cabinet = np.arange(n_lights) * n_cab // n_lights
    middle = [
        int(np.flatnonzero(cabinet == c)[len(np.flatnonzero(cabinet == c)) // 2])
        for c in range(n_cab)
    ]
    return LightingPlan(
        lon=coords[:, 0],
        lat=coords[:, 1],
        street=tuple(segments[i].street for i in segment.tolist()),
        segment=segment,
        cabinet=cabinet.astype(np.int64),
        watt=watt,
        cab_lon=coords[middle, 0],
        cab_lat=coords[middle, 1],
    )


def lamp_id(prefix: str, i: int) -> str:
    return f"{prefix}lamp-{i:05d}"


def cabinet_id(prefix: str, c: int) -> str:
    return f"{prefix}cab-{c:03d}"


def lighting_assets(plan: LightingPlan, prefix: str) -> list[Asset]:
    counts = np.bincount(plan.cabinet, minlength=plan.n_cabinets)
    assets = [
        Asset(
            id=cabinet_id(prefix, c),
            domain="lighting",
            kind="cabinet",
            name=f"Tủ điện chiếu sáng {c + 1:03d}",
            geometry={
                "type": "Point",
                "coordinates": [float(plan.cab_lon[c]), float(plan.cab_lat[c])],
            },
            attributes={
                "lamp_count": int(counts[c]),
                "installed_w": float(plan.watt[plan.cabinet == c].sum()),
            },
        )
        for c in range(plan.n_cabinets)
    ]
    assets += [
        Asset(
            id=lamp_id(prefix, i),
            domain="lighting",
            kind="lamp",
            name=f"Đèn {plan.street[i]} #{i + 1}",
            geometry={"type": "Point", "coordinates": [float(plan.lon[i]), float(plan.lat[i])]},
            attributes={
                "cabinet_id": cabinet_id(prefix, int(plan.cabinet[i])),
                "wattage": float(plan.watt[i]),
                "street": plan.street[i],
            },
        )
        for i in range(plan.n_lamps)
    ]
    return assets


def _ceil_step(ts: IntArray, step: int) -> IntArray:
    return -(-ts // step) * step


def switch_schedule(seed: int, n_cab: int, day0: int, day1: int, step: int) -> Schedule:
    """Switch times for dusk days day0..day1 (local day numbers), on the step grid."""
    days = np.arange(day0, day1 + 1)
    epoch = date(1970, 1, 1)
    dusk = np.array(
        [sunset(_OBSERVER, epoch + timedelta(int(d)), tzinfo=LOCAL_TZ).timestamp() for d in days]
    )
    dawn = np.array(
        [
            sunrise(_OBSERVER, epoch + timedelta(int(d) + 1), tzinfo=LOCAL_TZ).timestamp()
            for d in days
        ]
    )
    cab = np.arange(n_cab)[:, None]
    # Photocells differ per cabinet (a fixed bias) and per evening (clouds): a few minutes.
    on_shift = (
        -300 + 1200 * uniform(seed, "cab-on-bias", cab) + 120 * normal(seed, "cab-on", cab, days)
    )
    off_shift = (
        -900 + 1200 * uniform(seed, "cab-off-bias", cab) + 120 * normal(seed, "cab-off", cab, days)
    )
    on = _ceil_step((dusk[None, :] + on_shift).astype(np.int64), step)
    off = _ceil_step((dawn[None, :] + off_shift).astype(np.int64), step)
    return Schedule(day0=int(day0), on=on, off=off)


def fault_intervals(seed: int, plan: LightingPlan, schedule: Schedule, step: int) -> FaultIntervals:
    """Every lamp fault whose dusk day is in the schedule, merged per lamp into dark periods."""
    n_days = schedule.on.shape[1]
    lamps = np.arange(plan.n_lamps)[:, None]
    days = schedule.day0 + np.arange(n_days)[None, :]
    hit_l, hit_d = np.nonzero(uniform(seed, "lamp-fault", lamps, days) < FAULT_RATE_PER_NIGHT)
    if hit_l.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return FaultIntervals(empty, empty, empty)
    cab = plan.cabinet[hit_l]
    on, off = schedule.on[cab, hit_d], schedule.off[cab, hit_d]
    day = schedule.day0 + hit_d
    # Many lamps die at switch-on (inrush); the rest at some moment during the night.
    frac = uniform(seed, "lamp-fault-when", hit_l, day)
    frac = np.where(frac < 0.35, 0.0, (frac - 0.35) / 0.65)
    start = on + ((off - on) * frac).astype(np.int64) // step * step
    after = 1 + (uniform(seed, "lamp-repair-day", hit_l, day) * MAX_REPAIR_DAYS).astype(np.int64)
    hour = 8 * 3600 + (uniform(seed, "lamp-repair-hour", hit_l, day) * 8 * 3600).astype(np.int64)
    # The crew comes in office hours, at the earliest the day after the night is over.
    end = _ceil_step((day + 1 + after) * 86400 - LOCAL_OFFSET_S + hour, step)
    order = np.lexsort((start, hit_l))
    lamp_s, start_s, end_s = hit_l[order], start[order], end[order]
    out_l: list[int] = []
    out_s: list[int] = []
    out_e: list[int] = []
    for lamp, s, e in zip(lamp_s.tolist(), start_s.tolist(), end_s.tolist(), strict=True):
        if out_l and out_l[-1] == lamp and s <= out_e[-1]:
            out_e[-1] = max(out_e[-1], e)
        else:
            out_l.append(lamp)
            out_s.append(s)
            out_e.append(e)
    return FaultIntervals(np.array(out_l), np.array(out_s), np.array(out_e))


def _lit(plan: LightingPlan, cabinets_on: np.ndarray, faults: FaultIntervals, t: int) -> np.ndarray:
    return cabinets_on[plan.cabinet] & ~faults.faulty(t, plan.n_lamps)


def lamp_events(
    plan: LightingPlan,
    schedule: Schedule,
    faults: FaultIntervals,
    t_first: int,
    t_last: int,
    step: int,
    snapshot: bool,
) -> tuple[IntArray, list[str], IntArray, FloatArray]:
    """(lamp index, metric, ts, value) of lamp changes at grid times in [t_first, t_last].

    With `snapshot`, every lamp's state at `t_first` is reported, changes then from after it.
    """
    n = plan.n_lamps
    lamps: list[np.ndarray] = []
    metrics: list[str] = []
    times: list[np.ndarray] = []
    values: list[np.ndarray] = []

    def emit(idx: np.ndarray, metric: str, t: int | np.ndarray, value: np.ndarray) -> None:
        lamps.append(idx)
        metrics.extend([metric] * len(idx))
        times.append(np.broadcast_to(np.asarray(t, dtype=np.int64), idx.shape))
        values.append(value.astype(np.float64))

    lo = t_first + step if snapshot else t_first
    if snapshot:
        every = np.arange(n)
        emit(
            every,
            "lamp_on",
            t_first,
            _lit(plan, schedule.night(np.array([t_first]))[0], faults, t_first),
        )
        emit(every, "lamp_fault", t_first, faults.faulty(t_first, n))
    candidates = np.unique(
        np.concatenate([schedule.on.ravel(), schedule.off.ravel(), faults.start, faults.end])
    )
    candidates = candidates[(candidates >= lo) & (candidates <= t_last)]
    night_now, night_before = schedule.night(candidates), schedule.night(candidates - step)
    for k, t in enumerate(candidates.tolist()):
        now = _lit(plan, night_now[k], faults, t)
        changed = np.flatnonzero(now != _lit(plan, night_before[k], faults, t - step))
        if changed.size:
            emit(changed, "lamp_on", t, now[changed])
    for edge, value in ((faults.start, 1.0), (faults.end, 0.0)):
        sel = (edge >= lo) & (edge <= t_last)
        emit(faults.lamp[sel], "lamp_fault", edge[sel], np.full(int(sel.sum()), value))
    if not lamps:
        return np.zeros(0, dtype=np.int64), [], np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(lamps), metrics, np.concatenate(times), np.concatenate(values)


def cabinet_power(
    seed: int, plan: LightingPlan, schedule: Schedule, faults: FaultIntervals, times: IntArray
) -> FloatArray:
    """Power draw in W, shape (len(times), cabinets): working lamps when lit, standby by day."""
    n_cab = plan.n_cabinets
    installed = np.bincount(plan.cabinet, weights=plan.watt, minlength=n_cab)
    dark_w = np.zeros((len(times), n_cab))
    for lamp, s, e in zip(
        faults.lamp.tolist(), faults.start.tolist(), faults.end.tolist(), strict=True
    ):
        rows = (times >= s) & (times < e)
        dark_w[rows, plan.cabinet[lamp]] += plan.watt[lamp]
    lit = schedule.night(times)
    cab = np.arange(n_cab)[None, :]
    t = times[:, None]
    drive = 1.0 + 0.015 * normal(seed, "cab-power", cab, t)  # mains voltage and driver spread
    standby = 6.0 + 3.0 * uniform(seed, "cab-standby", cab, t)  # controller and meter
    return np.round(np.where(lit, (installed - dark_w) * drive, 0.0) + standby, 1)


def dusk_days(t_first: int, t_last: int) -> tuple[int, int]:
    """Dusk days whose nights, faults or repairs can touch [t_first, t_last].

    A fault of dusk day d is repaired by day d + 1 + MAX_REPAIR_DAYS at 16:00; one more day
    of margin keeps every fault that is still open at `t_first`.
    """
    return int(local_day(t_first)) - MAX_REPAIR_DAYS - 3, int(local_day(t_last))
