"""Signing in and out over HTTP, sessions ending, brute force slowed, and the audit log of each
case, on both databases."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy import text

from dashboard.app import create_app
from dashboard.auth import manage
from dashboard.auth.sessions import COOKIE
from dashboard.config import AuthConfig, LoginLimits
from tests.api.seed import NOW, Seed
from tests.signin import TEST_PASSWORD, ensure_user


@dataclass
class Clock:
    now: datetime

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


def make_app(seeded: Seed, clock: Clock, **auth: object) -> dash.Dash:
    config = seeded.config.model_copy(update={"auth": AuthConfig.model_validate(auth)})
    return create_app(config, seeded.store, clock=clock)


@pytest.fixture
def web(seeded: Seed, clock: Clock) -> dash.Dash:
    ensure_user(seeded.store, "operator", "an")
    return make_app(seeded, clock)


def sign_in(client: FlaskClient, name: str, password: str, next_: str = "/wall") -> object:
    form = client.get("/login", query_string={"next": next_})
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.get_data(as_text=True))
    assert csrf, "the form carries its token"
    return client.post(
        "/login", data={"name": name, "password": password, "csrf": csrf[1], "next": next_}
    )


def audit(seeded: Seed) -> list[tuple[str, str | None, str, str | None]]:
    entries, _ = seeded.store.audit_log.page(0, 100)
    return [(e.action, e.target, e.outcome, e.actor) for e in reversed(entries)]


def test_sign_in_sets_a_secure_session_cookie_and_opens_the_pages(
    web: dash.Dash, seeded: Seed
) -> None:
    client = web.server.test_client(role=None)
    assert client.get("/wall").status_code == 302
    r = sign_in(client, "an", TEST_PASSWORD)
    assert r.status_code == 302 and r.headers["Location"] == "/wall"
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert all(flag in cookie for flag in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/"))
    assert client.get("/wall").status_code == 200
    assert client.get("/_dash-layout").status_code == 200
    assert client.get("/admin").status_code == 403  # an operator
    assert ("login", "an", "ok", "an") in audit(seeded)


def test_a_wrong_password_is_refused_and_audited_without_the_password(
    web: dash.Dash, seeded: Seed
) -> None:
    client = web.server.test_client(role=None)
    r = sign_in(client, "an", "not the password!")
    assert r.status_code == 401
    assert "Wrong user name or password" in r.get_data(as_text=True) or "Sai tên" in r.get_data(
        as_text=True
    )
    assert client.get("/_dash-layout").status_code == 401
    entries, _ = seeded.store.audit_log.page(0, 10)
    assert [(e.action, e.outcome, e.detail) for e in entries] == [
        ("login", "failed", {"reason": "wrong password"})
    ]
    assert "not the password" not in repr(entries)


def test_a_post_without_the_form_token_or_from_another_site_is_refused(web: dash.Dash) -> None:
    client = web.server.test_client(role=None)
    r = client.post("/login", data={"name": "an", "password": TEST_PASSWORD})
    assert r.status_code == 400 and COOKIE not in r.headers.get("Set-Cookie", "")
    r = client.post("/login", data={"name": "an"}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403


def test_next_never_leaves_the_site(web: dash.Dash) -> None:
    client = web.server.test_client(role=None)
    r = sign_in(client, "an", TEST_PASSWORD, next_="//evil.example/x")
    assert r.headers["Location"] == "/"


def test_sign_out_ends_the_session_on_the_server(web: dash.Dash, seeded: Seed) -> None:
    client = web.server.test_client(role=None)
    sign_in(client, "an", TEST_PASSWORD)
    stolen = client.get_cookie(COOKIE)
    assert stolen is not None
    r = client.post("/logout")
    assert r.status_code == 302 and r.headers["Location"] == "/login?reason=signed_out"
    other = web.server.test_client(role=None)
    other.set_cookie(COOKIE, stolen.value)  # a copy of the old cookie is worth nothing now
    assert other.get("/_dash-layout").status_code == 401
    assert ("logout", None, "ok", "an") in audit(seeded)


def test_a_session_ends_after_the_idle_timeout_but_not_by_refreshes(
    seeded: Seed, clock: Clock
) -> None:
    ensure_user(seeded.store, "viewer", "vy")
    app = make_app(seeded, clock, idle_timeout_min=30)
    client = app.server.test_client(role=None)
    sign_in(client, "vy", TEST_PASSWORD)
    clock.now = NOW + timedelta(minutes=20)
    assert client.get("/_dash-layout").status_code == 200  # activity: idle time restarts
    tick = {"output": "sources-table.data", "changedPropIds": ["sources-interval.n_intervals"]}
    body = {
        **tick,
        "outputs": {"id": "sources-table", "property": "data"},
        "inputs": [],
        "state": [],
    }
    for minutes in (30, 45):  # refreshes by a timer are not activity
        clock.now = NOW + timedelta(minutes=minutes)
        assert client.post("/_dash-update-component", json=body).status_code not in (401, 403)
    clock.now = NOW + timedelta(minutes=51)
    assert client.post("/_dash-update-component", json=body).status_code == 401
    assert client.get("/wall").status_code == 302


def test_disabling_a_user_or_changing_the_password_signs_them_out(
    web: dash.Dash, seeded: Seed
) -> None:
    client = web.server.test_client(role=None)
    sign_in(client, "an", TEST_PASSWORD)
    manage.change_password(seeded.store, "an", "a brand new secret", NOW, manage.CLI_ACTOR)
    assert client.get("/_dash-layout").status_code == 401
    sign_in(client, "an", "a brand new secret")
    manage.set_disabled(seeded.store, "an", True, NOW, manage.CLI_ACTOR)
    assert client.get("/_dash-layout").status_code == 401
    assert sign_in(client, "an", "a brand new secret").status_code == 401  # type: ignore[attr-defined]


def test_brute_force_locks_the_account_with_growing_delays_across_workers(
    seeded: Seed, clock: Clock
) -> None:
    ensure_user(seeded.store, "operator", "an")
    limits = LoginLimits(account_free=3, lock_base_s=30, lock_max_s=600)
    worker_a = make_app(seeded, clock, login=limits).server.test_client(role=None)
    worker_b = make_app(seeded, clock, login=limits).server.test_client(role=None)
    for client in (worker_a, worker_b, worker_a):  # two workers, one count in the store
        r = sign_in(client, "an", "guess number n")
    assert r.status_code == 429 and r.headers["Retry-After"] == "30"  # type: ignore[attr-defined]
    # locked: even the right password is refused, without being checked
    r = sign_in(worker_b, "an", TEST_PASSWORD)
    assert r.status_code == 429  # type: ignore[attr-defined]
    clock.now += timedelta(seconds=31)
    r = sign_in(worker_b, "an", "guess again!!")
    assert r.status_code == 429 and r.headers["Retry-After"] == "60"  # type: ignore[attr-defined]
    clock.now += timedelta(seconds=61)
    assert sign_in(worker_a, "an", TEST_PASSWORD).status_code == 302  # type: ignore[attr-defined]
    outcomes = [o for a, t, o, _ in audit(seeded) if a == "login" and t == "an"]
    assert outcomes == ["failed", "failed", "failed", "locked", "failed", "ok"]


def test_one_address_guessing_many_accounts_is_locked_too(seeded: Seed, clock: Clock) -> None:
    limits = LoginLimits(account_free=5, address_free=4)
    client = make_app(seeded, clock, login=limits).server.test_client(role=None)
    codes = [sign_in(client, f"user{i}", "some password").status_code for i in range(5)]  # type: ignore[attr-defined]
    assert codes == [401, 401, 401, 429, 429]


@pytest.mark.parametrize("bad", ["/wall\r\nSet-Cookie: x=1", "/wall\nX: y", "/wall\x00"])
def test_a_next_with_control_characters_goes_home_and_leaves_no_stray_session(
    web: dash.Dash, seeded: Seed, bad: str
) -> None:
    client = web.server.test_client(role=None)
    r = sign_in(client, "an", TEST_PASSWORD, next_=bad)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert client.get_cookie("x") is None and client.get_cookie(COOKIE) is not None
    with seeded.store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM auth_sessions")).scalar_one() == 1
    r = client.get("/login", query_string={"next": bad})  # signed in: straight on
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert client.get("/wall").status_code == 200
