"""Accounts, roles and access: who may see which page, call which callback, read the API.

The public face other code uses:

- `Role`, `ROLES` (ordered: viewer < operator < manager < admin, each includes the ones before);
- `Principal` and `current_principal()`: who the current request acts for (set on `flask.g`
  by the guard, `dashboard.auth.guard`, before any page, callback or API route runs);
- `has_role(principal, role)`;
- `requires(role, action=...)`: the mark a page puts on each of its writing callbacks;
- `audit(action, target=..., detail=...)`: record a change in the audit log.

A page declares who may *see* it with `PageMeta(..., roles=(...))` (the lowest role listed is
the threshold; empty means every signed-in user); the guard covers its callbacks from that.
"""

from __future__ import annotations

from dashboard.auth.auditlog import record as audit
from dashboard.auth.principal import (
    ROLES,
    Principal,
    PrincipalKind,
    Role,
    current_principal,
    has_role,
    requires,
)

__all__ = [
    "ROLES",
    "Principal",
    "PrincipalKind",
    "Role",
    "audit",
    "current_principal",
    "has_role",
    "requires",
]
