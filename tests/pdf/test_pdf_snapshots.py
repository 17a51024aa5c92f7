"""PDF snapshots of the pages, read as the person who gets them would: text, images, pixels.

Every PDF comes from the real app on the seeded store (tests/pdf/conftest.py), printed by
Debian's Chromium through dashboard.pdf.Renderer; nothing here parses HTML.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from pypdf import PdfReader

from dashboard.figures.tiles import tile_view
from dashboard.i18n import t
from dashboard.pdf import PdfError, PdfJob, Renderer
from tests.api.seed import REPORTS, WARD_A, Seed
from tests.pdf.conftest import LONG_LIST, page_images, page_pixels, pages_text

pytestmark = pytest.mark.browser

TRAFFIC_WARD = "/traffic?" + urlencode({"ward": WARD_A, "range": "7d"})


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def share(pixels: Sequence[int], which: Callable[[int], bool]) -> float:
    return sum(1 for p in pixels if which(p)) / len(pixels)


def test_the_header_says_city_view_filters_range_when_and_by_whom(
    pdf: Callable[..., bytes],
) -> None:
    data = pdf(TRAFFIC_WARD)
    first = flat(pages_text(data)[0])
    assert "Rạch Giá" in first
    assert t("traffic.title", "vi") in first
    assert f"{t('print.filters', 'vi')} {t('drill.filter.ward', 'vi')}: {WARD_A}" in first
    assert "7 ngày: 26/05/2025 10:00 – 02/06/2025 10:00" in first
    assert "Tạo lúc 02/06/2025 10:00 (giờ Asia/Ho_Chi_Minh)" in first
    assert "Người tạo test-manager (quản lý)" in first


def test_every_page_is_numbered_of_the_total(pdf: Callable[..., bytes]) -> None:
    texts = pages_text(pdf(TRAFFIC_WARD))
    assert len(texts) >= 2
    for n, text in enumerate(texts, start=1):
        assert f"Trang {n}/{len(texts)}" in text


def test_english_text_and_vietnamese_names_extract_intact(pdf: Callable[..., bytes]) -> None:
    english = flat(" ".join(pages_text(pdf("/traffic?range=24h", lang="en"))))
    assert t("traffic.title", "en") in english
    assert "Generated at 02/06/2025 10:00 (Asia/Ho_Chi_Minh time)" in english
    assert "Page 1 of" in english
    # Place names keep their diacritics in an English PDF too (tables, not only headings).
    assert "Nguyễn Trung Trực (Lê Lợi → Trần Phú)" in english
    vietnamese = flat(" ".join(pages_text(pdf("/traffic?range=24h"))))
    for words in ("Giờ ùn tắc theo khu vực", "Đoạn đường chậm nhất", "Đường Võ Trường Toản"):
        assert words in vietnamese


def test_the_wall_tiles_show_the_apis_kpis(pdf: Callable[..., bytes], seed: Seed) -> None:
    from dashboard.app import create_app
    from tests.api.seed import NOW

    app = create_app(seed.config, seed.store, clock=lambda: NOW)
    kpis = app.server.test_client().get("/api/v1/kpis").get_json()["items"]
    text = flat(" ".join(pages_text(pdf("/wall", landscape=True, lang="en"))))
    shown = [k for k in kpis if k["value"] is not None]
    assert len(shown) >= 5
    for kpi in shown:
        tile = tile_view(SimpleNamespace(**kpi), "en")
        label = t(f"wall.tile.{kpi['key']}", "en")
        assert label in text and tile.value in text, (kpi, tile)


def test_report_counts_equal_the_stores(pdf: Callable[..., bytes]) -> None:
    text = flat(pages_text(pdf("/reports?range=7d", lang="en"))[0])
    # All of the seeded reports are from the last 7 days; all but the closed one are open.
    not_closed = [r for r in REPORTS if r.status != "closed"]
    assert f"{t('reports.kpi.received', 'en')} {len(REPORTS)}" in text
    assert f"{t('reports.kpi.open', 'en')} {len(not_closed)}" in text


def assert_the_map_drawn(data: bytes, tmp: Path) -> None:
    first = page_images(data)[0]
    assert any(w >= 600 and h >= 300 for w, h in first), first  # the map, at 2 px a CSS px
    width, height, pixels = page_pixels(data, tmp)
    assert share(pixels, lambda p: p < 235) > 0.05  # a page with something on it
    # On portrait A4 the map spans the page below the header (20-50 % of its height): its
    # dark sea and land are there, not a white box where a WebGL canvas was ...
    band = [
        pixels[y * width + x]
        for y in range(height * 25 // 100, height * 45 // 100)
        for x in range(width // 10, width * 9 // 10)
    ]
    assert share(band, lambda p: p < 60) > 0.5
    # ... and its layers drawn on them (land, ward lines, segments), not the bare background
    # of a canvas taken before the map had drawn.
    assert share(band, lambda p: p > 70) > 0.01
    assert len(set(band)) > 12


def test_the_map_is_an_image_on_the_page_and_not_blank(
    pdf: Callable[..., bytes], renderer: Renderer, tmp_path: Path
) -> None:
    assert_the_map_drawn(pdf(TRAFFIC_WARD), tmp_path)
    # Again on the warm browser (its caches filled, the page draws faster than the map's
    # layers land): the snapshot still waits for them.
    assert_the_map_drawn(renderer.render(PdfJob(TRAFFIC_WARD, "test-manager")), tmp_path)


def test_every_page_prints_with_its_map(pdf: Callable[..., bytes], tmp_path: Path) -> None:
    for path in ("/wall", "/lighting", "/environment", "/reports", "/alerts"):
        data = pdf(path, landscape=True)
        images = [size for page in page_images(data) for size in page]
        assert any(w >= 600 and h >= 300 for w, h in images), (path, images)
        pixels = page_pixels(data, tmp_path)[2]
        assert share(pixels, lambda p: p < 235) > 0.05, path


def test_a_long_table_breaks_over_pages_with_its_header_repeated(
    pdf: Callable[..., bytes],
) -> None:
    texts = pages_text(pdf("/traffic?range=24h"))
    header = t("drill.col.free_flow_kmh", "vi")
    rows = [n for n, text in enumerate(texts) if "Đường Võ Trường Toản đoạn" in text]
    assert len(rows) >= 2, "the list of segments should run over pages"
    for n in rows:
        assert header in texts[n], f"page {n + 1} lacks the table's header row"
    every = " ".join(texts)
    assert all(f"Đường Võ Trường Toản đoạn {k} " in every for k in range(2, 2 + LONG_LIST))


def test_an_open_asset_prints_its_detail(pdf: Callable[..., bytes]) -> None:
    text = flat(" ".join(pages_text(pdf("/traffic?asset=traffic-seg-0001&range=24h"))))
    assert f"{t('print.asset', 'vi')} traffic-seg-0001" in text
    assert t("drill.detail.title", "vi") in text or "Nguyễn Trung Trực" in text


def test_a3_landscape_is_the_paper_asked_for(pdf: Callable[..., bytes]) -> None:
    box = PdfReader(io.BytesIO(pdf("/alerts", paper="A3", landscape=True))).pages[0].mediabox
    # A3 is 420 x 297 mm: 1190.6 x 841.9 pt (Chromium rounds to whole CSS pixels)
    assert float(box.width) == pytest.approx(1190.6, abs=2)
    assert float(box.height) == pytest.approx(841.9, abs=2)


def test_a_viewer_cannot_export_what_a_viewer_cannot_see(renderer: Renderer) -> None:
    with pytest.raises(PdfError, match="not allowed"):
        renderer.render(PdfJob("/admin", "test-viewer"))


def test_unknown_pages_and_users_are_named(renderer: Renderer) -> None:
    with pytest.raises(PdfError, match="unknown page '/nowhere'"):
        renderer.render(PdfJob("/nowhere", "test-admin"))
    with pytest.raises(PdfError, match="unknown user 'nobody'"):
        renderer.render(PdfJob("/wall", "nobody"))
