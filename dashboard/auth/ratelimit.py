"""Sign-in attempts: counted per account and per address in the store (so every worker
sees the same counts), each failure past the free ones locking for twice as long as the last.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from dashboard.config import LoginLimits
from dashboard.store import Store

__all__ = ["account_key", "address_key", "locked_until", "record_failure", "record_success"]


def account_key(name: str) -> str:
    return f"account:{name.strip().lower()[:64]}"


def address_key(address: str | None) -> str:
    return f"address:{address or 'unknown'}"


def lock_schedule(free: int, base_s: float, max_s: float) -> Callable[[int], timedelta | None]:
    """The lock after the n-th failure: none before `free`, then base, 2x base, 4x base... up
    to max."""

    def lock_for(failures: int) -> timedelta | None:
        if failures < free:
            return None
        return timedelta(seconds=min(base_s * 2 ** (failures - free), max_s))

    return lock_for


def locked_until(store: Store, name: str, address: str | None, now: datetime) -> datetime | None:
    """Until when sign-ins for `name` from `address` are refused (None: not locked)."""
    return store.login_attempts.locked_until([account_key(name), address_key(address)], now)


def record_failure(
    store: Store, limits: LoginLimits, name: str, address: str | None, now: datetime
) -> datetime | None:
    """Count a failed sign-in against the account and the address; the lock it caused."""
    window = timedelta(minutes=limits.window_min)
    locks = [
        store.login_attempts.record_failure(
            key, now, window, lock_schedule(free, limits.lock_base_s, limits.lock_max_s)
        )[1]
        for key, free in (
            (account_key(name), limits.account_free),
            (address_key(address), limits.address_free),
        )
    ]
    return max((lock for lock in locks if lock is not None), default=None)


def record_success(store: Store, name: str) -> None:
    """A successful sign-in clears the account's count (the address keeps its own, so one
    good account cannot reset an address guessing at others)."""
    store.login_attempts.clear(account_key(name))
