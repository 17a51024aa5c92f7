"""Counter-based randomness and time helpers: every draw is a pure function of its keys.

The simulator never keeps a random state that advances with use. A value at (seed, stream,
asset, time) is a hash of exactly those numbers, so fetching one day or the same day in two
halves, before or after a restart, gives identical data. The hash is SplitMix64's finaliser,
vectorised over numpy uint64 arrays (wrap-around multiplication is the point, not a bug).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

__all__ = [
    "LOCAL_OFFSET_S",
    "LOCAL_TZ",
    "FloatArray",
    "IntArray",
    "hash_u64",
    "local_day",
    "local_hour",
    "normal",
    "stream_id",
    "to_datetimes",
    "uniform",
    "value_noise",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# The simulated city is Rạch Giá whatever the display zone; Vietnam has kept UTC+7 without
# daylight saving since 1975, so one fixed offset turns epoch seconds into local clock time.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
LOCAL_OFFSET_S = 7 * 3600

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def stream_id(name: str) -> int:
    """A stable 63-bit number for a stream name (Python's hash() changes per process)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big") >> 1


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def hash_u64(seed: int, stream: str, *keys: npt.ArrayLike) -> npt.NDArray[np.uint64]:
    """Hash of (seed, stream, keys...); keys broadcast like numpy operands."""
    with np.errstate(over="ignore"):
        h = _mix(np.atleast_1d(np.asarray(seed & 0xFFFFFFFFFFFFFFFF, dtype=np.uint64)))
        h = _mix(h ^ np.uint64(stream_id(stream)))
        for key in keys:
            k = np.atleast_1d(np.asarray(key, dtype=np.int64)).astype(np.uint64)
            h = _mix(h ^ (k + _GOLDEN))
    return h


def uniform(seed: int, stream: str, *keys: npt.ArrayLike) -> FloatArray:
    """Uniform in [0, 1), one per broadcast key combination."""
    return (hash_u64(seed, stream, *keys) >> np.uint64(11)).astype(np.float64) * 2.0**-53


def normal(seed: int, stream: str, *keys: npt.ArrayLike) -> FloatArray:
    """Standard normal (Box-Muller on two hashed uniforms)."""
    u1 = 1.0 - uniform(seed, stream, *keys, 0)
    u2 = uniform(seed, stream, *keys, 1)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def value_noise(
    seed: int, stream: str, key: npt.ArrayLike, t: npt.ArrayLike, period_s: int
) -> FloatArray:
    """Smooth noise, roughly N(0, 0.8): normals at knots every `period_s`, eased between them.

    Weather, surge and slow sensor drift wander like this; `t` is epoch seconds.
    """
    ts = np.asarray(t, dtype=np.int64)
    knot = ts // period_s
    frac = (ts - knot * period_s).astype(np.float64) / period_s
    ease = frac * frac * (3.0 - 2.0 * frac)
    a = normal(seed, stream, key, knot)
    b = normal(seed, stream, key, knot + 1)
    return a + (b - a) * ease


def local_hour(t: npt.ArrayLike) -> FloatArray:
    """Local clock time in hours [0, 24) for epoch seconds `t`."""
    return ((np.asarray(t, dtype=np.int64) + LOCAL_OFFSET_S) % 86400).astype(np.float64) / 3600.0


def local_day(t: npt.ArrayLike) -> IntArray:
    """Local calendar day number (days since 1970-01-01 local) for epoch seconds `t`."""
    return (np.asarray(t, dtype=np.int64) + LOCAL_OFFSET_S) // 86400


def to_datetimes(ts: IntArray) -> list[datetime]:
    """Aware UTC datetimes for epoch seconds (one object per distinct value, shared)."""
    return [datetime.fromtimestamp(int(t), UTC) for t in ts]
