"""Secrets of sessions and tokens: random, shown once, kept only as their sha256."""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["digest", "new_secret"]


def new_secret(prefix: str = "") -> str:
    """A fresh 256-bit secret, URL-safe, with an optional readable prefix ("cw_", "ca_")."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """The sha256 hex digest under which the store keeps `secret` (a 256-bit random secret
    needs no slow hash: nothing can be guessed from its digest)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
