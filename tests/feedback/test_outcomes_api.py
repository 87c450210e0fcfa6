"""POST/GET /v1/outcomes through the HTTP client: the contract, exact problems on bad input, past results kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from detector.feedback import read_outcomes
from detector.feedback.outcomes import OutcomeFileError

BODY: dict[str, Any] = {
    "series_id": "feeder-0000",
    "outcome": "mining",
    "job_id": None,
    "segment_start": "2023-04-23T20:30:00Z",
    "model_version": None,
    "note": "about 150 S19s in a shed",
}


def test_post_stores_the_outcome_with_who_and_when(client: TestClient) -> None:
    before = datetime.now().astimezone()
    r = client.post("/v1/outcomes", json=BODY)
    assert r.status_code == 201, r.text
    got = r.json()
    assert isinstance(got["id"], int)
    assert {k: got[k] for k in BODY} == BODY
    assert got["recorded_by"] == "analyst-1"  # the API key's name
    assert datetime.fromisoformat(got["recorded_at"]) >= before.replace(microsecond=0)
    assert got["inspected_at"] is None
    listed = client.get("/v1/outcomes", params={"series_id": "feeder-0000"}).json()
    assert got in listed["items"]


def test_outcome_on_a_job_takes_the_jobs_model_version(client: TestClient, job: dict[str, Any]) -> None:
    body = {**BODY, "series_id": "feeder-0003", "job_id": job["id"], "segment_start": None, "note": None}
    r = client.post("/v1/outcomes", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["model_version"] == job["model_version"]
    assert r.json()["job_id"] == job["id"]


@pytest.mark.parametrize(
    ("change", "status", "kind", "detail"),
    [
        (
            {"outcome": "maybe"},
            422,
            "invalid-input",
            "outcome: Input should be 'mining', 'not_mining' or 'not_inspected' (got 'maybe')",
        ),
        ({"job_id": "nope"}, 404, "unknown-job", "field 'job_id': no job with this id (got 'nope')"),
        (
            {"segment_start": "2023-04-23T20:30"},
            422,
            "invalid-input",
            "segment_start: Input should have timezone info (got '2023-04-23T20:30')",
        ),
        (
            {"segment_start": "last tuesday"},
            422,
            "invalid-input",
            "segment_start: not an ISO 8601 date-time, e.g. 2023-09-03T05:30:00Z (got 'last tuesday')",
        ),
        (
            {"segment_start": "2999-01-01T00:00:00Z"},
            422,
            "invalid-input",
            "field 'segment_start': is in the future (got '2999-01-01T00:00:00+00:00')",
        ),
        ({"series_id": ""}, 422, "invalid-input", "series_id: String should have at least 1 character (got '')"),
        ({"inspector": "me"}, 422, "invalid-input", "inspector: Extra inputs are not permitted (got 'me')"),
    ],
)
def test_bad_outcomes_are_problems_naming_field_and_value(
    client: TestClient, change: dict[str, Any], status: int, kind: str, detail: str
) -> None:
    total = client.get("/v1/outcomes").json()["total"]
    r = client.post("/v1/outcomes", json={**BODY, **change})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == f"/problems/{kind}"
    assert r.json()["detail"] == detail
    assert client.get("/v1/outcomes").json()["total"] == total  # nothing stored


def test_series_not_in_the_job_and_a_conflicting_model_version(client: TestClient, job: dict[str, Any]) -> None:
    r = client.post("/v1/outcomes", json={**BODY, "series_id": "feeder-9999", "job_id": job["id"]})
    assert r.status_code == 404
    assert r.json()["type"] == "/problems/unknown-series"
    assert r.json()["detail"] == f"field 'series_id': job {job['id']} has no result for this series (got 'feeder-9999')"
    r = client.post("/v1/outcomes", json={**BODY, "job_id": job["id"], "model_version": "other-1"})
    assert r.status_code == 422
    assert r.json()["detail"] == (
        f"field 'model_version': job {job['id']} was scored with model {job['model_version']!r} (got 'other-1')"
    )


def test_list_filters_by_job_and_pages(client: TestClient, job: dict[str, Any]) -> None:
    for sid in ("feeder-0010", "feeder-0011", "feeder-0012"):
        assert client.post("/v1/outcomes", json={**BODY, "series_id": sid, "job_id": job["id"]}).status_code == 201
    page = client.get("/v1/outcomes", params={"job_id": job["id"], "limit": 2, "offset": 1}).json()
    assert page["total"] >= 3
    assert page["limit"] == 2
    assert page["offset"] == 1
    assert len(page["items"]) == 2
    assert all(o["job_id"] == job["id"] for o in page["items"])
    ids = [o["id"] for o in client.get("/v1/outcomes", params={"job_id": job["id"]}).json()["items"]]
    assert ids == sorted(ids)  # in the order recorded
    assert client.get("/v1/outcomes", params={"limit": 0}).status_code == 422


def test_outcomes_need_a_key(client: TestClient) -> None:
    r = client.post("/v1/outcomes", json=BODY, headers={"X-API-Key": ""})
    assert r.status_code == 401


def test_outcomes_never_change_past_results(client: TestClient, job: dict[str, Any]) -> None:
    url = f"/v1/jobs/{job['id']}/results"
    before = client.get(url, params={"limit": 1000}).json()
    for item in before["items"][:5]:
        assert (
            client.post(
                "/v1/outcomes",
                json={**BODY, "series_id": item["series_id"], "job_id": job["id"], "outcome": "not_mining"},
            ).status_code
            == 201
        )
    after = client.get(url, params={"limit": 1000}).json()
    assert after == before
    assert {item["model_version"] for item in after["items"]} == {job["model_version"]}


def test_nul_characters_are_refused_before_the_database(client: TestClient) -> None:
    r = client.post("/v1/outcomes", json={**BODY, "note": "a\x00b"})
    assert r.status_code == 422
    assert r.json()["detail"] == "field 'note': contains a NUL character (got 'a\\x00b')"


@pytest.mark.parametrize("number", [0, "0", 1.5e9])
def test_a_number_is_no_segment_start(client: TestClient, number: object) -> None:
    r = client.post("/v1/outcomes", json={"series_id": "feeder-0001", "outcome": "mining", "segment_start": number})
    assert (r.status_code, r.headers["content-type"]) == (422, "application/problem+json")
    body = r.json()
    assert body["detail"] == f"segment_start: not an ISO 8601 date-time, e.g. 2023-09-03T05:30:00Z (got {number!r})"
    assert (body["field"], body["value"]) == ("segment_start", number)
    listed = client.get("/v1/outcomes", params={"series_id": "feeder-0001"}).json()
    assert all(o["segment_start"] != "1970-01-01T00:00:00Z" for o in listed["items"])


def test_a_number_is_no_segment_start_in_an_outcome_table_either() -> None:
    table = pd.DataFrame({"series_id": ["feeder-0001"], "outcome": ["mining"], "segment_start": [0]})
    with pytest.raises(OutcomeFileError) as caught:
        read_outcomes(table, recorded_by="tests")
    assert str(caught.value) == (
        "row 1, field 'segment_start': not an ISO 8601 date-time, e.g. 2024-03-20T09:00+03:30 (got 0); nothing imported"
    )
