"""Password hashing (argon2id, argon2-cffi's current defaults) and the password rule.

A password is only ever hashed or verified here; it is never logged, stored or echoed.
"""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = ["MIN_LENGTH", "PasswordRejected", "hash_password", "needs_rehash", "verify_password"]

MIN_LENGTH = 10


class PasswordRejected(ValueError):
    """A new password that does not meet the rule (the message says why)."""


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()


def check_rule(password: str) -> None:
    """Raise PasswordRejected unless `password` is long enough and not blank-padded."""
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(f"a password needs at least {MIN_LENGTH} characters")
    if password != password.strip():
        raise PasswordRejected("a password may not start or end with a space")


def hash_password(password: str) -> str:
    """The argon2id hash of `password`, after checking the rule."""
    check_rule(password)
    return _hasher().hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash("not a password of anyone")


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash (unknown user) a dummy hash is checked, so
    an unknown name takes as long to refuse as a wrong password."""
    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's defaults."""
    return _hasher().check_needs_rehash(password_hash)
