"""GET /v1/jobs through an HTTP client: the caller's tenant's jobs, newest first, paginated by cursor."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from service_harness import make_settings, tenant_keys, wait_done

from detector.service.app import create_app

PROBLEM = "application/problem+json"
# Two readings: the worker reads the file and fails its one series at once (too little data), so jobs end fast.
TINY = b"series_id,timestamp,load\nm1,2024-03-20T00:00:00+03:30,1.5\nm1,2024-03-20T01:00:00+03:30,1.4\n"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Keys A and A2 in tenant "north", B alone; north posts four jobs (A, A2, A, A), B two, interleaved."""
    app = create_app(make_settings(tmp_path_factory.mktemp("jobs-list")))
    with TestClient(app, raise_server_exceptions=False) as c:
        keys = tenant_keys(app.state.store)
        posted: dict[str, list[str]] = {"north": [], "b": []}
        for who in ("a", "b", "a2", "a", "b", "a"):
            r = c.post(
                "/v1/jobs",
                files={"file": (f"{who}.csv", TINY, "text/csv")},
                data={"unit": "MW"},
                headers={"X-API-Key": keys[who]},
            )
            assert r.status_code == 202, r.text
            posted["b" if who == "b" else "north"].append(r.json()["id"])
        for tenant, ids in posted.items():
            for job_id in ids:
                wait_done(c, job_id, keys["b" if tenant == "b" else "a"])
        yield {"client": c, "keys": keys, "posted": posted}


def _list(service: dict[str, Any], who: str, **params: Any) -> Any:
    return service["client"].get("/v1/jobs", params=params, headers={"X-API-Key": service["keys"][who]})


def test_jobs_are_the_tenants_newest_first_with_state_counts_and_times(service: dict[str, Any]) -> None:
    r = _list(service, "a")
    assert r.status_code == 200, r.text
    page = r.json()
    assert [j["id"] for j in page["items"]] == service["posted"]["north"][::-1]
    assert (page["total"], page["limit"], page["next_cursor"], page["links"]) == (4, 50, None, {})
    created = [j["created_at"] for j in page["items"]]
    assert created == sorted(created, reverse=True)
    newest = page["items"][0]
    assert newest == _list(service, "a").json()["items"][0]  # stable
    one = service["client"].get(f"/v1/jobs/{newest['id']}", headers={"X-API-Key": service["keys"]["a"]}).json()
    assert newest == one  # the same job document as GET /v1/jobs/{id}
    assert newest["state"] == "done"
    assert newest["counts"] == {"total": 1, "done": 1, "failed": 1, "flagged": 0}
    assert newest["finished_at"] >= newest["created_at"]
    assert newest["filename"] == "a.csv"


def test_another_tenants_jobs_never_appear(service: dict[str, Any]) -> None:
    north = {j["id"] for j in _list(service, "a2").json()["items"]}
    assert north == set(service["posted"]["north"])  # A2 shares tenant north with A: the same list
    page = _list(service, "b").json()
    assert [j["id"] for j in page["items"]] == service["posted"]["b"][::-1]
    assert page["total"] == 2
    north_cursor = _list(service, "a", limit=1).json()["next_cursor"]
    assert {j["id"] for j in _list(service, "b", cursor=north_cursor).json()["items"]} <= set(service["posted"]["b"])


def test_pages_follow_the_cursor_and_a_new_job_shifts_nothing(service: dict[str, Any]) -> None:
    everything = [j["id"] for j in _list(service, "a").json()["items"]]
    first = _list(service, "a", limit=3).json()
    assert [j["id"] for j in first["items"]] == everything[:3]
    assert first["total"] == 4
    assert first["links"]["next"] == f"/v1/jobs?limit=3&cursor={first['next_cursor']}"

    c, keys = service["client"], service["keys"]
    r = c.post("/v1/jobs", files={"file": ("new.csv", TINY)}, data={"unit": "MW"}, headers={"X-API-Key": keys["a"]})
    assert r.status_code == 202, r.text  # newer than every listed job: an offset of 3 would now repeat one
    wait_done(c, r.json()["id"], keys["a"])

    second = c.get(first["links"]["next"], headers={"X-API-Key": keys["a"]}).json()
    assert [j["id"] for j in second["items"]] == everything[3:]
    assert (second["next_cursor"], second["total"]) == (None, 5)
    assert _list(service, "a", limit=1).json()["items"][0]["id"] == r.json()["id"]


@pytest.mark.parametrize(
    ("params", "field", "fragment"),
    [
        ({"limit": 0}, "limit", "greater than or equal to 1"),
        ({"limit": 501}, "limit", "less than or equal to 500"),
        ({"limit": "ten"}, "limit", "valid integer"),
        ({"cursor": "not-a-cursor"}, "cursor", "not a cursor"),
        ({"cursor": "WzEsMl0"}, "cursor", "not a cursor"),  # base64 of [1,2]: JSON, but not a cursor
    ],
)
def test_bad_paging_parameters_are_a_422_naming_the_field(
    service: dict[str, Any], params: dict[str, Any], field: str, fragment: str
) -> None:
    r = _list(service, "a", **params)
    assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM), r.text
    problem = r.json()
    assert problem["field"] == field
    assert problem["detail"].startswith(f"{field}: ")
    assert fragment in problem["detail"]
    assert problem["value"] == str(params[field])  # as sent: query values are text


def test_the_list_needs_a_key(service: dict[str, Any]) -> None:
    r = service["client"].get("/v1/jobs")
    assert (r.status_code, r.headers["content-type"]) == (401, PROBLEM)


def test_openapi_says_the_list_pages_by_cursor(service: dict[str, Any]) -> None:
    op = service["client"].get("/openapi.json").json()["paths"]["/v1/jobs"]["get"]
    assert "cursor, not offset" in op["description"]
    params = {p["name"]: p["schema"] for p in op["parameters"] if p["in"] == "query"}
    assert params["limit"]["maximum"] == 500
    assert params["limit"]["default"] == 50
    assert "cursor" in params
