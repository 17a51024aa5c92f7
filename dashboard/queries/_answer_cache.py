"""A small, bounded, per-process cache of query answers keyed by the data they describe.

Some of the wall's reads describe data that a refresh a few seconds later finds unchanged:
last week's values (the past does not move) and the lamps' state (identified by a cheap
signature of the latest table). Their answers are kept here between refreshes.

Why this is safe with one process or several workers: an entry's key names the data it was
computed from (a data time, a data signature), never the wall clock or a request; the values
are never mutated (callers get copies), so a hit is exactly what a fresh read of the same
data returns. Workers share nothing: each may compute a key once, and all compute the same
value from the same store. Entries are kept per engine (weakly: a disposed Store's entries
go with it, and another database or a test's fresh store never sees them) and per namespace,
at most `keep` each, oldest dropped first.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

__all__ = ["cached", "forget"]

T = TypeVar("T")
_entries: weakref.WeakKeyDictionary[Any, dict[str, OrderedDict[Hashable, Any]]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def cached(
    session: Session, namespace: str, key: Hashable, compute: Callable[[], T], keep: int = 4
) -> T:
    """`compute()` once per (session's engine, namespace, key) in this process; `key` must name
    the data the answer depends on. Returns the cached object itself: callers copy what they
    change."""
    engine = session.get_bind()
    with _lock:
        space = _entries.setdefault(engine, {}).setdefault(namespace, OrderedDict())
        if key in space:
            space.move_to_end(key)
            return space[key]  # type: ignore[no-any-return]
    value = compute()  # outside the lock: a slow read never blocks other refreshes
    with _lock:
        space[key] = value
        while len(space) > keep:
            space.popitem(last=False)
    return value


def forget(namespace: str | None = None) -> None:
    """Drop cached answers (all, or one namespace's) in this process: for tests and tools."""
    with _lock:
        for spaces in _entries.values():
            if namespace is None:
                spaces.clear()
            else:
                spaces.pop(namespace, None)
