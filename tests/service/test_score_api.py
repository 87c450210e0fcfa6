"""POST /v1/score and the system endpoints through an HTTP client: contract fields, problem+json, auth, limits."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from detector.service.app import create_app
from detector.service.ratelimit import SharedRateLimiter
from detector.service.settings import Settings
from tests.service.conftest import body_of

PROBLEM = "application/problem+json"


def test_flagged_series_answer_has_the_contract_fields(client: TestClient, mined: dict[str, Any]) -> None:
    r = client.post("/v1/score", json=mined)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["series_id"] == "feeder-0001"
    assert out["flagged"] is True
    assert out["score"] >= out["threshold"] > 0
    assert "2023-08-07" <= out["onset"][:10] <= "2023-10-07"  # the simulated rigs arrived from 7 Aug, in batches
    assert out["end"] is None  # still running at the end of the data
    assert out["excess_load"]["unit"] == "MW"
    assert out["excess_load"]["value"] > 0.5  # MW; the feeder's mean load is about 7.5 MW
    assert out["excess_load"]["rigs"] == pytest.approx(out["excess_load"]["value"] * 1000 / 3.25)
    segs = out["segments"]
    assert (segs[0]["start"], segs[-1]["end"]) == (out["onset"], out["end"])
    assert out["excess_load"]["value"] == max(s["excess_load"] for s in segs)
    assert out["evidence"]
    assert all(isinstance(e, str) and e for e in out["evidence"])
    assert all(s["evidence"] for s in segs)
    assert 0 <= out["false_alarm_rate"] <= 0.05  # flagged: few clean real loads of its context score as high
    assert out["data_quality"]["hours"] == 8760
    assert out["data_quality"]["timezone"] == "Asia/Tehran"
    models = client.get("/v1/models").json()
    assert out["model_version"] == next(m["version"] for m in models if m["default"])
    assert out["expected"] is None


def test_every_answer_gives_its_contexts_recall_by_size_and_an_unflagged_one_says_it_in_a_sentence(
    client: TestClient, mined: dict[str, Any], feeders: Any
) -> None:
    """A year of one feeder with temperature, scored alone: flagged (mined) and not (feeder-0020, clean)."""
    from detector.scoring.sensitivity import FOUND  # the counts the answers read

    found = FOUND["alone+temperature"]
    clean = client.post("/v1/score", json=body_of(feeders, "feeder-0020")).json()
    flagged = client.post("/v1/score", json=mined).json()
    assert (clean["flagged"], flagged["flagged"]) == (False, True)
    for out in (clean, flagged):
        assert [(x["share"], x["recall"], x["windows"]) for x in out["recall_by_size"]] == [
            (s, k / n, n) for s, (k, n) in found.items()
        ]
        loads = [x["load"] / x["share"] for x in out["recall_by_size"]]
        assert loads == pytest.approx([loads[0]] * 3)  # one mean load, in the answer's unit (MW)
    note = [w for w in clean["warnings"] if w.startswith("not flagged, which does not rule out a block")]
    assert len(note) == 1
    assert "(alone, with temperature)" in note[0]
    assert not any(w.startswith("not flagged") for w in flagged["warnings"])


def test_a_false_alarm_budget_sets_the_flag_by_the_answers_false_alarm_rate(
    client: TestClient, mined: dict[str, Any]
) -> None:
    default = client.post("/v1/score", json=mined).json()
    rate = default["false_alarm_rate"]
    for budget in (0.0, rate, 0.5, 1.0):
        out = client.post("/v1/score", json={**mined, "max_false_alarm": budget}).json()
        assert out["score"] == default["score"]
        assert out["flagged"] is (rate <= budget), budget
        assert (out["excess_load"]["rigs"] > 0) is out["flagged"]
    assert client.post("/v1/score", json={**mined, "max_false_alarm": 1.0}).json()["threshold"] == 0.0
    r = client.post("/v1/score", json={**mined, "max_false_alarm": 1.5})
    assert r.status_code == 422
    assert r.json()["field"] == "max_false_alarm"


def test_expected_curve_on_request(client: TestClient, short_ok: dict[str, Any]) -> None:
    out = client.post("/v1/score", json={**short_ok, "include_expected": True}).json()
    assert len(out["expected"]) == 35 * 24
    assert out["expected"][0]["timestamp"] == "2023-03-20T20:30:00Z"
    assert out["expected"][0]["load"] > 0
    assert out["flagged"] is False


def test_null_values_are_gaps(client: TestClient, short_ok: dict[str, Any]) -> None:
    values = list(short_ok["values"])
    values[10:12] = [None, None]
    r = client.post("/v1/score", json={**short_ok, "values": values})
    assert r.status_code == 200
    assert r.json()["data_quality"]["gaps_filled"] == 2


def test_unsorted_and_identical_duplicate_timestamps_are_accepted_like_the_cli(
    client: TestClient, short_ok: dict[str, Any]
) -> None:
    base = client.post("/v1/score", json=short_ok).json()
    ts, vs = list(short_ok["timestamps"]), list(short_ok["values"])
    ts[3], ts[4], vs[3], vs[4] = ts[4], ts[3], vs[4], vs[3]
    shuffled = client.post("/v1/score", json={**short_ok, "timestamps": ts, "values": vs}).json()
    assert shuffled["score"] == base["score"]
    dup = client.post("/v1/score", json={**short_ok, "timestamps": [*ts, ts[0]], "values": [*vs, vs[0]]}).json()
    assert dup["score"] == base["score"]
    assert "1 identical duplicate rows dropped" in dup["data_quality"]["warnings"]


def _with(body: dict[str, Any], field: str, index: int, value: Any) -> dict[str, Any]:
    arr = list(body[field])
    arr[index] = value
    return {**body, field: arr}


BAD_BODIES: list[tuple[str, Callable[[dict[str, Any]], dict[str, Any]], int, str, str | None, int | None]] = [
    # (case, make the body, status, detail, field, index)
    ("negative", lambda b: _with(b, "values", 5, -3.2), 422, "values[5]: load must be >= 0 (got -3.2)", "values", 5),
    (
        "wrong type",
        lambda b: _with(b, "values", 3, "abc"),
        422,
        "values[3]: Input should be a valid number",
        "values",
        3,
    ),
    (
        "bad timestamp",
        lambda b: _with(b, "timestamps", 2, "yesterday"),
        422,
        "timestamps[2]: timestamp is not an ISO 8601 date-time (got 'yesterday')",
        "timestamps",
        2,
    ),
    (
        "conflicting duplicate",
        lambda b: _with(b, "timestamps", 7, b["timestamps"][6]),
        422,
        "values[7]: conflicting values for one timestamp (values[6] has",
        "values",
        7,
    ),
    (
        "lengths differ",
        lambda b: {**b, "values": b["values"][:-1]},
        422,
        "values: must have one entry per timestamp (840); got 839",
        "values",
        None,
    ),
    (
        "threshold and a false-alarm budget",
        lambda b: {**b, "threshold": 0.5, "max_false_alarm": 0.05},
        422,
        "max_false_alarm: give threshold or max_false_alarm, not both (got 0.05)",
        "max_false_alarm",
        None,
    ),
    (
        "unknown unit",
        lambda b: {**b, "unit": "furlongs"},
        422,
        "unit: unknown unit; use one of W, kW, MW, GW, Wh, kWh, MWh, GWh (got 'furlongs')",
        "unit",
        None,
    ),
    (
        "unknown zone",
        lambda b: {**b, "timezone": "Mars/Olympus"},
        422,
        "timezone: unknown time zone; use an IANA name such as 'Asia/Tehran' (got 'Mars/Olympus')",
        "timezone",
        None,
    ),
    (
        "naive without zone",
        lambda b: {**b, "timezone": None, "timestamps": [t[:19] for t in b["timestamps"]]},
        422,
        "timestamps[0]: timestamp has no UTC offset",
        "timestamps",
        0,
    ),
    (
        "too short",
        lambda b: {**b, "timestamps": b["timestamps"][:100], "values": b["values"][:100]},
        422,
        "need >= 28 days of hourly load",
        None,
        None,
    ),
    (
        "unknown country",
        lambda b: {**b, "country": "ZZ"},
        422,
        "country: unknown holiday country 'ZZ'",
        "country",
        None,
    ),
    ("extra field", lambda b: {**b, "load": [1]}, 422, "load: Extra inputs are not permitted", "load", None),
    ("missing field", lambda b: {k: v for k, v in b.items() if k != "unit"}, 422, "unit: Field required", "unit", None),
    ("unknown model", lambda b: {**b, "model": "nope-1"}, 404, "model: no model with version 'nope-1'", "model", None),
    ("too many points", lambda b: {**b, "timestamps": ["x"] * 20_001}, 413, "timestamps: 20,001 readings", None, None),
]


@pytest.mark.parametrize(
    ("case", "make", "status", "detail", "field", "index"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES]
)
def test_bad_input_is_a_problem_naming_field_index_and_value(
    client: TestClient,
    short_ok: dict[str, Any],
    case: str,
    make: Callable[[dict[str, Any]], dict[str, Any]],
    status: int,
    detail: str,
    field: str | None,
    index: int | None,
) -> None:
    r = client.post("/v1/score", json=make(short_ok))
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["status"] == status
    assert problem["detail"].startswith(detail)
    assert problem["instance"] == "/v1/score"
    assert problem["type"].startswith("/problems/")
    if field is not None:
        assert problem["field"] == field
    assert problem.get("index") == index
    assert "Traceback" not in r.text


@pytest.mark.parametrize(("token", "shown"), [("NaN", "NaN"), ("Infinity", "Infinity"), ("-Infinity", "-Infinity")])
def test_non_finite_numbers_are_rejected_with_their_index(
    post_raw: Callable[[str], Any], short_ok: dict[str, Any], token: str, shown: str
) -> None:
    text = json.dumps(short_ok)
    values = json.dumps(short_ok["values"])
    text = text.replace(values, values.replace(str(short_ok["values"][17]), token, 1))
    r = post_raw(text)
    assert r.status_code == 422
    assert r.json()["detail"] == f"values[17]: Input should be a finite number (got {shown})"
    assert (r.json()["field"], r.json()["index"], r.json()["value"]) == ("values", 17, shown)


def test_malformed_json_is_a_400_problem(post_raw: Callable[[str], Any]) -> None:
    r = post_raw('{"unit": "kW", "values": [1, 2,')
    assert r.status_code == 400
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["title"] == "Malformed JSON"
    assert r.json()["detail"].startswith("request body is not valid JSON")


def test_oversized_body_is_413_before_it_is_read(post_raw: Callable[[str], Any]) -> None:
    r = post_raw("[" + "1," * (3 * 2**20) + "1]")  # 6 MiB against a 4 MiB limit
    assert r.status_code == 413
    assert r.json()["detail"] == "request body is larger than the limit of 4,194,304 bytes"
    assert r.json()["type"] == "/problems/payload-too-large"


def test_oversized_chunked_body_is_413_while_it_streams(client: TestClient) -> None:
    chunks = (b"[" + b"1," * 2**19 for _ in range(6))  # no Content-Length: counted as it arrives
    r = client.post("/v1/score", content=chunks, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    assert r.json()["type"] == "/problems/payload-too-large"


def test_auth_missing_unknown_and_revoked_keys(client: TestClient, short_ok: dict[str, Any]) -> None:
    r = client.post("/v1/score", json=short_ok, headers={"X-API-Key": ""})
    assert r.status_code == 401
    assert r.headers["content-type"] == PROBLEM
    assert "missing API key" in r.json()["detail"]
    assert client.get("/v1/models", headers={"X-API-Key": "dk_made_up"}).status_code == 401
    store = client.app.state.store  # type: ignore[attr-defined]
    key = store.create_key("leaver")
    assert client.get("/v1/models", headers={"X-API-Key": key}).status_code == 200
    info = next(k for k in store.list_keys() if k.name == "leaver")
    assert store.revoke_key(info.id)
    r = client.get("/v1/models", headers={"X-API-Key": key})
    assert r.status_code == 403
    assert r.json()["detail"] == f"API key {key[:10]}… was revoked"
    assert all(key not in (k.prefix, k.name) for k in store.list_keys())  # only a prefix and the hash are kept


def test_two_api_key_headers_are_refused_not_guessed(client: TestClient) -> None:
    """Which of two keys counts would be up to the proxies in between (it was the last): 400 instead."""
    store = client.app.state.store  # type: ignore[attr-defined]
    mine, theirs = store.create_key("mine"), store.create_key("theirs", tenant="other-utility")
    r = client.get("/v1/models", headers=[("X-API-Key", mine), ("X-API-Key", theirs)])
    assert r.status_code == 400
    assert r.headers["content-type"] == PROBLEM
    assert (r.json()["detail"], r.json()["field"]) == ("send one X-API-Key header (got 2)", "X-API-Key")
    assert client.get("/v1/models", headers={"X-API-Key": theirs}).status_code == 200


def test_keys_are_checked_before_any_body_is_read(client: TestClient) -> None:
    no_key = {"X-API-Key": "", "Content-Type": "application/json"}
    r = client.post("/v1/score", content=b'{"broken": ', headers=no_key)
    assert (r.status_code, r.json()["instance"]) == (401, "/v1/score")  # not 400: the JSON was never parsed
    big = client.post("/v1/score", content=b"x" * (5 * 2**20), headers=no_key)
    assert big.status_code == 401  # not 413: strangers learn nothing about limits


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path, settings_for: Callable[..., Settings]) -> None:
    app = create_app(settings_for(tmp_path, rate_limit_per_second=0.5, rate_limit_burst=3, run_worker=False))
    with TestClient(app) as c:
        c.headers["X-API-Key"] = app.state.store.create_key("greedy")
        codes = [c.get("/v1/models").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = c.get("/v1/models")
        assert r.status_code == 429
        assert r.headers["content-type"] == PROBLEM
        assert int(r.headers["Retry-After"]) in (1, 2)
        other = app.state.store.create_key("other")
        assert c.get("/v1/models", headers={"X-API-Key": other}).status_code == 200  # limits are per key


def test_the_rate_limit_holds_across_worker_processes(tmp_path: Path, settings_for: Callable[..., Settings]) -> None:
    # ``make serve`` runs a worker process per core, each its own app on the same data folder: a key's budget is
    # shared, not multiplied by the workers (a keep-alive client stays on one of them).
    settings = settings_for(tmp_path, rate_limit_per_second=0.2, rate_limit_burst=3, run_worker=False)
    first, second = create_app(settings), create_app(settings)
    with TestClient(first) as a, TestClient(second) as b:
        key = first.state.store.create_key("shared")
        a.headers["X-API-Key"] = b.headers["X-API-Key"] = key
        codes = [a.get("/v1/models").status_code, b.get("/v1/models").status_code, a.get("/v1/models").status_code]
        assert codes == [200, 200, 200]
        assert b.get("/v1/models").status_code == 429
        assert a.get("/v1/models").status_code == 429


def test_without_a_writable_bucket_file_the_limit_holds_per_process(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    limiter = SharedRateLimiter(tmp_path / "missing" / "ratelimit.sqlite", "keys", rate=0.1, burst=2)
    with caplog.at_level(logging.WARNING, logger="detector.service.ratelimit"):
        waits = [limiter.acquire("k") for _ in range(3)]
    assert waits[:2] == [0.0, 0.0]  # never refused for want of a file...
    assert waits[2] > 0  # ...and still limited
    assert "cannot use" in caplog.text
    assert "limiting per process meanwhile" in caplog.text


def test_env_keys_work_without_the_database(tmp_path: Path, settings_for: Callable[..., Settings]) -> None:
    app = create_app(settings_for(tmp_path, api_keys=["container-secret"], run_worker=False))
    with TestClient(app) as c:
        assert c.get("/v1/models", headers={"X-API-Key": "container-secret"}).status_code == 200


def test_cors_is_off_by_default(client: TestClient) -> None:
    r = client.options("/v1/score", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in r.headers


def test_cors_only_for_configured_origins(tmp_path: Path, settings_for: Callable[..., Settings]) -> None:
    app = create_app(settings_for(tmp_path, cors_origins=["https://analyst.example"], run_worker=False))
    with TestClient(app) as c:
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key"}
        ok = c.options("/v1/score", headers={"Origin": "https://analyst.example", **preflight})
        assert ok.headers["access-control-allow-origin"] == "https://analyst.example"
        other = c.options("/v1/score", headers={"Origin": "https://elsewhere.example", **preflight})
        assert "access-control-allow-origin" not in other.headers


def test_system_endpoints(client: TestClient) -> None:
    assert client.get("/healthz", headers={"X-API-Key": ""}).json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"model": True, "database": True, "worker": True, "storage": True}
    models = client.get("/v1/models").json()
    assert [m["default"] for m in models] == [True]
    assert models[0]["threshold"] > 0
    metrics = client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    assert 'detector_http_requests_total{method="GET",route="/v1/models",status="200"}' in metrics.text
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/v1/score", "/v1/jobs", "/v1/jobs/{job_id}", "/v1/jobs/{job_id}/results", "/v1/models"} <= set(
        spec["paths"]
    )
    assert spec["components"]["schemas"]["ScoreIn"]["examples"]
    body = spec["paths"]["/v1/score"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ScoreIn"}
    assert spec["components"]["schemas"]["ScoreIn"]["properties"]["values"]["type"] == "array"


def test_unknown_route_and_method_are_problems(client: TestClient) -> None:
    r = client.get("/v1/nothing-here")
    assert (r.status_code, r.headers["content-type"]) == (404, PROBLEM)
    r = client.get("/v1/score")
    assert (r.status_code, r.headers["content-type"]) == (405, PROBLEM)


@pytest.mark.parametrize("year", ["9999", "0001", "1677", "2262", "1500"])
def test_timestamps_out_of_range_are_a_422_naming_index_and_value(
    client: TestClient, short_ok: dict[str, Any], year: str
) -> None:
    stamps = list(short_ok["timestamps"])
    stamps[40] = f"{year}-06-01T00:00:00+03:30"
    r = client.post("/v1/score", json={**short_ok, "timestamps": stamps})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["detail"] == (
        f"timestamps[40]: timestamp must be between 1900-01-01 and 2199-12-31 (got '{year}-06-01T00:00:00+03:30')"
    )
    assert (problem["field"], problem["index"], problem["value"]) == ("timestamps", 40, stamps[40])


def test_an_overflowing_value_is_a_422_naming_index_and_value(client: TestClient, short_ok: dict[str, Any]) -> None:
    values = list(short_ok["values"])
    values[7] = 1e308
    r = client.post("/v1/score", json={**short_ok, "values": values})
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == "values[7]: load must be below 1e+15 (check the unit) (got 1e+308)"
    assert (r.json()["field"], r.json()["index"], r.json()["value"]) == ("values", 7, 1e308)
