"""Wall-screen and API tokens, public pages, writes refused by role, security headers, and
the `cityops user` commands."""

from __future__ import annotations

import re
from pathlib import Path

import dash
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from dashboard.app import create_app
from dashboard.auth import manage
from dashboard.auth.sessions import COOKIE
from dashboard.cli import main
from dashboard.config import AuthConfig, ConfigError
from dashboard.i18n import t
from dashboard.store import Store
from tests.api.seed import NOW, Seed
from tests.pages.conftest import call_callback, post_callback
from tests.pages.test_wall_page import WallClient
from tests.signin import TEST_PASSWORD

WALL_TICK = "wall-interval.n_intervals"


def wall_tick(wall: WallClient) -> int:
    """One periodic refresh of the wall screen `wall` (the renderer's body); its HTTP status."""
    wall.n += 1
    states = ("wall-version.data", "wall-trend-key.data", "wall-layers.value", "wall-scene.data")
    body = {
        "output": wall.dep["output"],
        "outputs": wall.outputs,
        "inputs": [
            {"id": "wall-interval", "property": "n_intervals", "value": wall.n},
            {"id": "wall-fitted", "property": "data", "value": True},
        ],
        "state": [
            {"id": i, "property": p, "value": wall.state(i, p)}
            for i, p in (s.split(".") for s in (*states, "wall-boot.data"))
        ],
        "changedPropIds": [WALL_TICK],
    }
    return int(wall.client.post("/_dash-update-component", json=body).status_code)


def output_key(client: object, *parts: str) -> str:
    """The output key of the callback whose outputs include all `parts` (Dash suffixes
    duplicate outputs with a hash)."""
    deps = client.get("/_dash-dependencies").get_json()  # type: ignore[attr-defined]
    return str(next(d["output"] for d in deps if all(p in d["output"] for p in parts)))


def test_a_wall_token_signs_the_screen_in_once_and_revoking_it_signs_it_out(
    app: dash.Dash, seeded: Seed
) -> None:
    store = seeded.store
    made = manage.create_token(store, "wall", "lobby-1", NOW, manage.CLI_ACTOR)
    screen = app.server.test_client(role=None)
    r = screen.get(f"/wall?token={made.secret}&kiosk=1")
    assert r.status_code == 302 and r.headers["Location"] == "/wall?kiosk=1"
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "Max-Age=" in cookie and "HttpOnly" in cookie  # survives the screen's restart
    assert screen.get("/wall?kiosk=1").status_code == 200
    wall = WallClient(screen, "?kiosk=1")
    assert wall_tick(wall) == 200
    assert screen.get("/sources").status_code == 403  # bound to the wall, read-only
    assert screen.get("/api/v1/kpis").status_code == 403
    manage.revoke_token(store, "lobby-1", NOW, manage.CLI_ACTOR)
    assert wall_tick(wall) == 401  # its next refresh: assets/auth.js goes to /login
    again = app.server.test_client(role=None)
    assert again.get(f"/wall?token={made.secret}").headers["Location"].startswith("/login")
    entries, _ = store.audit_log.page(0, 10)
    assert [(e.action, e.outcome) for e in reversed(entries)] == [
        ("token.create", "ok"),
        ("wall.sign_in", "ok"),
        ("token.revoke", "ok"),
        ("wall.sign_in", "failed"),
    ]


def test_api_tokens_are_scoped_revocable_and_stored_hashed(app: dash.Dash, seeded: Seed) -> None:
    made = manage.create_token(seeded.store, "api", "province", NOW, manage.CLI_ACTOR)
    machine = app.server.test_client(role=None)
    bearer = {"Authorization": f"Bearer {made.secret}"}
    assert machine.get("/api/v1/kpis", headers=bearer).status_code == 200
    assert machine.get("/wall", headers=bearer).status_code == 403  # pages are for people
    with seeded.store.engine.connect() as conn:
        stored = conn.execute(text("SELECT * FROM api_tokens")).fetchall()
    assert made.secret not in repr(stored)
    manage.revoke_token(seeded.store, "province", NOW, manage.CLI_ACTOR)
    r = machine.get("/api/v1/kpis", headers=bearer)
    assert r.status_code == 401 and r.headers["WWW-Authenticate"].startswith("Bearer")
    with pytest.raises(manage.AccountError, match="scope"):
        manage.create_token(seeded.store, "api", "x", NOW, manage.CLI_ACTOR, scopes=("write:all",))


