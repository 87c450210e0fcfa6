"""Solar Hijri timestamps on the API (issue 18): ``calendar`` on /v1/score (JSON field, CSV query parameter) and
/v1/jobs (form field); the same answers as ISO input plus onset_local/end_local, and errors naming row or index."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from service_harness import wait_done

from tests.solar_hijri_text import EVENING, mehr_site, solar_hijri_texts

TZ = "Asia/Tehran"
LOCAL = ("onset_local", "end_local")


def _hijri_texts(timestamps: list[str], persian: bool = False) -> list[str]:
    return solar_hijri_texts(pd.to_datetime(pd.Series(timestamps), utc=True, format="ISO8601"), TZ, persian)


def _without_local(out: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in out.items() if k not in LOCAL}


@pytest.fixture(scope="module")
def by_iso(client: TestClient, mined: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/score", json=mined)
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_json_body_in_solar_hijri_scores_as_iso(
    client: TestClient, mined: dict[str, Any], by_iso: dict[str, Any]
) -> None:
    body = {**mined, "timestamps": _hijri_texts(mined["timestamps"], persian=True), "calendar": "solar-hijri"}
    response = client.post("/v1/score", json=body)
    assert response.status_code == 200, response.text
    out = response.json()
    assert _without_local(out) == _without_local(by_iso)
    assert (by_iso["onset_local"], by_iso["end_local"]) == (None, None)
    assert out["flagged"] is True
    assert out["onset_local"] == _hijri_texts([out["onset"]])[0]
    assert out["end_local"] is None  # the block is still on at the end of the data


def test_csv_body_takes_calendar_as_a_query_parameter(
    client: TestClient, feeders: pd.DataFrame, by_iso: dict[str, Any]
) -> None:
    one = feeders[feeders.series_id == "feeder-0001"]
    one = one.assign(timestamp=solar_hijri_texts(one["timestamp"], TZ))
    response = client.post(
        "/v1/score?unit=MW&timezone=Asia/Tehran&calendar=solar-hijri",
        content=one[["series_id", "timestamp", "load", "temperature"]].to_csv(index=False),
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert _without_local(response.json()) == _without_local(by_iso)
    assert response.json()["onset_local"] == _hijri_texts([by_iso["onset"]])[0]


def test_bad_dates_name_index_or_row(client: TestClient, short_ok: dict[str, Any], feeders: pd.DataFrame) -> None:
    stamps = _hijri_texts(short_ok["timestamps"])
    stamps[3] = "1402/12/30 00:00"
    body = {**short_ok, "timestamps": stamps, "calendar": "solar-hijri"}
    response = client.post("/v1/score", json=body)
    assert response.status_code == 422
    assert response.json()["detail"] == "timestamps[3]: Esfand 1402 has 29 days (got '1402/12/30 00:00')"
    assert (response.json()["field"], response.json()["index"]) == ("timestamps", 3)

    one = feeders[feeders.series_id == "feeder-0006"].head(35 * 24)
    one = one.assign(timestamp=solar_hijri_texts(one["timestamp"], TZ)).astype({"timestamp": object})
    one.iloc[3, one.columns.get_loc("timestamp")] = "1402/13/01 00:00"
    response = client.post(
        "/v1/score?unit=MW&timezone=Asia/Tehran&calendar=solar-hijri",
        content=one[["series_id", "timestamp", "load"]].to_csv(index=False),
        headers={"Content-Type": "text/csv"},
    )
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "row 4, field 'timestamp': Solar Hijri months are 1 to 12 (got '1402/13/01 00:00')"
    )


def test_solar_hijri_needs_a_timezone(client: TestClient, short_ok: dict[str, Any]) -> None:
    body = {**short_ok, "timestamps": _hijri_texts(short_ok["timestamps"]), "calendar": "solar-hijri"}
    del body["timezone"]
    response = client.post("/v1/score", json=body)
    assert response.status_code == 422
    assert response.json()["detail"] == (
        'calendar: Solar Hijri timestamps are local time: give timezone (e.g. "timezone": "Asia/Tehran") '
        "(got 'solar-hijri')"
    )
    unknown = client.post("/v1/score", json={**short_ok, "calendar": "jalali"})
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "calendar"


def test_job_in_solar_hijri_has_local_dates_in_results_and_series(
    client: TestClient, feeders: pd.DataFrame, tmp_path: Path
) -> None:
    frame = feeders[feeders.series_id.isin(["feeder-0001", "feeder-0006"])]
    frame = frame.assign(timestamp=solar_hijri_texts(frame["timestamp"], TZ, persian=True))
    frame.to_csv(tmp_path / "tehran.csv", index=False)
    with open(tmp_path / "tehran.csv", "rb") as f:
        no_zone = client.post("/v1/jobs", files={"file": ("tehran.csv", f)}, data={"calendar": "solar-hijri"})
    assert no_zone.status_code == 422
    assert no_zone.json()["detail"] == (
        "calendar: Solar Hijri timestamps are local time: give the timezone form field (e.g. Asia/Tehran) "
        "(got 'solar-hijri')"
    )
    with open(tmp_path / "tehran.csv", "rb") as f:
        created = client.post(
            "/v1/jobs", files={"file": ("tehran.csv", f)}, data={"calendar": "solar-hijri", "timezone": TZ}
        )
    assert created.status_code == 202, created.text
    assert created.json()["options"]["calendar"] == "solar-hijri"
    job = wait_done(client, created.json()["id"])
    assert (job["state"], job["counts"]["failed"]) == ("done", 0)
    rows = {r["series_id"]: r for r in client.get(f"/v1/jobs/{job['id']}/results").json()["items"]}
    mined = rows["feeder-0001"]
    assert mined["flagged"] is True
    assert mined["onset_local"] == _hijri_texts([mined["onset"]])[0]
    series = client.get(f"/v1/jobs/{job['id']}/series/feeder-0001")  # read again from the upload, as the job did
    assert series.status_code == 200, series.text
    assert series.json()["report"]["onset_local"] == mined["onset_local"]
    csv_text = client.get(f"/v1/jobs/{job['id']}/results?format=csv").text
    assert csv_text.splitlines()[0].endswith(
        ",peers,onset_local,end_local,rigs_low,rigs_high,false_alarm_rate,recall_by_size"
    )


def test_verify_takes_curtailment_months_by_persian_name(client: TestClient) -> None:
    site_frame = mehr_site()  # sheds 19:00-23:00 in Mehr only (tests/claims/test_solar_hijri_months.py)
    body: dict[str, Any] = {
        "series": {"series_id": "site", "timestamps": list(site_frame.timestamp), "values": list(site_frame.load)},
        "claim": {
            "start": "2023-05-01",
            "rigs": 3077,
            "rig_model": "S19",
            "dedicated": True,
            "curtail_hours": list(EVENING),
            "curtail_months": "Mehr",
        },
        "unit": "MW",
        "timezone": TZ,
    }
    response = client.post("/v1/verify", json=body)
    assert response.status_code == 200, response.text
    curtailment = response.json()["curtailment"]
    assert (curtailment["verdict"], curtailment["months"], curtailment["calendar"]) == ("complies", [7], "solar-hijri")
    by_number = {**body, "claim": {**body["claim"], "curtail_months": [7], "curtail_calendar": "solar-hijri"}}
    assert client.post("/v1/verify", json=by_number).json()["curtailment"] == curtailment
    bad = client.post("/v1/verify", json={**body, "claim": {**body["claim"], "curtail_months": "Tir-Summer"}})
    assert bad.status_code == 422
    assert bad.json()["detail"] == (
        "claim.curtail_months: use Solar Hijri month names like Tir-Shahrivar or Tir,Mordad (Farvardin to Esfand) "
        "(got 'Tir-Summer')"
    )
