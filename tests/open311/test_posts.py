"""POST requests on the Open311 server: a citizen's report lands in the desk (placed in its
ward, on /reports, in requests.json and .xml, contact details kept nowhere); every bad post
gets the spec's error list with its HTTP code and stores nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from dashboard import commands
from dashboard.auth.manage import CLI_ACTOR
from dashboard.queries.report_desk import DeskFilter, desk_page, report_detail
from tests.api.seed import NOW, REPORTS, WARD_A
from tests.open311.conftest import BASE, LAT, LON, MakeServer, Server, xml_of

CONTACT = {
    "email": "nguyen.van.a@example.vn",
    "first_name": "Thị Bí Mật",
    "last_name": "Trần-Riêng",
    "phone": "0912345678",
    "device_id": "device-7781",
    "account_id": "acct-5512",
}
GOOD = {
    "service_code": "flooding",
    "lat": LAT,
    "long": LON,
    "address_string": "12 Nguyễn Trung Trực, Phường Rạch Giá",
    "description": "Nước ngập sâu > 30 cm trước nhà, xe máy chết máy.",
    "media_url": "https://images.example.vn/ngap-12.jpg",
    "attribute[depth]": "knee",
    **CONTACT,
}


def _posted_id(response: Any) -> str:
    assert response.status_code == 200, response.data
    body = response.get_json()
    assert [sorted(b) for b in body] == [["account_id", "service_notice", "service_request_id"]]
    return str(body[0]["service_request_id"])


def test_a_posted_report_lands_in_the_desk_placed_in_its_ward(server: Server) -> None:
    rid = _posted_id(server.post(GOOD))
    with server.store.read_session() as session:
        page = desk_page(session, DeskFilter(), NOW)
        row = page.rows[page.rows["external_id"] == rid].iloc[0]
        detail = report_detail(session, int(row["id"]), NOW)
    assert page.total == len(REPORTS) + 1
    assert (row["ward"], row["category"], row["status"]) == (WARD_A, "flooding", "open")
    assert detail is not None and detail.source == "open311-server"
    assert detail.description.startswith(GOOD["description"])
    assert "Nước ngập sâu bao nhiêu?: Đến đầu gối" in detail.description  # the attribute
    assert (detail.lon, detail.lat) == (float(LON), float(LAT))
    assert detail.media_url == GOOD["media_url"]
    assert detail.address == GOOD["address_string"]


def test_a_posted_report_is_in_requests_json_and_xml_without_contact_details(
    server: Server,
) -> None:
    rid = _posted_id(server.post(GOOD))
    as_json = server.client.get(f"{BASE}/requests/{rid}.json").get_json()
    assert as_json[0]["service_request_id"] == rid
    assert as_json[0]["address"] == GOOD["address_string"]
    listed = server.client.get(f"{BASE}/requests.xml")
    found = [r for r in xml_of(listed.data) if r.findtext("service_request_id") == rid]
    assert len(found) == 1 and found[0].findtext("service_code") == "flooding"
    everything = listed.data + json.dumps(as_json, ensure_ascii=False).encode()
    with server.store.engine.connect() as conn:
        stored = repr(conn.exec_driver_sql("SELECT * FROM reports").all()).encode()
    for value in CONTACT.values():
        assert value.encode() not in everything and value.encode() not in stored


def test_a_posted_report_shows_on_the_reports_page(server: Server) -> None:
    from tests.pages.test_reports_page import _list

    server.clock[0] = NOW - timedelta(minutes=10)
    rid = _posted_id(server.post(GOOD))
    server.clock[0] = NOW
    staff: FlaskClient = server.app.server.test_client()  # an admin at the desk
    assert staff.get("/reports").status_code == 200
    rows = _list(staff, view="range=7d")["reports-desk-table"]["data"]
    assert rid in [r["external_id"] for r in rows]


def test_an_xml_body_is_taken_too(server: Server) -> None:
    body = f"""<?xml version="1.0" encoding="utf-8"?>
    <service_request><api_key>{server.key}</api_key><service_code>pothole</service_code>
      <lat>{LAT}</lat><long>{LON}</long><description>Ổ gà lớn giữa đường</description>
      <email>hidden@example.vn</email>
      <attributes><attribute><code>size</code><value>large</value></attribute></attributes>
    </service_request>"""
    r = server.client.post(f"{BASE}/requests.xml", data=body.encode(), content_type="text/xml")
    answer = xml_of(r.data)
    assert r.status_code == 200 and answer.tag == "service_requests"
    rid = answer.findtext("request/service_request_id")
    got = server.client.get(f"{BASE}/requests/{rid}.json", query_string={"lang": "en"}).get_json()
    # the answers are written in the city's language, for the desk
    assert got[0]["description"] == "Ổ gà lớn giữa đường\nỔ gà lớn cỡ nào?: Lớn hơn bánh xe ô tô"
    assert b"hidden@example.vn" not in server.client.get(f"{BASE}/requests.xml").data


def test_an_address_only_report_is_taken_and_published_without_a_point(server: Server) -> None:
    fields = {"service_code": "waste", "address_string": "Chợ Rạch Giá, cổng sau"}
    rid = _posted_id(server.post(fields))
    got = server.client.get(f"{BASE}/requests/{rid}.json").get_json()[0]
    assert (got["lat"], got["long"], got["address"]) == (None, None, fields["address_string"])


def test_a_post_notes_the_keys_use(server: Server) -> None:
    _posted_id(server.post(GOOD))
    token = next(t for t in server.store.accounts.tokens() if t.name == "citizen-app")
    assert token.last_used_at == NOW


XML_BOMB = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">
<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<service_request><description>&lol3;</description></service_request>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<service_request><service_code>waste</service_code><description>&x;</description></service_request>"""
FORM = "application/x-www-form-urlencoded; charset=utf-8"
# name -> (form fields over GOOD (None: drop the field), raw body and content type, status)
BAD: dict[str, tuple[dict[str, str | None], tuple[bytes, str] | None, int]] = {
    "no api_key": ({"api_key": None}, None, 403),
    "wrong api_key": ({"api_key": "co_not-a-key"}, None, 403),
    "unknown service_code": ({"service_code": "lava"}, None, 404),
    "no service_code": ({"service_code": None}, None, 400),
    "no location": ({"lat": None, "long": None, "address_string": None}, None, 400),
    "lat without long": ({"long": None}, None, 400),
    "null island": ({"lat": "0", "long": "0"}, None, 400),
    "not WGS84": ({"lat": "95", "long": "105"}, None, 400),
    "outside the city": ({"lat": "21.03", "long": "105.85"}, None, 400),  # Hà Nội
    "oversized description": ({"description": "x" * 4001}, None, 400),
    "HTML description": ({"description": "Ngập <script>alert(1)</script>"}, None, 400),
    "HTML entity": ({"description": "Ngập &lt;b&gt;"}, None, 400),
    "javascript media_url": ({"media_url": "javascript:alert(1)"}, None, 400),
    "unknown attribute value": ({"attribute[depth]": "ocean"}, None, 400),
    "wrong jurisdiction": ({"jurisdiction_id": "sfgov.org"}, None, 404),
    "malformed XML": ({}, (b"<service_request><service_code>waste", "text/xml"), 400),
    "XML bomb": ({}, (XML_BOMB, "text/xml"), 400),
    "XML external entity": ({}, (XXE, "application/xml"), 400),
    "JSON body": ({}, (b'{"service_code": "waste"}', "application/json"), 400),
    "latin-1 form": (
        {},
        (b"service_code=waste", "application/x-www-form-urlencoded; charset=latin-1"),
        400,
    ),
    "not UTF-8": ({}, (b"description=\xff\xfe", FORM), 400),
    "body over the bound": ({}, (b"description=" + b"x" * 70_000, FORM), 413),
}


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bad_post_gets_the_spec_error_list_and_stores_nothing(
    make_server: MakeServer, case: str, fmt: str
) -> None:
    server = make_server(jurisdiction_id="rachgia.angiang.gov.vn")
    before = {t: server.count(t) for t in ("reports", "quarantine", "source_runs")}
    over, raw, status = BAD[case]
    if raw is None:
        fields = {k: v for k, v in {"api_key": server.key, **GOOD, **over}.items() if v is not None}
        r = server.client.post(f"{BASE}/requests.{fmt}", data=fields, content_type=FORM)
    else:
        r = server.client.post(f"{BASE}/requests.{fmt}", data=raw[0], content_type=raw[1])
    assert r.status_code == status, r.data
    if fmt == "json":
        assert r.headers["Content-Type"] == "application/json; charset=utf-8"
        errors = r.get_json()
        assert [sorted(e) for e in errors] == [["code", "description"]]
        assert errors[0]["code"] == status and errors[0]["description"]
    else:
        assert r.headers["Content-Type"] == "text/xml; charset=utf-8"
        errors_xml = xml_of(r.data)
        assert errors_xml.tag == "errors" and [e.tag for e in errors_xml] == ["error"]
        assert errors_xml.findtext("error/code") == str(status)
    assert {t: server.count(t) for t in before} == before


