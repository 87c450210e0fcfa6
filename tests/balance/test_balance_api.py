"""POST /v1/balance through the real HTTP client: answers, problem documents, limits, OpenAPI."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from detector.balance.simulate import BalanceSet, make_balance_set
from detector.service.app import create_app
from detector.service.settings import Settings


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("svc"),
        rate_limit_per_second=1000.0,
        rate_limit_burst=1000,
        max_points=20_000,
        max_body_bytes=16 * 2**20,
        run_worker=False,
    )
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = app.state.store.create_key("tests")
        yield c


def _series(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"id": sid, "timestamps": [t.isoformat() for t in g["timestamp"]], "values": g["load"].tolist()}
        for sid, g in frame.groupby("series_id", sort=False)
    ]


def body_of(s: BalanceSet, **extra: Any) -> dict[str, Any]:
    mapping = [{k: (v or None) for k, v in row.items()} for row in s.mapping.to_dict("records")]
    return {
        "timezone": s.tz,
        "feeder_unit": "kW",
        "meter_unit": "kW",
        "feeders": _series(s.feeders),
        "meters": _series(s.meters),
        "mapping": mapping,
        **extra,
    }


@pytest.fixture(scope="module")
def tapped() -> BalanceSet:
    """A feeder with 3 rigs tapped before its 8 meters, and a clean one; 120 days."""
    return make_balance_set(("tap", "clean"), n_meters=8, days=120, rigs=3, seed=6)


def test_tap_found_and_clean_feeder_left_alone(client: TestClient, tapped: BalanceSet) -> None:
    r = client.post("/v1/balance", json=body_of(tapped, include_daily=True))
    assert r.status_code == 200, r.text
    out = {f["feeder_id"]: f for f in r.json()["feeders"]}
    tap, clean = out["feeder-01"], out["feeder-02"]
    truth = tapped.truth.set_index("feeder_id").loc["feeder-01"]
    assert tap["rank"] == 1
    assert tap["verdict"] == "unbilled-step"
    assert tap["flagged"] is True
    assert abs(pd.Timestamp(tap["onset"]) - truth.start) <= pd.Timedelta(hours=24)
    assert tap["unbilled_load"]["unit"] == "kW"
    assert tap["unbilled_load"]["value"] == pytest.approx(truth.excess_kw, rel=0.1)
    assert tap["unbilled_load"]["rigs"] == pytest.approx(3, abs=0.5)
    assert tap["unbilled_energy"]["unit"] == "kWh"
    assert tap["shape"]["flat"] is True
    assert len(tap["shape"]["by_hour"]) == 24
    assert len(tap["daily"]) == 121  # local days straddle UTC days
    assert clean["verdict"] == "no-step"
    assert clean["shape"] is None
    assert clean["daily"] is not None


def test_meters_in_wh_with_gaps_as_null(client: TestClient, tapped: BalanceSet) -> None:
    body = body_of(tapped, meter_unit="Wh")
    for m in body["meters"]:
        m["values"] = [v * 1000 for v in m["values"]]
    body["meters"][0]["values"][100:102] = [None, None]  # a 2 h gap: interpolated
    r = client.post("/v1/balance", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["feeders"][0]["verdict"] == "unbilled-step"
    assert r.json()["feeders"][0]["unusable_hours"] == 0


def test_mapping_error_is_a_problem_naming_the_row(client: TestClient, tapped: BalanceSet) -> None:
    body = body_of(tapped)
    body["mapping"].append({"meter_id": "feeder-01-m02", "feeder_id": "feeder-02", "valid_from": "2023-05-01"})
    r = client.post("/v1/balance", json=body)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    p = r.json()
    assert p["field"] == "mapping[16].valid_from"
    assert p["value"] == "2023-05-01"
    assert p["detail"] == (
        "mapping[16].valid_from: meter 'feeder-01-m02' mapped to two feeders at once: mapping[1] maps it to "
        "'feeder-01' with no end, this row to 'feeder-02' (got '2023-05-01')"
    )


def test_bad_reading_names_series_and_index(client: TestClient, tapped: BalanceSet) -> None:
    body = body_of(tapped)
    body["meters"][3]["values"][17] = -3.2
    r = client.post("/v1/balance", json=body)
    assert r.status_code == 422
    p = r.json()
    assert (p["field"], p["index"], p["value"]) == ("meters[3].values", 17, -3.2)
    assert p["detail"] == "meters[3].values[17]: load must be >= 0 (got -3.2)"


def test_unmapped_meter_and_unknown_unit(client: TestClient, tapped: BalanceSet) -> None:
    body = body_of(tapped)
    body["mapping"] = [m for m in body["mapping"] if m["meter_id"] != "feeder-02-m05"]
    p = client.post("/v1/balance", json=body).json()
    assert p["field"] == "meters[12].id"
    assert p["detail"].startswith("meters[12].id: meter series has no mapping row")
    p = client.post("/v1/balance", json=body_of(tapped, feeder_unit="kVA")).json()
    assert p["field"] == "feeder_unit"
    assert p["status"] == 422


def test_schema_errors_and_limits(client: TestClient, tapped: BalanceSet) -> None:
    body = body_of(tapped)
    body["feeders"][0]["values"] = body["feeders"][0]["values"][:-1]
    p = client.post("/v1/balance", json=body).json()
    assert p["status"] == 422
    assert p["detail"] == "feeders[0].values: must have one entry per timestamp (2880); got 2879"
    p = client.post("/v1/balance", json={**body_of(tapped), "mapping": []}).json()
    assert p["field"] == "mapping"
    long = {"id": "f", "timestamps": ["2023-01-01T00:00:00Z"] * 20_001, "values": [1.0] * 20_001}
    r = client.post("/v1/balance", json={**body_of(tapped), "feeders": [long]})
    assert r.status_code == 413
    assert r.json()["field"] == "feeders[0].timestamps"
    r = client.post("/v1/balance", content=b"{", headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422)


def test_needs_a_key_and_is_documented(client: TestClient) -> None:
    r = client.post("/v1/balance", json={}, headers={"X-API-Key": ""})
    assert r.status_code == 401
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/v1/balance"]["post"]
    assert set(op["responses"]) >= {"200", "413", "422"}
    assert "BalanceIn" in spec["components"]["schemas"]
    assert np.isin(["feeders", "meters", "mapping"], spec["components"]["schemas"]["BalanceIn"]["required"]).all()
