"""The HTTP faults every pull connector meets the same way, for its own tests to parametrize:
those a retry rides out (the run stores everything), and those that last (the run records the
error, the next run recovers). Each connector's test serves them from its own fake feed."""

from __future__ import annotations

import pytest

from dashboard.pipeline import RunOutcome
from dashboard.store import Store
from tests.sources.loopback import Fault
from tests.store.data import frame

__all__ = ["assert_recorded_then_recovered", "lasting_faults", "passing_faults"]

passing_faults = pytest.mark.parametrize(
    "faults",
    [
        [Fault(status=500), Fault(status=503)],
        [Fault(status=429, retry_after="1")],
        [Fault(delay=0.5)],
        [Fault(drop=True)],
    ],
    ids=["5xx", "429-retry-after", "slow", "dropped"],
)

lasting_faults = pytest.mark.parametrize(
    ("faults", "message"),
    [
        ([Fault(truncate=40)], "invalid JSON"),
        ([Fault(content_type="text/html; charset=utf-8")], "text/html, not json"),
        ([Fault(status=503)] * 4, "HTTP 503 Service Unavailable"),
    ],
    ids=["truncated-json", "wrong-content-type", "retries-exhausted"],
)


def assert_recorded_then_recovered(
    store: Store, failed: RunOutcome, recovered: RunOutcome, message: str
) -> None:
    """The failed run holds `message` (as does its row in source_runs); the next one is ok."""
    assert failed.status == "error" and message in (failed.error or "")
    assert recovered.status == "ok"
    runs = frame(store, "SELECT status, error FROM source_runs ORDER BY id")
    assert runs["status"].tolist() == ["error", "ok"] and message in runs["error"][0]
