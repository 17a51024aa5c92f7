"""Where a harness leaves its figures: bench/results/<date>-<sha>-<name>.{json,md}."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).parent / "results"


def save(name: str, payload: dict[str, Any], text: str) -> Path:
    """Write `payload` (json) and `text` (the markdown table) under today's date and the
    checkout's short sha, print the table; the stem written."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    stem = RESULTS / f"{datetime.now(UTC):%Y-%m-%d}-{sha or 'nogit'}-{name}"
    RESULTS.mkdir(exist_ok=True)
    stem.with_suffix(".json").write_text(json.dumps(payload, indent=1))
    stem.with_suffix(".md").write_text(text + "\n")
    print(text)
    return stem
