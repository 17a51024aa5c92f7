"""Where the real payloads of the standards we ingest live (`../shared/fixtures/standards`).

Read its NOTES.md (the quirks tests assert) and SOURCES.md (origins and licences).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["STANDARDS", "load_json"]

STANDARDS = Path(__file__).resolve().parents[2] / "shared/fixtures/standards"


def load_json(relative: str) -> Any:
    """A fixture file parsed as JSON, e.g. `fiware-sdm/Environment/AirQualityObserved/example.json`."""
    return json.loads((STANDARDS / relative).read_text(encoding="utf-8"))