def test_public_pages_and_routes_are_open_and_nothing_else(seeded: Seed) -> None:
    config = seeded.config.model_copy(update={"auth": AuthConfig(public=("/wall", "/api/v1/kpis"))})
    anyone = create_app(config, seeded.store, clock=lambda: NOW).server.test_client(role=None)
    assert anyone.get("/wall").status_code == 200
    assert wall_tick(WallClient(anyone)) == 200
    assert anyone.get("/api/v1/kpis").status_code == 200
    assert anyone.get("/api/v1/reports").status_code == 401
    assert anyone.get("/sources").status_code == 302


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/sources", "callbacks that write"),
        ("/admin", "cannot be public"),
        ("/nowhere", "not a page or API route"),
    ],
)
def test_a_public_entry_that_writes_or_is_unknown_stops_the_app(
    seeded: Seed, path: str, why: str
) -> None:
    with pytest.raises((ConfigError, ValueError), match=r"auth\.public|cannot be public") as err:
        config = seeded.config.model_copy(update={"auth": AuthConfig(public=(path,))})
        create_app(config, seeded.store, clock=lambda: NOW)
    assert why in str(err.value)


def test_a_viewer_cannot_pause_a_feed_whatever_the_browser_sends(
    app: dash.Dash, seeded: Seed
) -> None:
    toggle = {"type": "sources-toggle", "source": "sim"}
    body_inputs = [[{"id": toggle, "property": "n_clicks", "value": 1}]]
    body_state = [
        [{"id": toggle, "property": "value", "value": "pause"}],
        {"id": "sources-lang", "property": "data", "value": "en"},
    ]
    changed = '{"source":"sim","type":"sources-toggle"}.n_clicks'
    output = "..sources-acted.data...sources-notice.children.."
    viewer = app.server.test_client(role="viewer")
    viewer.get("/sources")
    r = post_callback(viewer, output, body_inputs, body_state, changed)
    assert r.status_code == 403
    assert seeded.store.source_state("sim") is None or not seeded.store.source_state("sim").paused  # type: ignore[union-attr]
    admin = app.server.test_client()
    r = post_callback(admin, output, body_inputs, body_state, changed)
    assert r.status_code == 200
    assert seeded.store.source_state("sim").paused  # type: ignore[union-attr]
    entries, _ = seeded.store.audit_log.page(0, 5)
    assert [(e.action, e.actor, e.outcome) for e in reversed(entries)] == [
        ("source.pause", "test-viewer", "denied"),
        ("source.pause", "test-admin", "ok"),
    ]


def test_the_admin_page_creates_and_revokes_tokens_and_lists_the_audit(app: dash.Dash) -> None:
    admin = app.server.test_client()
    admin.get("/admin")
    out = call_callback(
        admin,
        output_key(admin, "admin-token-name.value"),
        {
            "admin-create-wall.n_clicks": 1,
            "admin-create-api.n_clicks": None,
            "admin-create-open311.n_clicks": None,
        },
        {"admin-token-name.value": "hall-screen", "admin-lang.data": "en"},
    )
    assert "/wall?token=cw_" in out["admin-notice"]["children"]
    audit = call_callback(
        admin,
        "..admin-audit.data...admin-audit-label.children...admin-audit-page.data..",
        {"admin-prev.n_clicks": None, "admin-next.n_clicks": None, "admin-acted.data": None},
        {"admin-audit-page.data": 0, "admin-lang.data": "en"},
    )
    rows = audit["admin-audit"]["data"]
    assert rows[0]["action"] == "token.create" and rows[0]["target"] == "hall-screen"
    assert audit["admin-audit-label"]["children"] == "Page 1 of 1"


