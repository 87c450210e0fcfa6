"""POST /v1/score with a text/csv body through an HTTP client: the `detector score` table of one series, options
as query parameters; the same answer as the JSON body, and every bad body a problem naming row, field and value."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PROBLEM = "application/problem+json"
CSV = {"Content-Type": "text/csv"}


def _csv(frame: pd.DataFrame, columns: tuple[str, ...] = ("series_id", "timestamp", "load", "temperature")) -> str:
    return frame[list(columns)].to_csv(index=False)


def _post(client: TestClient, body: str | bytes, query: str = "unit=MW&timezone=Asia/Tehran") -> Any:
    return client.post(f"/v1/score?{query}", content=body, headers=CSV)


@pytest.fixture(scope="module")
def short(feeders: pd.DataFrame) -> pd.DataFrame:
    """35 days of one feeder (offsets in the timestamps, MW)."""
    return feeders[feeders.series_id == "feeder-0006"].head(35 * 24).reset_index(drop=True)


def test_a_csv_body_scores_exactly_as_the_json_body(
    client: TestClient, feeders: pd.DataFrame, mined: dict[str, Any]
) -> None:
    one = feeders[feeders.series_id == "feeder-0001"]
    by_csv = client.post(
        "/v1/score?unit=MW&timezone=Asia/Tehran&include_expected=true",
        content=_csv(one),
        headers={"Content-Type": "text/csv; charset=utf-8"},
    )
    assert by_csv.status_code == 200, by_csv.text
    by_json = client.post("/v1/score", json={**mined, "include_expected": True})
    assert by_json.status_code == 200, by_json.text
    assert by_csv.json() == by_json.json()
    assert by_csv.json()["flagged"] is True  # feeder-0001 has rigs
    assert len(by_csv.json()["expected"]) == len(one)


def test_series_id_and_unit_may_come_from_the_query_or_the_table(client: TestClient, short: pd.DataFrame) -> None:
    bare = _csv(short, ("timestamp", "load"))  # no series_id, no temperature: the JSON body's defaults
    r = _post(client, bare, "unit=MW&series_id=pasted-feeder")
    assert r.status_code == 200, r.text
    assert (r.json()["series_id"], r.json()["excess_load"]["unit"]) == ("pasted-feeder", "MW")
    assert _post(client, bare, "unit=MW").json()["series_id"] == "series"

    with_unit = _csv(short, ("series_id", "timestamp", "load", "unit"))  # the file contract's unit column
    r = _post(client, with_unit, "country=ir&threshold=0.5")
    assert r.status_code == 200, r.text
    assert (r.json()["series_id"], r.json()["threshold"], r.json()["excess_load"]["unit"]) == ("feeder-0006", 0.5, "MW")
    r = _post(client, with_unit, "max_false_alarm=1")  # every score is within a budget of 100 %
    assert (r.json()["threshold"], r.json()["flagged"]) == (0.0, True)


def _bad_load(short: pd.DataFrame, row: int, value: object) -> str:
    frame = short.astype({"load": object})
    frame.loc[row - 1, "load"] = value  # data row N is frame row N - 1
    return _csv(frame)


@pytest.mark.parametrize(
    ("row", "value", "reported", "reason"),
    [
        (17, -3.2, -3.2, "load must be >= 0"),
        (5, "abc", "abc", "load is not a number"),
        (40, "1e20", 1e20, "load must be below"),
    ],
)
def test_a_bad_reading_names_its_row_field_and_value(
    client: TestClient, short: pd.DataFrame, row: int, value: object, reported: object, reason: str
) -> None:
    r = _post(client, _bad_load(short, row, value))
    assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM), r.text
    problem = r.json()
    assert (problem["row"], problem["field"]) == (row, "load")
    assert problem["detail"].startswith(f"row {row}, field 'load': {reason}"), problem["detail"]
    assert problem["value"] == reported


@pytest.mark.parametrize(
    ("body", "status", "field", "fragment"),
    [
        (b"", 400, "body", "cannot read CSV"),
        (b"\xff\xfeseries_id,timestamp,load\n", 400, "body", "can't decode"),
        (b'timestamp,load\n"2024-03-20T00:00:00+03:30,1.5\n', 400, "body", "EOF inside string"),
        (b"series_id,timestamp,kwh\nm1,2024-03-20T00:00:00+03:30,1.5\n", 422, "load", "required column missing"),
        (b"timestamp,load,load\n2024-03-20T00:00:00+03:30,1.5,1.6\n", 422, "load", "appears 2 times"),
        (b"timestamp,load\n2024-03-20 00:00,1.5\n", 422, "timestamp", "row 1, field 'timestamp'"),
        (b"series_id,timestamp,load\n,2024-03-20T00:00:00+03:30,1.5\n", 422, "series_id", "row 1, field 'series_id'"),
    ],
)
def test_an_unreadable_or_malformed_table_is_a_problem(
    client: TestClient, body: bytes, status: int, field: str, fragment: str
) -> None:
    r = _post(client, body, "unit=MW")  # no timezone: the naive timestamp has no zone
    assert (r.status_code, r.headers["content-type"]) == (status, PROBLEM), r.text
    assert r.json()["field"] == field
    assert fragment in r.json()["detail"]


# Text that looks a little like the table (its header and its kinds of cells), and arbitrary bytes.
_CELLS = st.sampled_from(
    ["series_id", "timestamp", "load", "temperature", "unit", "m1", "2024-03-20T00:00", "1.5", "-1"]
)
_LINES = st.lists(st.one_of(_CELLS, st.text(max_size=12)), min_size=1, max_size=5).map(",".join)
_BODIES = st.one_of(st.lists(_LINES, max_size=6).map("\n".join).map(str.encode), st.binary(max_size=200))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(body=_BODIES)
def test_no_csv_body_is_a_server_error(client: TestClient, body: bytes) -> None:
    r = _post(client, body)
    assert r.status_code in (400, 413, 422), (body, r.status_code, r.text)
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["detail"]


def test_a_second_series_is_refused_at_its_first_row(client: TestClient, short: pd.DataFrame) -> None:
    frame = short.copy()
    frame.loc[100:, "series_id"] = "feeder-0007"
    r = _post(client, _csv(frame))
    assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM), r.text
    problem = r.json()
    assert (problem["row"], problem["field"], problem["value"]) == (101, "series_id", "feeder-0007")
    assert problem["detail"].startswith("row 101, field 'series_id': a CSV body holds one series")
    assert "POST /v1/jobs" in problem["detail"]

    r = _post(client, _csv(short), "unit=MW&timezone=Asia/Tehran&series_id=other")
    assert r.status_code == 422, r.text
    assert (r.json()["field"], r.json()["value"]) == ("series_id", "other")


@pytest.mark.parametrize(
    ("query", "field", "fragment"),
    [
        ("unit=MW&tz=Asia/Tehran", "tz", "unknown query parameter; a CSV body takes series_id, unit, timezone"),
        ("unit=kWx&timezone=Asia/Tehran", "unit", "unknown unit"),
        ("unit=MW&timezone=Mars/Base", "timezone", "unknown time zone"),
        ("unit=MW&timezone=Asia/Tehran&threshold=2", "threshold", "less than or equal to 1"),
        ("unit=MW&timezone=Asia/Tehran&country=XX", "country", "unknown holiday country"),
        ("unit=MW&timezone=Asia/Tehran&include_expected=maybe", "include_expected", "valid boolean"),
        ("timezone=Asia/Tehran", "unit", "the unit is required"),
    ],
)
def test_bad_query_parameters_are_a_422_naming_the_parameter(
    client: TestClient, short: pd.DataFrame, query: str, field: str, fragment: str
) -> None:
    r = _post(client, _csv(short), query)
    assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM), r.text
    assert r.json()["field"] == field
    assert fragment in r.json()["detail"], r.json()["detail"]


def test_unknown_model_too_little_data_and_too_many_rows(client: TestClient, short: pd.DataFrame) -> None:
    r = _post(client, _csv(short), "unit=MW&timezone=Asia/Tehran&model=nope")
    assert (r.status_code, r.headers["content-type"]) == (404, PROBLEM), r.text
    r = _post(client, _csv(short.head(24 * 10)))
    assert (r.status_code, r.headers["content-type"]) == (422, PROBLEM), r.text
    assert r.json()["type"] == "/problems/insufficient-data"
    many = pd.concat([short] * 24, ignore_index=True)  # 20,160 rows: over this client's max_points of 20,000
    r = _post(client, _csv(many))
    assert (r.status_code, r.headers["content-type"]) == (413, PROBLEM), r.text
    assert r.json()["detail"] == "body: 20,160 readings in one series; the limit is 20,000"


def test_openapi_documents_both_media_types_and_the_csv_parameters(client: TestClient) -> None:
    op = client.get("/openapi.json").json()["paths"]["/v1/score"]["post"]
    content = op["requestBody"]["content"]
    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/ScoreIn"}
    assert content["text/csv"]["schema"]["type"] == "string"
    assert content["text/csv"]["example"].startswith("series_id,timestamp,load,temperature,unit\n")
    params = {p["name"]: p for p in op["parameters"] if p["in"] == "query"}
    expected = {"series_id", "unit", "timezone", "model", "country", "threshold", "include_expected", "calendar"}
    expected |= {"max_false_alarm"}  # added in stop 39: an addition to the contract
    assert set(params) == expected
    assert all(p["description"].startswith("text/csv body only") for p in params.values())