def test_a_revoked_key_is_refused(server: Server) -> None:
    _posted_id(server.post(GOOD))
    commands.revoke_token(server.store, NOW, CLI_ACTOR, "citizen-app")
    before = server.count("reports")
    refused = server.post(GOOD)
    assert refused.status_code == 403 and refused.get_json()[0]["code"] == 403
    assert server.count("reports") == before


def test_other_kinds_of_token_cannot_post(server: Server) -> None:
    for kind in ("api", "wall"):
        made = commands.create_token(server.store, NOW, CLI_ACTOR, kind, f"other-{kind}")
        r = server.client.post(f"{BASE}/requests.json", data={**GOOD, "api_key": made.secret})
        assert r.status_code == 403, kind


def test_a_post_from_another_site_needs_no_cookie_and_borrows_none(server: Server) -> None:
    """A citizen's web app posts from its own origin: the key decides, not the session."""
    headers = {"Origin": "https://app.example.vn"}
    assert server.post(GOOD, headers=headers).status_code == 200
    admin = server.app.server.test_client()  # signed in: its cookie gives no right to post
    r = admin.post(f"{BASE}/requests.json", data=GOOD, headers=headers)
    assert r.status_code == 403


@pytest.mark.postgres
def test_the_post_flow_on_postgresql(pg_schema: str, tmp_path: Any) -> None:
    from dashboard.store import Store
    from tests.conftest import _fresh_pg_url
    from tests.open311.conftest import _make

    store = Store(_fresh_pg_url(pg_schema))
    store.upgrade()
    try:
        server = _make(store)
        rid = _posted_id(server.post(GOOD))
        got = server.client.get(f"{BASE}/requests/{rid}.json").get_json()[0]
        assert (got["status"], got["service_code"]) == ("open", "flooding")
        assert server.post({**GOOD, "service_code": "lava"}).status_code == 404
        assert server.count("reports") == len(REPORTS) + 1
    finally:
        store.dispose()