def test_pages_carry_the_security_headers(app: dash.Dash) -> None:
    client = app.server.test_client(role=None)
    for path in ("/login", "/healthz"):
        headers = client.get(path).headers
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp.split(";")[1]


def test_cli_adds_lists_disables_and_changes_passwords(tmp_path: Path) -> None:
    cfg = tmp_path / "cityops.toml"
    cfg.write_text(f'[database]\nurl = "sqlite:///{tmp_path / "c.db"}"\n', encoding="utf-8")
    run = CliRunner().invoke
    r = run(
        main,
        ["--config", str(cfg), "user", "add", "chi", "--role", "admin", "--password-stdin"],
        input=TEST_PASSWORD + "\n",
    )
    assert r.exit_code == 0, r.output
    r = run(
        main,
        ["--config", str(cfg), "user", "add", "chi", "--password-stdin"],
        input=TEST_PASSWORD + "\n",
    )
    assert r.exit_code == 2 and "already exists" in r.output
    r = run(
        main, ["--config", str(cfg), "user", "add", "dung", "--password-stdin"], input="short\n"
    )
    assert r.exit_code == 2 and "at least 10" in r.output
    assert run(main, ["--config", str(cfg), "user", "disable", "chi"]).exit_code == 0
    r = run(
        main,
        ["--config", str(cfg), "user", "passwd", "chi", "--password-stdin"],
        input="another long one\n",
    )
    assert r.exit_code == 0
    r = run(main, ["--config", str(cfg), "user", "list"])
    assert "chi" in r.output and "disabled" in r.output and TEST_PASSWORD not in r.output
    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    entries, _ = store.audit_log.page(0, 10)
    assert [(e.action, e.actor_kind) for e in reversed(entries)] == [
        ("user.add", "console"),
        ("user.disable", "console"),
        ("user.passwd", "console"),
    ]
    store.dispose()


def test_demo_creates_its_admin_once(tmp_path: Path) -> None:
    from dashboard.cli_users import ensure_demo_admin

    store = Store(f"sqlite:///{tmp_path / 'demo.db'}")
    store.upgrade()
    password = ensure_demo_admin(store)
    assert password and len(password) >= 10
    assert ensure_demo_admin(store) is None  # said once; never again
    assert [u.name for u in store.accounts.users()] == ["demo"]


@pytest.mark.parametrize(
    ("lang", "said", "never"),
    [("vi", "đã có mã tên “hall-screen”", "already exists"), ("en", "already exists", "đã có")],
)
def test_a_refused_account_change_is_said_in_the_page_language(
    app: dash.Dash, lang: str, said: str, never: str
) -> None:
    """A name already taken is refused in the page's words: never the console's English
    sentence inside a Vietnamese message."""
    admin = app.server.test_client()
    admin.get("/admin")
    key = output_key(admin, "admin-token-name.value")
    clicks = {
        "admin-create-wall.n_clicks": 1,
        "admin-create-api.n_clicks": None,
        "admin-create-open311.n_clicks": None,
    }
    state = {"admin-token-name.value": "hall-screen", "admin-lang.data": lang}
    call_callback(admin, key, clicks, state)
    notice = call_callback(admin, key, clicks, state)["admin-notice"]["children"]
    assert said in notice and never not in notice


def test_every_account_refusal_has_words_in_both_languages() -> None:
    """Each reason an account change can be refused (AccountError's code) is worded."""
    root = Path(__file__).resolve().parents[2] / "dashboard"
    source = "\n".join(p.read_text() for p in root.rglob("*.py"))
    codes = set(re.findall(r'AccountError\(\s*f?"[^"]*",\s*f?"([a-z_{}]+)"', source))
    codes |= {c.replace("{what}", w) for c in codes if "{what}" in c for w in ("user", "token")}
    codes = {c for c in codes if "{" not in c}
    assert len(codes) >= 9
    for code in codes:
        for lang in ("vi", "en"):
            assert t(f"admin.error.{code}", lang)
