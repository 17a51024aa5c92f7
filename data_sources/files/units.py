"""A dropped file's units (a header's or the config's spelling) converted into our metric's.

The units, their spellings and their conversions are the one vocabulary of
`data_sources.units`; here is what the files connector adds: the config's message naming the
units a metric takes, and results rounded to 12 significant digits (1.12 m is 112 cm, not
112.00000000000001), since a spreadsheet's numbers are decimal text.
"""

from __future__ import annotations

from dashboard.records import METRICS
from data_sources.units import Convert, spellings_for, to_metric

__all__ = ["converter"]


def converter(metric: str, unit: str | None) -> Convert:
    """A function turning a value in `unit` into `metric`'s unit (None: already ours).

    ValueError names the metric, its unit and the units it takes, for the config's message.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r} (known: {', '.join(sorted(METRICS))})")
    if unit is None:
        return float
    got = to_metric(unit, metric)
    if got is None:
        raise ValueError(
            f"unit {unit!r} cannot be converted to {metric}'s {METRICS[metric].unit} "
            f"(it takes {', '.join(spellings_for(metric))})"
        )
    factor, offset = got
    if (factor, offset) == (1.0, 0.0):
        return float
    return lambda value: float(f"{value * factor + offset:.12g}")
