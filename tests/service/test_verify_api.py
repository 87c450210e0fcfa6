"""POST /v1/verify through the HTTP client: the verdict contract, the plot, and problem+json on bad input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

CLAIMS = Path(__file__).resolve().parents[2] / "sample_data" / "claims" / "province.parquet"
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def province() -> pd.DataFrame:
    return pd.read_parquet(CLAIMS)


def _series(frame: pd.DataFrame, sid: str) -> dict[str, Any]:
    one = frame[frame.series_id == sid]
    return {"series_id": sid, "timestamps": [t.isoformat() for t in one.timestamp], "values": one.load.tolist()}


def _body(province: pd.DataFrame, sid: str, peers: tuple[str, ...] = (), **claim: Any) -> dict[str, Any]:
    return {
        "series": _series(province, sid),
        "peers": [_series(province, p) for p in peers],
        "claim": {"start": "2023-05-22", "rigs": 22869, "rig_model": "S19", **claim},
        "unit": "MW",
        "timezone": "Asia/Tehran",
    }


def test_a_true_claim_is_consistent_with_interval_and_rigs(client: TestClient, province: pd.DataFrame) -> None:
    r = client.post("/v1/verify", json=_body(province, "county-A", peers=("county-E", "county-F")))
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["verdict"], out["finding"], out["unit"]) == ("consistent", "matches", "MW")
    assert out["observed"]["low"] <= 74.3 <= out["observed"]["high"]
    assert out["rigs"]["claimed"] == 22869
    assert out["rigs"]["kw_per_rig"] == 3.25
    assert out["claimed"] == pytest.approx(22869 * 3.25 / 1000)
    assert len(out["hourly_excess"]) == 24
    assert out["curtailment"] is None
    assert any("2 peer series" in reason for reason in out["reasons"])


def test_a_phantom_fleet_is_inconsistent_given_temperature_and_undecidable_without(
    client: TestClient, province: pd.DataFrame
) -> None:
    body = _body(province, "county-B")
    bare = client.post("/v1/verify", json=body).json()
    assert bare["verdict"] == "undecidable"
    assert any("this data cannot tell them apart" in r for r in bare["reasons"])
    body["series"]["temperature"] = province[province.series_id == "county-B"].temperature.tolist()
    out = client.post("/v1/verify", json=body).json()
    assert (out["verdict"], out["finding"]) == ("inconsistent", "too little")
    assert out["observed"]["high"] < 0.85 * out["claimed"]


def test_plot_of_the_check(client: TestClient, province: pd.DataFrame) -> None:
    r = client.post("/v1/verify?format=png", json=_body(province, "county-B"))
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/png"
    assert r.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_claim_field_is_a_problem_naming_it(client: TestClient, province: pd.DataFrame) -> None:
    r = client.post("/v1/verify", json=_body(province, "county-B", rigs=-5))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["detail"] == "claim.rigs: must be a positive number (got -5.0)"
    assert r.json()["field"] == "claim.rigs"


def test_a_curtailment_month_range_outside_the_year_is_a_problem_naming_it(
    client: TestClient, province: pd.DataFrame
) -> None:
    r = client.post("/v1/verify", json=_body(province, "county-B", curtail_hours=[19], curtail_months="6-13"))
    assert r.status_code == 422
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["detail"] == (
        "claim.curtail_months: range '6-13' ends at 13, outside 1..12; use months like 6-9 or 6,7,8 (1 = January) "
        "(got '6-13')"
    )
    assert r.json()["field"] == "claim.curtail_months"


def test_bad_peer_reading_names_the_peer_and_index(client: TestClient, province: pd.DataFrame) -> None:
    body = _body(province, "county-A", peers=("county-E",))
    body["peers"][0]["timestamps"][5] = "yesterday"
    r = client.post("/v1/verify", json=body)
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["detail"].startswith("peers[0].timestamps[5]: ")
    assert problem["field"] == "peers[0].timestamps"
    assert problem["index"] == 5


def test_unknown_field_in_the_claim_is_refused(client: TestClient, province: pd.DataFrame) -> None:
    r = client.post("/v1/verify", json=_body(province, "county-B", miners=5))
    assert r.status_code == 422
    assert r.json()["detail"].startswith("claim.miners: Extra inputs are not permitted")


def test_verify_needs_a_key(client: TestClient) -> None:
    r = client.post("/v1/verify", json={}, headers={"X-API-Key": ""})
    assert r.status_code == 401


def test_seasonal_curtailment_over_http(client: TestClient, province: pd.DataFrame) -> None:
    body = _body(province, "site-3", rigs=2900, rig_model="S19j Pro", dedicated=True, curtail_hours=[19, 20, 21, 22])
    body["claim"]["curtail_months"] = [6, 7, 8, 9]
    out = client.post("/v1/verify", json=body).json()
    assert out["curtailment"]["verdict"] == "complies"
    assert out["curtailment"]["months"] == [6, 7, 8, 9]
    body["claim"]["curtail_months"] = [13]
    r = client.post("/v1/verify", json=body)
    assert r.status_code == 422
    assert r.json()["detail"] == "claim.curtail_months: months must be 1..12 (got 13)"
