"""Scheduled reports, made by the scheduler with the real renderer (headless Chromium): a
report's run lands in its folder, at a local SMTP receiver with the PDF attached, and at a
loopback webhook; a failing render records its reason, and several exports at once queue.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader

from dashboard.areas import Areas
from dashboard.config import Config
from dashboard.exports.worker import ExportWorkers, chromium_renderer
from dashboard.queries.exports import recent_exports
from dashboard.scheduler import CityScheduler
from dashboard.store import ExportView, Store
from tests.api.seed import NOW, Seed, seed_store
from tests.exports.conftest import Hook, Mailbox, with_exports
from tests.signin import ensure_user

pytestmark = pytest.mark.browser

REPORT = "env-daily"
WAIT_S = 180  # a bound on a shared, busy machine (never a speed assertion)


@pytest.fixture
def seeded_sqlite(tmp_path: Path) -> Iterator[Seed]:
    store = Store(f"sqlite:///{tmp_path / 'cityops.db'}")
    store.upgrade()
    yield seed_store(store)
    store.dispose()


def _settled(store: Store, count: int) -> list[ExportView]:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        with store.read_session() as session:
            exports = recent_exports(session)
        if len(exports) >= count and not any(e.pending for e in exports):
            return exports
        time.sleep(0.5)
    raise AssertionError(f"exports still pending after {WAIT_S} s: {exports}")


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _report_config(seed: Seed, tmp_path: Path, mailbox: Mailbox, webhook: Hook) -> Config:
    smtp = {"host": mailbox.host, "port": mailbox.port, "from": "ioc@rachgia.gov.vn"}
    report = {
        "name": REPORT,
        "view": "/environment?range=24h",
        "cron": "0 7 * * *",
        "user": "bao-cao",
        "landscape": True,
        "lang": "en",
        "folder": str(tmp_path / "reports"),
        "email": ["truongphong@rachgia.gov.vn"],
        "webhook": {"url": webhook.url, "send": "pdf"},
    }
    return with_exports(
        seed.config,
        tmp_path / "pdfs",
        smtp={**smtp, "security": "none"},
        reports=[report],
        sources=[],  # the scheduler runs the reports only, no feeds
    )


def test_a_scheduled_report_lands_in_its_folder_the_mailbox_and_the_webhook(
    seeded_sqlite: Seed, tmp_path: Path, mailbox: Mailbox, webhook: Hook
) -> None:
    store = seeded_sqlite.store
    ensure_user(store, "manager", "bao-cao")
    config = _report_config(seeded_sqlite, tmp_path, mailbox, webhook)
    scheduler = CityScheduler(
        config,
        store,
        Areas.from_config(config),
        renderer=chromium_renderer(config, store, lambda: NOW),
    )
    scheduler.start()
    try:
        deadline = time.monotonic() + 30
        while not scheduler.leader and time.monotonic() < deadline:
            time.sleep(0.1)
        assert scheduler.leader
        job = scheduler._scheduler.get_job(f"report:{REPORT}")
        assert job is not None and str(job.trigger.timezone) == "Asia/Ho_Chi_Minh"
        job.modify(next_run_time=datetime.now(UTC))  # its cron time, now
        (export,) = _settled(store, 1)
    finally:
        scheduler.shutdown()

    assert (export.status, export.error, export.schedule) == ("done", None, REPORT)
    assert (export.requested_by, export.username, export.lang) == ("scheduler", "bao-cao", "en")
    kept = (tmp_path / "pdfs" / f"{export.id}.pdf").read_bytes()
    assert kept.startswith(b"%PDF") and export.size_bytes == len(kept)
    assert "folder: " in (export.delivery or "") and "email: sent to 1" in (export.delivery or "")

    (delivered,) = (tmp_path / "reports").glob(f"{REPORT}-*.pdf")
    assert delivered.read_bytes() == kept

    (message,) = mailbox.messages
    assert mailbox.recipients == [["truongphong@rachgia.gov.vn"]]
    assert REPORT in message["Subject"] and "Rạch Giá" in message["Subject"]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == delivered.name
    pdf = attachment.get_content()
    assert pdf == kept
    text = _text(pdf)
    assert "Rạch Giá" in text and "Environment" in text  # Vietnamese city, English view

    ((headers, body),) = webhook.posts
    assert headers["Content-Type"] == "application/pdf" and headers["X-Cityops-Report"] == REPORT
    assert body == kept


def test_failing_exports_record_why_and_the_others_still_render(
    seeded_sqlite: Seed, tmp_path: Path
) -> None:
    store = seeded_sqlite.store
    ensure_user(store, "manager", "hoa")
    ensure_user(store, "viewer", "minh")
    config = with_exports(seeded_sqlite.config, tmp_path / "pdfs")
    asked = [
        ("hoa", "/admin"),  # a page a manager may not see: the renderer refuses it
        ("minh", "/traffic?range=24h"),  # a viewer: no right to export
        ("nobody", "/traffic"),  # an account that does not exist
        ("hoa", "/traffic?range=24h&lang=vi"),  # fine, queued behind the others
    ]
    ids = [
        store.exports.enqueue(
            requested_by=user,
            username=user,
            path=path,
            paper="A4",
            landscape=False,
            lang=None,
            at=NOW,
        )
        for user, path in asked
    ]
    workers = ExportWorkers(config, store, renderer=chromium_renderer(config, store, lambda: NOW))
    workers.start()
    try:
        exports = {e.id: e for e in _settled(store, len(ids))}
    finally:
        workers.stop()
    admin, viewer, nobody, fine = (exports[i] for i in ids)
    assert admin.status == "failed" and "not allowed" in (admin.error or "")
    assert admin.file is None
    assert viewer.status == "failed" and viewer.error == "account 'minh' may not export (a viewer)"
    assert nobody.status == "failed" and "no account 'nobody'" in (nobody.error or "")
    assert fine.status == "done" and fine.file == f"{fine.id}.pdf"
    assert "Rạch Giá" in _text((tmp_path / "pdfs" / fine.file).read_bytes())
