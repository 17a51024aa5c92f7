"""/api/v1/latest is paged (limit, cursor) with the total in every answer."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.api.seed import WARD_A


def _pages(client: FlaskClient, **query: Any) -> list[dict[str, Any]]:
    pages, cursor = [], None
    while True:
        args = {**query, **({"cursor": cursor} if cursor else {})}
        r = client.get("/api/v1/latest", query_string=args)
        assert r.status_code == 200, r.get_json()
        pages.append(r.get_json())
        cursor = pages[-1]["next_cursor"]
        if cursor is None:
            return pages


@pytest.mark.parametrize("limit", [1, 2])
def test_paging_through_latest_covers_every_series_once(client: FlaskClient, limit: int) -> None:
    every = client.get("/api/v1/latest").get_json()
    assert every["total"] == every["count"] == 3 and every["next_cursor"] is None
    pages = _pages(client, limit=limit)
    assert len(pages) == -(-3 // limit)
    assert [p["total"] for p in pages] == [3] * len(pages)
    assert all(p["count"] == len(p["items"]) <= limit for p in pages)
    assert [i for p in pages for i in p["items"]] == every["items"]


def test_paging_keeps_the_filters(client: FlaskClient) -> None:
    pages = _pages(client, limit=1, ward=WARD_A)
    keys = [(i["asset_id"], i["metric"]) for p in pages for i in p["items"]]
    assert keys == [("light-00001", "lamp_on"), ("traffic-seg-0001", "speed_kmh")]
    assert {p["total"] for p in pages} == {2}


@pytest.mark.parametrize("query", ["cursor=not-a-cursor", "cursor=WyJhIl0", "limit=0", "limit=x"])
def test_a_bad_cursor_or_limit_is_a_400_naming_it(client: FlaskClient, query: str) -> None:
    r = client.get(f"/api/v1/latest?{query}")
    assert r.status_code == 400
    assert r.get_json()["parameter"] == query.split("=")[0]


def test_latest_paging_is_documented(client: FlaskClient) -> None:
    op = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/latest"]["get"]
    params = {p["name"]: p["schema"] for p in op["parameters"]}
    assert {"domain", "metric", "ward", "limit", "cursor"} <= set(params)
    body = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"items", "count", "total", "next_cursor"} <= set(body["required"])
