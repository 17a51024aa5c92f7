"""/lighting's faults-per-day chart: one tick a day at most, never the same date twice."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from dashboard.figures.drilllighting import faults_per_day


def _daily(days: int) -> pd.DataFrame:
    first = date(2026, 12, 4) - timedelta(days=days - 1)
    return pd.DataFrame(
        {"day": [first + timedelta(days=k) for k in range(days)], "faults": [3] * days}
    )


@pytest.mark.parametrize("days", [1, 2, 8, 31, 91])
def test_daily_ticks_never_repeat_a_date(days: int) -> None:
    axis = faults_per_day(_daily(days), lang="vi")["layout"]["xaxis"]
    labels = axis["ticktext"]
    assert len(labels) == len(set(labels)) == len(axis["tickvals"]), labels
    assert 1 <= len(labels) <= 12
    assert labels[-1] == "04/12" and (days > 1 or labels == ["04/12"])
