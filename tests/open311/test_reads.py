"""GET on the Open311 server: discovery, services, service definitions, requests, one
request, in both spellings, against the spec's examples and JSON Schemas (fixtures/open311);
the desk's decisions as the request's status; jurisdiction and read access."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard import commands
from dashboard.auth.manage import CLI_ACTOR
from dashboard.records import REPORT_CATEGORIES, CitizenReport
from tests.api.seed import NOW, REPORTS
from tests.open311.conftest import (
    BASE,
    MakeServer,
    Server,
    check_schema,
    child_tags,
    load_schema,
    spec_xml,
    xml_of,
)

DESK_ACTOR = "test-manager"


def _get(server: Server, path: str, **query: str) -> tuple[int, bytes, str]:
    r = server.client.get(f"{BASE}/{path}", query_string=query)
    return r.status_code, r.data, r.headers["Content-Type"]


def test_both_spellings_carry_the_spec_content_types(server: Server) -> None:
    for path in ("discovery", "services", "services/flooding", "requests"):
        assert _get(server, f"{path}.json")[2] == "application/json; charset=utf-8"
        assert _get(server, f"{path}.xml")[2] == "text/xml; charset=utf-8"


def test_discovery_uses_the_spec_element_names_and_points_at_this_server(server: Server) -> None:
    status, data, _ = _get(server, "discovery.xml")
    ours, spec = xml_of(data), spec_xml("discovery.xml")
    assert status == 200 and ours.tag == spec.tag == "discovery"
    assert child_tags(ours) == child_tags(spec)
    endpoint = ours.find("endpoints/endpoint")
    assert endpoint is not None
    assert child_tags(endpoint) == child_tags(spec.find("endpoints/endpoint"))  # type: ignore[arg-type]
    assert endpoint.findtext("url") == f"http://localhost{BASE}"
    assert [f.text for f in endpoint.iter("format")] == ["text/xml", "application/json"]
    as_json = server.client.get(f"{BASE}/discovery.json").get_json()
    assert as_json["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"


def test_services_are_the_report_categories_in_the_spec_shape(server: Server) -> None:
    _, data, _ = _get(server, "services.xml")
    services = xml_of(data)
    spec_service = spec_xml("get_services.xml").find("service")
    assert spec_service is not None
    assert [s.findtext("service_code") for s in services] == list(REPORT_CATEGORIES)
    for s in services:
        assert sorted(child_tags(s)) == sorted(child_tags(spec_service))
    body = server.client.get(f"{BASE}/services.json", query_string={"lang": "en"}).get_json()
    check_schema(body, load_schema("services.json"))
    names = {s["service_code"]: s["service_name"] for s in body}
    assert names == {code: en for code, (en, _vi) in REPORT_CATEGORIES.items()}
    vi = server.client.get(f"{BASE}/services.json", headers={"Accept-Language": "vi"})
    assert vi.get_json()[0]["service_name"] == REPORT_CATEGORIES["pothole"][1]
    flagged = {s["service_code"] for s in body if s["metadata"]}
    assert flagged == {"pothole", "flooding", "streetlight"}


def test_a_service_definition_lists_its_attributes_like_the_spec(server: Server) -> None:
    _, data, _ = _get(server, "services/flooding.xml", lang="en")
    ours, spec = xml_of(data), spec_xml("get_service_definition_DMV66.xml")
    assert ours.tag == spec.tag and child_tags(ours) == child_tags(spec)
    attribute, spec_attribute = ours.find("attributes/attribute"), spec.find("attributes/attribute")
    assert attribute is not None and spec_attribute is not None
    assert child_tags(attribute) == child_tags(spec_attribute)
    assert [v.findtext("key") for v in attribute.iter("value")] == ["ankle", "knee", "above_knee"]
    body = server.client.get(f"{BASE}/services/flooding.json").get_json()
    check_schema(body, load_schema("service-definition.json"))
    assert server.client.get(f"{BASE}/services/noise.json").get_json()["attributes"] == []


def test_an_unknown_service_or_path_is_the_spec_404_error_list(server: Server) -> None:
    spec = spec_xml("error_403.xml")
    for path in ("services/lava.xml", "no-such-thing", "requests.html"):
        status, data, ctype = _get(server, path)
        errors = xml_of(data)
        assert (status, ctype) == (404, "text/xml; charset=utf-8"), path
        assert errors.tag == spec.tag and child_tags(errors[0]) == child_tags(spec[0])
        assert errors.findtext("error/code") == "404"
    as_json = server.client.get(f"{BASE}/services/lava.json")
    assert as_json.status_code == 404
    assert [sorted(e) for e in as_json.get_json()] == [["code", "description"]]


def test_requests_are_the_desks_reports_in_the_spec_element_order(server: Server) -> None:
    status, data, _ = _get(server, "requests.xml")
    requests = xml_of(data)
    spec_request = spec_xml("get_requests.xml").find("request")
    assert status == 200 and requests.tag == "service_requests"
    assert spec_request is not None
    assert len(requests) == len(REPORTS)
    for r in requests:
        assert child_tags(r) == child_tags(spec_request)
    body = server.client.get(f"{BASE}/requests.json").get_json()
    check_schema(body, load_schema("requests.json"))
    by_id = {r["service_request_id"]: r for r in body}
    assert set(by_id) == {f"sim:{r.external_id}" for r in REPORTS}  # another feed: source:id
    for report in REPORTS:
        got = by_id[f"sim:{report.external_id}"]
        assert got["status"] == ("closed" if report.status == "closed" else "open")
        assert (got["lat"], got["long"]) == (report.lat, report.lon)
        assert got["service_code"] == report.category
        assert got["requested_datetime"] == report.created_at.astimezone(
            server.config.city.tz
        ).isoformat(timespec="seconds")


def test_requests_filter_by_the_spec_arguments(server: Server) -> None:
    def ids(**query: str) -> list[str]:
        r = server.client.get(f"{BASE}/requests.json", query_string=query)
        assert r.status_code == 200, r.data
        return sorted(x["service_request_id"] for x in r.get_json())

    closed = [f"sim:{r.external_id}" for r in REPORTS if r.status == "closed"]
    assert ids(status="closed") == closed
    assert len(ids(status="open")) == len(REPORTS) - len(closed)
    assert ids(service_code="pothole,flooding") == ["sim:RG-2025-00001", "sim:RG-2025-00003"]
    # service_request_id overrides every other argument
    assert ids(service_request_id="sim:RG-2025-00002", status="closed") == ["sim:RG-2025-00002"]
    hour = NOW - timedelta(hours=2)
    assert ids(start_date=hour.isoformat()) == ["sim:RG-2025-00001"]
    assert ids(end_date=(NOW - timedelta(hours=10)).strftime("%Y-%m-%dT%H:%M:%SZ")) == closed


def test_requests_default_to_the_last_90_days(server: Server) -> None:
    old = CitizenReport(
        "OLD-1",
        "waste",
        "cũ",
        "open",
        105.08,
        10.01,
        NOW - timedelta(days=91),
        NOW - timedelta(days=91),
    )
    server.store.ingest("sim", reports=[old], now=NOW)
    listed = {
        r["service_request_id"] for r in server.client.get(f"{BASE}/requests.json").get_json()
    }
    assert "sim:OLD-1" not in listed and len(listed) == len(REPORTS)
    start = (NOW - timedelta(days=100)).isoformat()
    older = server.client.get(f"{BASE}/requests.json", query_string={"start_date": start})
    assert "sim:OLD-1" in {r["service_request_id"] for r in older.get_json()}


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "2025-01-01T00:00:00Z", "end_date": "2025-06-01T00:00:00Z"},
        {"start_date": "yesterday"},
        {"end_date": "2025-01-01T00:00:00Z", "start_date": "2025-02-01T00:00:00Z"},
        {"status": "pending"},
    ],
)
def test_a_bad_request_argument_is_a_400_error_list(server: Server, query: dict[str, str]) -> None:
    r = server.client.get(f"{BASE}/requests.json", query_string=query)
    assert r.status_code == 400
    assert r.get_json()[0]["code"] == 400


def test_one_request_and_an_unknown_one(server: Server) -> None:
    r = server.client.get(f"{BASE}/requests/sim:RG-2025-00003.xml")
    requests = xml_of(r.data)
    assert r.status_code == 200 and len(requests) == 1
    assert requests.findtext("request/service_request_id") == "sim:RG-2025-00003"
    assert requests.findtext("request/status") == "closed"
    missing = server.client.get(f"{BASE}/requests/sim:RG-2025-99999.json")
    assert missing.status_code == 404 and missing.get_json()[0]["code"] == 404


def test_the_desks_decisions_are_the_requests_status_notes_and_agency(server: Server) -> None:
    with server.store.engine.connect() as conn:
        rid = conn.exec_driver_sql(
            "SELECT id FROM reports WHERE external_id = 'RG-2025-00001'"
        ).scalar_one()
    store, later = server.store, NOW + timedelta(minutes=30)
    store.desk_action(rid, "acknowledge", actor=DESK_ACTOR, at=NOW)
    store.desk_action(rid, "comment", actor=DESK_ACTOR, at=NOW, text="Nội bộ", public=False)
    store.desk_action(rid, "comment", actor=DESK_ACTOR, at=NOW, text="Đã cử đội kiểm tra.")
    store.desk_action(rid, "assign", actor=DESK_ACTOR, at=NOW, agency="Đội duy tu đường bộ")

    def one() -> dict[str, object]:
        body = server.client.get(f"{BASE}/requests/sim:RG-2025-00001.json").get_json()
        return dict(body[0])

    acknowledged = one()
    assert acknowledged["status"] == "open"  # acknowledged is still open in Open311's words
    assert acknowledged["status_notes"] == "Đã cử đội kiểm tra."  # the public comment only
    assert acknowledged["agency_responsible"] == "Đội duy tu đường bộ"
    store.desk_action(rid, "close", actor=DESK_ACTOR, at=later, text="Đã vá xong.")
    closed = one()
    assert (closed["status"], closed["status_notes"]) == ("closed", "Đã vá xong.")
    assert closed["updated_datetime"] == later.astimezone(server.config.city.tz).isoformat(
        timespec="seconds"
    )


def test_a_configured_jurisdiction_refuses_another_one(make_server: MakeServer) -> None:
    server = make_server(jurisdiction_id="rachgia.angiang.gov.vn")
    ok = {"jurisdiction_id": "rachgia.angiang.gov.vn"}
    assert server.client.get(f"{BASE}/services.json", query_string=ok).status_code == 200
    assert server.client.get(f"{BASE}/services.json").status_code == 200  # one city: optional
    wrong = server.client.get(f"{BASE}/requests.xml", query_string={"jurisdiction_id": "sfgov.org"})
    assert wrong.status_code == 404 and xml_of(wrong.data).findtext("error/code") == "404"


def test_closed_reads_need_a_key_or_an_api_token(make_server: MakeServer) -> None:
    server = make_server(public_reads=False)
    path = f"{BASE}/requests.json"
    refused = server.client.get(path)
    assert refused.status_code == 403 and refused.get_json()[0]["code"] == 403
    assert server.client.get(path, query_string={"api_key": server.key}).status_code == 200
    api = commands.create_token(server.store, NOW, CLI_ACTOR, "api", "platform")
    bearer = {"Authorization": f"Bearer {api.secret}"}
    assert server.client.get(path, headers=bearer).status_code == 200
    wall = commands.create_token(server.store, NOW, CLI_ACTOR, "wall", "hall")
    assert server.client.get(path, query_string={"api_key": wall.secret}).status_code == 403
    commands.revoke_token(server.store, NOW, CLI_ACTOR, "citizen-app")
    assert server.client.get(path, query_string={"api_key": server.key}).status_code == 403
    assert server.client.get(f"{BASE}/discovery.json").status_code == 200  # always open


def test_a_disabled_server_serves_nothing_under_its_prefix(make_server: MakeServer) -> None:
    server = make_server(enabled=False)
    r = server.client.get(f"{BASE}/services.json")
    assert r.status_code in (302, 401, 404) and b"service_code" not in r.data


def test_the_openapi_document_describes_every_open311_route(server: Server) -> None:
    from dashboard.open311 import PREFIX, ROUTES

    staff = server.app.server.test_client()
    doc = staff.get("/api/v1/openapi.json").get_json()
    described = {p: item for p, item in doc["paths"].items() if p.startswith(PREFIX)}
    assert set(described) == {PREFIX + p for p in ROUTES}
    for path, methods in ROUTES.items():
        assert sorted(described[PREFIX + path]) == sorted(m.lower() for m in methods)
    served = {r.rule for r in server.app.server.url_map.iter_rules()}
    for path in ROUTES:  # each documented path is a rule the server has
        rule = PREFIX + path.replace("{format}", "<any(json, xml):fmt>")
        rule = rule.replace("{service_code}", "<code>").replace(
            "{service_request_id}", "<path:rid>"
        )
        assert rule in served, rule
