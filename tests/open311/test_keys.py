"""Open311 keys: issued on /admin and on the console (`cityops token create --kind open311`),
through the same command, audited, kept as their sha256 only, revocable."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from dashboard.auth.keys import digest
from dashboard.cli import main
from dashboard.store import Store
from tests.auth.test_tokens_and_public import output_key
from tests.open311.conftest import Server
from tests.open311.test_posts import GOOD
from tests.pages.conftest import call_callback


def test_the_admin_page_issues_an_open311_key_that_posts(server: Server) -> None:
    admin = server.app.server.test_client()
    admin.get("/admin")
    out = call_callback(
        admin,
        output_key(admin, "admin-token-name.value"),
        {
            "admin-create-wall.n_clicks": None,
            "admin-create-api.n_clicks": None,
            "admin-create-open311.n_clicks": 1,
        },
        {"admin-token-name.value": "phan-anh-app", "admin-lang.data": "en"},
        changed="admin-create-open311.n_clicks",
    )
    found = re.search(r"(co_[A-Za-z0-9_-]{43})", out["admin-notice"]["children"])
    assert found is not None, out["admin-notice"]
    secret = found.group(1)
    token = next(t for t in server.store.accounts.tokens() if t.name == "phan-anh-app")
    assert (token.kind, token.prefix) == ("open311", secret[:8])
    with server.store.engine.connect() as conn:
        stored = repr(conn.exec_driver_sql("SELECT * FROM api_tokens").all())
    assert secret not in stored and digest(secret) in stored  # only its sha256
    entries, _ = server.store.audit_log.page(0, 5)
    assert (entries[0].action, entries[0].target) == ("token.create", "phan-anh-app")
    r = server.client.post("/open311/v2/requests.json", data={**GOOD, "api_key": secret})
    assert r.status_code == 200, r.data


def test_the_console_issues_and_revokes_open311_keys(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    cfg = tmp_path / "cityops.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{db}"\n', encoding="utf-8")
    run = CliRunner().invoke
    assert run(main, ["--config", str(cfg), "db", "upgrade"]).exit_code == 0
    r = run(main, ["--config", str(cfg), "token", "create", "zalo-app", "--kind", "open311"])
    assert r.exit_code == 0, r.output
    assert re.fullmatch(r"api_key=co_[A-Za-z0-9_-]{43}\n", r.output)
    listed = run(main, ["--config", str(cfg), "token", "list"]).output
    assert "zalo-app\topen311\tco_" in listed
    assert run(main, ["--config", str(cfg), "token", "revoke", "zalo-app"]).exit_code == 0
    store = Store(f"sqlite:///{db}")
    try:
        token = next(t for t in store.accounts.tokens() if t.name == "zalo-app")
        assert not token.active
        actions = [e.action for e in store.audit_log.page(0, 5)[0]]
        assert actions[:2] == ["token.revoke", "token.create"]
    finally:
        store.dispose()
