"""Input errors over HTTP carry the detector's ``ErrorCode`` as the problem member ``code``, and OpenAPI says so."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from detector import ErrorCode


def _at(body: dict[str, Any], field: str, index: int, value: Any) -> dict[str, Any]:
    return {**body, field: [*body[field][:index], value, *body[field][index + 1 :]]}


JSON_CASES: list[tuple[str, Callable[[dict[str, Any]], dict[str, Any]], ErrorCode]] = [
    ("negative load", lambda b: _at(b, "values", 5, -3.2), ErrorCode.NEGATIVE_LOAD),
    ("bad timestamp", lambda b: _at(b, "timestamps", 2, "yesterday"), ErrorCode.BAD_TIMESTAMP),
    ("conflicting duplicate", lambda b: _at(b, "timestamps", 7, b["timestamps"][6]), ErrorCode.DUPLICATE_TIMESTAMP),
    ("unknown unit", lambda b: {**b, "unit": "furlongs"}, ErrorCode.BAD_UNIT),
    (
        "naive without zone",
        lambda b: {**b, "timezone": None, "timestamps": [t[:19] for t in b["timestamps"]]},
        ErrorCode.NAIVE_TIMESTAMP,
    ),
]


@pytest.mark.parametrize(("case", "make", "code"), JSON_CASES, ids=[c[0] for c in JSON_CASES])
def test_a_json_body_input_error_names_its_code(
    client: TestClient,
    short_ok: dict[str, Any],
    case: str,
    make: Callable[[dict[str, Any]], dict[str, Any]],
    code: ErrorCode,
) -> None:
    r = client.post("/v1/score", json=make(short_ok))
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["type"] == "/problems/invalid-input"
    assert r.json()["code"] == code.value


@pytest.mark.parametrize(
    ("csv", "code"),
    [
        ("series_id,timestamp,load\nm1,2024-01-01T00:00+03:30,-1\n", ErrorCode.NEGATIVE_LOAD),
        ("series_id,load\nm1,1\n", ErrorCode.MISSING_COLUMN),
    ],
)
def test_a_csv_body_input_error_names_its_code(client: TestClient, csv: str, code: ErrorCode) -> None:
    r = client.post("/v1/score?unit=kW", content=csv, headers={"Content-Type": "text/csv"})
    assert r.status_code == 422, r.text
    assert r.json()["code"] == code.value
    assert r.json()["field"] in {"load", "timestamp"}  # the members it had before stay


def test_an_upload_option_error_names_its_code(client: TestClient) -> None:
    files = {"file": ("loads.csv", b"series_id,timestamp,load\n", "text/csv")}
    r = client.post("/v1/jobs", files=files, data={"unit": "kW", "timezone": "Mars/Olympus"})
    assert r.status_code == 422, r.text
    assert (r.json()["field"], r.json()["code"]) == ("timezone", ErrorCode.BAD_ZONE.value)


def test_a_request_shape_error_has_no_code(client: TestClient, short_ok: dict[str, Any]) -> None:
    r = client.post("/v1/score", json={**short_ok, "load": [1]})  # pydantic's check, not the detector's
    assert r.status_code == 422
    assert "code" not in r.json()


def test_openapi_documents_the_code_and_its_closed_set(client: TestClient) -> None:
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    code = schemas["Problem"]["properties"]["code"]
    refs = [s.get("$ref") for s in code.get("anyOf", [code])]
    enum = next(schemas[r.rsplit("/", 1)[1]] for r in refs if r)
    assert enum["enum"] == [c.value for c in ErrorCode]
    assert "stable name" in code["description"]
