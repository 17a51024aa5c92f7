"""UI strings of the drill pages (merged into dashboard.i18n.TEXT)."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {}
