"""Fixtures for the PDF tests: one seeded store and one Renderer (one Chromium) per session.

The store is tests.api.seed's data set plus a long list of road segments (a table that must
run over several pages); users of each role come from tests.signin. A PDF is rendered once
per session and argument set (`pdf(...)`), so tests reading the same PDF share the render.
Helpers read what a person would: the text of each page (pypdf), the images each page draws,
and the pages as pixels (Debian's pdftoppm).
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from dashboard.pdf import PdfJob, Renderer
from dashboard.records import Asset, Reading
from dashboard.store import Store
from tests.api.seed import NOW, WARD_B, Seed, seed_store
from tests.signin import ensure_user

LONG_LIST = 90  # extra road segments: the worst-segments table runs over pages


def long_list_segments() -> list[Asset]:
    return [
        Asset(
            f"traffic-seg-{n:04d}",
            "traffic",
            "road_segment",
            f"Đường Võ Trường Toản đoạn {n}",
            {
                "type": "LineString",
                "coordinates": [[105.09 + n / 5000, 9.998], [105.091 + n / 5000, 9.999]],
            },
            ward=WARD_B,
        )
        for n in range(2, 2 + LONG_LIST)
    ]


def long_list_speeds() -> list[Reading]:
    return [
        Reading(a.id, "speed_kmh", NOW - timedelta(minutes=50 + k % 7), 20.0 + k % 23)
        for k, a in enumerate(long_list_segments())
    ]


@pytest.fixture(scope="session")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seed]:
    folder = tmp_path_factory.mktemp("pdf-store")
    store = Store(f"sqlite:///{folder / 'cityops.db'}")
    store.upgrade()
    seeded = seed_store(store)
    store.ingest("sim", assets=long_list_segments(), readings=long_list_speeds(), now=NOW)
    for role in ("viewer", "manager", "admin"):
        ensure_user(store, role)
    yield seeded
    store.dispose()


@pytest.fixture(scope="session")
def renderer(seed: Seed) -> Iterator[Renderer]:
    with Renderer(seed.config, seed.store, clock=lambda: NOW, timeout_s=90) as made:
        yield made


@pytest.fixture(scope="session")
def pdf(renderer: Renderer) -> Callable[..., bytes]:
    """`pdf(path, user="test-manager", **job)`: the PDF's bytes, rendered once a session."""
    made: dict[tuple[Any, ...], bytes] = {}

    def render(path: str, user: str = "test-manager", **job: Any) -> bytes:
        key = (path, user, *sorted(job.items()))
        if key not in made:
            made[key] = renderer.render(PdfJob(path, user, **job))
        return made[key]

    return render


def pages_text(data: bytes) -> list[str]:
    """The extracted text of each page."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def _images(resources: Any, found: list[tuple[int, int]]) -> None:
    xobjects = (resources or {}).get("/XObject") or {}
    for ref in xobjects.values():
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            found.append((int(obj["/Width"]), int(obj["/Height"])))
        elif obj.get("/Subtype") == "/Form" and isinstance(obj, DictionaryObject):
            _images(obj.get("/Resources"), found)  # Skia draws images inside forms


def page_images(data: bytes) -> list[list[tuple[int, int]]]:
    """(width, height) in pixels of every image each page draws."""
    out = []
    for page in PdfReader(io.BytesIO(data)).pages:
        found: list[tuple[int, int]] = []
        _images(page.get("/Resources"), found)
        out.append(found)
    return out


def page_pixels(data: bytes, tmp: Path, page: int = 1, dpi: int = 40) -> tuple[int, int, bytes]:
    """Page `page` rendered by pdftoppm in grey: (width, height, one byte a pixel)."""
    source = tmp / "in.pdf"
    source.write_bytes(data)
    stem = tmp / "page"
    subprocess.run(
        ["pdftoppm", "-gray", "-r", str(dpi), "-f", str(page), "-l", str(page), source, stem],
        check=True,
    )
    (made,) = tmp.glob("page-*.pgm")
    raw = made.read_bytes()
    magic, width, height, depth, pixels = raw.split(maxsplit=4)
    assert magic == b"P5" and depth == b"255"
    made.unlink()
    return int(width), int(height), pixels
