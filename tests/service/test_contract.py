"""The OpenAPI document says what the server does (issue 15, finding 7: drift Schemathesis found).

Each test walks the served document, so a new operation is covered without editing this file.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

PROBLEM = "application/problem+json"
PROBLEM_CONTENT = {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}}
METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()  # type: ignore[no-any-return]


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, op)
        for path, ops in spec["paths"].items()
        if path.startswith("/v1/")
        for method, op in ops.items()
        if method in METHODS
    ]


def _url(path: str) -> str:
    """A concrete URL for a documented path (every path parameter "x", the plot as PNG)."""
    return path.replace("{fmt}", "png").replace("{job_id}", "x").replace("{series_id}", "x")


def test_every_error_of_every_v1_operation_is_documented_as_problem_json(spec: dict[str, Any]) -> None:
    ops = _operations(spec)
    assert len(ops) >= 12
    for path, method, op in ops:
        codes = set(op["responses"])
        assert {"400", "401", "403", "429"} <= codes, (method, path)  # the Gate answers these everywhere
        assert ("415" in codes) == ("requestBody" in op), (method, path)
        for code, response in op["responses"].items():
            if int(code) >= 400:
                assert response["content"] == PROBLEM_CONTENT, (method, path, code)
    assert "Problem" in spec["components"]["schemas"]
    assert "HTTPValidationError" not in spec["components"]["schemas"]


@pytest.mark.parametrize("path", ["/v1/score", "/v1/outcomes", "/v1/balance", "/v1/verify"])
def test_malformed_json_is_the_documented_400_problem(client: TestClient, spec: dict[str, Any], path: str) -> None:
    r = client.post(path, content=b'{"unit": ', headers={"Content-Type": "application/json"})
    assert (r.status_code, r.headers["content-type"]) == (400, PROBLEM)
    assert r.json()["type"] == "/problems/malformed-json"
    assert spec["paths"][path]["post"]["responses"]["400"]["content"] == PROBLEM_CONTENT


@pytest.mark.parametrize(
    ("url", "path", "detail"),
    [
        (
            "/v1/jobs/x/results?limit=0",
            "/v1/jobs/{job_id}/results",
            "limit: Input should be greater than or equal to 1",
        ),
        (
            "/v1/jobs/x/series/x/plot.gif",
            "/v1/jobs/{job_id}/series/{series_id}/plot.{fmt}",
            "fmt: Input should be 'png', 'svg' or 'html'",
        ),
    ],
)
def test_results_and_plot_send_their_422_as_the_problem_json_they_document(
    client: TestClient, spec: dict[str, Any], url: str, path: str, detail: str
) -> None:
    r = client.get(url)
    assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM)
    assert r.json()["detail"].startswith(detail)
    assert spec["paths"][path]["get"]["responses"]["422"]["content"] == PROBLEM_CONTENT


def test_allow_lists_every_method_of_the_path(client: TestClient, spec: dict[str, Any]) -> None:
    assert spec["paths"]["/v1/outcomes"].keys() >= {"get", "post"}  # the path the finding named
    for path, ops in spec["paths"].items():
        r = client.options(_url(path))
        assert r.status_code == 405, path
        documented = {m.upper() for m in ops if m in METHODS}
        assert set(r.headers["allow"].split(", ")) == documented, path


def _examples(spec: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """Every documented request body example: (path, media type, example), from the media type or its schema."""
    found = []
    for path, method, op in _operations(spec):
        for media, content in op.get("requestBody", {}).get("content", {}).items():
            ref = content.get("schema", {}).get("$ref", "")
            schema = spec["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}) if ref else {}
            values = [
                *([content["example"]] if "example" in content else []),
                *(e["value"] for e in content.get("examples", {}).values()),
                *schema.get("examples", []),
            ]
            found += [(f"{method} {path}", media, v) for v in values]
    return found


def test_every_documented_request_example_is_accepted(client: TestClient, spec: dict[str, Any]) -> None:
    examples = _examples(spec)
    assert {(where, media) for where, media, _ in examples} == {
        ("post /v1/score", "application/json"),
        ("post /v1/score", "text/csv"),
        ("post /v1/outcomes", "application/json"),
        ("post /v1/balance", "application/json"),
    }
    for where, media, example in examples:
        method, path = where.split(" ")
        body = example.encode() if isinstance(example, str) else None
        r = client.request(method, path, content=body, json=None if body else example, headers={"Content-Type": media})
        assert r.status_code < 300, (where, media, r.text)


@pytest.mark.parametrize("sent", ["text/plain", "application/xml", None])
def test_a_body_of_another_media_type_is_a_415_naming_what_the_route_takes(
    client: TestClient, spec: dict[str, Any], sent: str | None
) -> None:
    posts = [(path, op) for path, method, op in _operations(spec) if method == "post"]
    assert len(posts) == 5
    for path, op in posts:
        takes = " or ".join(op["requestBody"]["content"])
        headers = {"Content-Type": sent} if sent else {}
        r = client.post(path, content=b'{"series_id": "x"}', headers=headers)
        assert (r.status_code, r.headers["content-type"]) == (415, PROBLEM), (path, r.text)
        got = f"'{sent}'" if sent else "None"
        assert r.json()["detail"] == f"Content-Type: this operation takes {takes} (got {got})"
        assert r.json()["field"] == "Content-Type"


def test_a_media_type_with_parameters_is_still_that_type(client: TestClient) -> None:
    body = b'{"series_id": "feeder-0001", "outcome": "not_inspected"}'
    r = client.post("/v1/outcomes", content=body, headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status_code == 201, r.text


def test_the_balance_body_documents_its_own_series_model(spec: dict[str, Any]) -> None:
    """/v1/verify's series model was also named SeriesIn and replaced /v1/balance's in the document."""
    schemas = spec["components"]["schemas"]
    feeder = schemas["BalanceIn"]["properties"]["feeders"]["items"]["$ref"].rsplit("/", 1)[-1]
    assert set(schemas[feeder]["required"]) == {"id", "timestamps", "values"}
    series = schemas["VerifyIn"]["properties"]["series"]["$ref"].rsplit("/", 1)[-1]
    assert "series_id" in schemas[series]["properties"]


def test_a_repeated_query_parameter_is_a_422_not_its_last_value(client: TestClient) -> None:
    r = client.get("/v1/outcomes?series_id=a&series_id=b")
    assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM)
    assert r.json()["detail"] == "series_id: give this query parameter once (got 2 values)"


def test_a_json_score_body_takes_no_query_parameters(client: TestClient, spec: dict[str, Any]) -> None:
    body = spec["components"]["schemas"]["ScoreIn"]["examples"][0]
    r = client.post("/v1/score?threshold=0.1", json=body)
    assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM)
    assert r.json()["detail"] == (
        "threshold: query parameters go with a text/csv body; a JSON body names its options in the body (got '0.1')"
    )


@pytest.mark.parametrize(("field", "value"), [("include_expected", 0), ("threshold", "0.5")])
def test_json_bodies_take_the_json_types_they_document(
    client: TestClient, spec: dict[str, Any], field: str, value: object
) -> None:
    body = {**spec["components"]["schemas"]["ScoreIn"]["examples"][0], field: value}
    r = client.post("/v1/score", json=body)
    assert r.status_code == 422, r.text
    kind = "boolean" if field == "include_expected" else "number"
    assert r.json()["detail"] == f"{field}: Input should be a valid {kind} (got {value!r})"
