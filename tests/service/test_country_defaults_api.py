"""Over HTTP the holiday country follows `timezone` when none is sent, and the answer says so."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from service_harness import wait_done

import detector

ZONES = {"America/Chicago": "US", "Asia/Tehran": "IR", "Europe/Madrid": "ES"}


@pytest.fixture(scope="module")
def region() -> pd.DataFrame:
    """35 days of one simulated region, naive local timestamps (so `timezone` is needed), MW."""
    return detector.simulate.make_fleet(kind="region", n_series=1, days=35, seed=5, mining_share=0.0).loads


def _body(region: pd.DataFrame, tz: str | None, **extra: Any) -> dict[str, Any]:
    stamps = region.timestamp.dt.tz_convert(tz or "UTC").dt.tz_localize(None)
    body = {"unit": "MW", "timestamps": [t.isoformat() for t in stamps], "values": region.load.tolist(), **extra}
    return {**body, "timezone": tz} if tz is not None else body


@pytest.mark.parametrize("tz", list(ZONES))
def test_json_score_infers_the_country_and_says_so(client: TestClient, region: pd.DataFrame, tz: str) -> None:
    r = client.post("/v1/score", json=_body(region, tz))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["data_quality"]["country"] == ZONES[tz]
    assert f"holiday calendar: {ZONES[tz]}, inferred from the zone {tz}" in out["warnings"]


def test_a_sent_country_wins_without_a_note(client: TestClient, region: pd.DataFrame) -> None:
    out = client.post("/v1/score", json=_body(region, "America/Chicago", country="mx")).json()
    assert out["data_quality"]["country"] == "MX"
    assert not [w for w in out["warnings"] if w.startswith("holiday calendar")]


def test_csv_score_infers_the_country_from_the_timezone_parameter(client: TestClient, region: pd.DataFrame) -> None:
    body = region[["timestamp", "load"]].assign(timestamp=region.timestamp.dt.tz_convert("Europe/Madrid"))
    r = client.post(
        "/v1/score?unit=MW&timezone=Europe/Madrid",
        content=body.to_csv(index=False).encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    assert "holiday calendar: ES, inferred from the zone Europe/Madrid" in r.json()["warnings"]


def test_an_upload_without_country_scores_on_the_zones_calendar(client: TestClient, region: pd.DataFrame) -> None:
    csv = region.to_csv(index=False).encode()
    r = client.post(
        "/v1/jobs", files={"file": ("r.csv", io.BytesIO(csv))}, data={"unit": "MW", "timezone": "America/Chicago"}
    )
    assert r.status_code == 202, r.text
    assert r.json()["options"]["country"] is None  # what the caller sent; the results say what was used
    job = wait_done(client, r.json()["id"])
    assert job["state"] == "done", job
    row = client.get(f"/v1/jobs/{job['id']}/results").json()["items"][0]
    assert "holiday calendar: US, inferred from the zone America/Chicago" in row["data_quality"]


def test_naive_timestamps_without_timezone_name_the_json_field(client: TestClient, region: pd.DataFrame) -> None:
    body = _body(region, "America/Chicago")
    del body["timezone"]
    r = client.post("/v1/score", json=body)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert detail.startswith("timestamps[0]: timestamp has no UTC offset; give timezone")
    assert "tz=" not in detail  # the engine's argument, not a field of this body


def test_the_openapi_schema_documents_the_country_default(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()["components"]["schemas"]["ScoreIn"]["properties"]["country"]
    assert "default: the country of `timezone`" in schema["description"]
    assert schema.get("default") is None
