"""Quarantine never costs a batch: any refused payload is written down, the good records stored."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dashboard.records import Reading, Reject
from dashboard.store import Store
from tests.store.data import T0, count, frame, station


class _BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")


def _deep(levels: int) -> list[Any]:
    out: list[Any] = []
    for _ in range(levels):
        out = [out]
    return out


_cycle: dict[str, Any] = {"id": "urn:x"}
_cycle["self"] = _cycle

PAYLOADS = {
    "mixed key types": {1: "a", "b": 2},
    "tuple key": {("x", 1): 1},
    "lone surrogate": "bad \ud800 surrogate",
    "surrogate in a key": {"k\udcff": "v"},
    "NUL byte": {"name": "a\x00b"},
    "cycle": _cycle,
    "deeper than the recursion limit": _deep(5000),
    "object whose repr raises": _BadRepr(),
}


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_an_unserialisable_reject_is_quarantined_and_the_batch_stored(
    store: Store, payload: Any
) -> None:
    good = [Reading("aq-00", "pm25_ugm3", T0, 18.4)]
    rejects = [Reject("unparseable", payload)]
    result = store.ingest("aq", assets=[station(0)], readings=good, rejects=rejects, now=T0)
    assert (result.assets, result.readings, result.quarantined) == (1, 1, 1)
    again = store.ingest("aq", readings=good, rejects=rejects, now=T0)
    assert (again.duplicates, again.quarantined) == (1, 1)
    assert count(store, "readings") == count(store, "quarantine") == 1
    q = frame(store, "SELECT record_kind, reason, payload FROM quarantine")
    assert q[["record_kind", "reason"]].values.tolist() == [["payload", "unparseable"]]
    json.loads(q["payload"][0])  # always JSON, whatever the record


def test_a_lone_surrogate_round_trips_through_the_quarantine(store: Store) -> None:
    store.ingest("aq", rejects=[Reject("bad", {"text": "x\ud800y"})], now=T0)
    payload = frame(store, "SELECT payload FROM quarantine")["payload"][0]
    assert json.loads(payload) == {"text": "x\ud800y"}


def test_an_unstorable_reason_is_escaped_not_fatal(store: Store) -> None:
    weird = [Reject("nul\x00 and \udc80", {"id": 1}), Reject(404, {"id": 2})]  # type: ignore[arg-type]
    result = store.ingest("aq", rejects=weird, now=T0)
    assert result.quarantined == 2
    reasons = sorted(frame(store, "SELECT reason FROM quarantine")["reason"])
    assert reasons == ["404", "nul\\x00 and \\udc80"]
