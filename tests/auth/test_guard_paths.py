"""What the guard decides for addresses spelled another way, for API tokens outside the API,
and for `GET /logout`."""

from __future__ import annotations

from collections.abc import Callable

import dash
import flask
import pytest

from dashboard.auth.access import ROUTER_OUTPUT, AccessMap
from dashboard.auth.guard import ACCESS, authenticates_itself
from dashboard.auth.keys import digest
from dashboard.auth.sessions import COOKIE
from tests.auth.conftest import Caller, context_of, dependencies


def spellings(path: str) -> list[str]:
    """Other addresses Dash's router serves the page at `path` for (it strips slashes)."""
    return [f"{path}/", f"{path}//", f"/{path}", f"//{path}/"]


def get_raw(who: Caller, path: str) -> int:
    # The raw PATH_INFO: a test client would read "//admin" as a host name.
    r = who.client.get("/", headers=who.headers, environ_overrides={"PATH_INFO": path})
    return int(r.status_code)


@pytest.mark.parametrize("kind", ["viewer", "wall_token"])
def test_a_refused_page_is_refused_at_every_spelling_of_its_address(
    app: dash.Dash, caller: Callable[[str], Caller], kind: str
) -> None:
    who = caller(kind)
    access: AccessMap = app.server.extensions[ACCESS]
    router = next(d for d in dependencies(app) if d["output"] == ROUTER_OUTPUT)
    refused = [p for p in access.pages if get_raw(who, p) == 403]
    assert "/admin" in refused
    wrong = {}
    for page in refused:
        for spelling in spellings(page):
            if (status := get_raw(who, spelling)) != 403:
                wrong[f"GET {spelling}"] = status
            if (status := who.callback(router, spelling).status_code) != 403:
                wrong[f"router {spelling}"] = status
    assert wrong == {}
    allowed = next(p for p in access.pages if p not in refused)
    assert get_raw(who, f"{allowed}/") == 200
    assert who.callback(router, f"/{allowed}/").status_code == 200


def test_an_api_token_reads_the_api_and_nothing_else(
    app: dash.Dash, caller: Callable[[str], Caller]
) -> None:
    token = caller("api_token")
    access: AccessMap = app.server.extensions[ACCESS]
    assert token.get("/api/v1/kpis").status_code == 200
    paths = ["/_dash-layout", "/_dash-dependencies", "/_reload-hash", "/", "/nowhere"]
    wrong = {p: s for p in [*paths, *access.pages] if (s := get_raw(token, p)) != 403}
    for dep in dependencies(app)[:5]:
        if (status := token.callback(dep, "/wall").status_code) != 403:
            wrong[dep["output"][:60]] = status
    assert wrong == {}


def test_get_logout_signs_out_and_never_serves_the_page_shell(
    app: dash.Dash, caller: Callable[[str], Caller]
) -> None:
    nobody = caller("anonymous")
    r = nobody.get("/logout")
    assert r.status_code == 302 and r.headers["Location"].startswith("/login")
    viewer = caller("viewer")
    cookie = viewer.client.get_cookie(COOKIE)
    assert cookie is not None
    session = context_of(app).store.accounts.session(digest(cookie.value))
    assert session is not None
    viewer.client.role = None  # signed out stays signed out (see tests/signin.py)
    for ahead in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Purpose": "prefetch"}):
        r = viewer.client.get("/logout", headers=ahead)
        assert r.status_code == 302 and r.headers["Location"] == "/login"
    assert viewer.client.head("/logout").status_code == 302
    assert viewer.get("/wall").status_code == 200, "another site's link does not sign out"
    r = viewer.get("/logout")
    assert r.status_code == 302 and r.headers["Location"] == "/login?reason=signed_out"
    assert context_of(app).store.accounts.session(session.id_hash) is None
    assert viewer.get("/wall").status_code == 302, "signed out"


def test_only_a_blueprint_declared_to_check_its_own_callers_skips_the_sign_in(
    app: dash.Dash, caller: Callable[[str], Caller]
) -> None:
    plain = flask.Blueprint("test_plain", __name__)
    plain.add_url_rule("/test-plain", "plain", lambda: "plain")
    own = flask.Blueprint("test_own", __name__)
    own.add_url_rule("/test-own", "own", lambda: "own")
    app.server.register_blueprint(plain)
    authenticates_itself(app.server, own)
    anonymous = caller("anonymous")
    assert anonymous.get("/test-plain").status_code == 401
    assert anonymous.get("/test-own").status_code == 200
    # the FIWARE notification routes are declared so; their prefix opens nothing else (an
    # address no route takes is a page address: anonymous goes to the sign-in page)
    for path in ("/ngsi/v2/notify/", "/ngsi-ld/v1/notify/x/more"):
        refused = anonymous.get(path)
        assert refused.status_code == 302 and "/login" in refused.headers["Location"]
