"""GET /v1/jobs/{id}/series/{series_id} (the chart's data) and the page shells, through the HTTP client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from harness import KEY, SAMPLE, wait_done


@pytest.fixture(scope="module")
def job(client: TestClient, upload: Path) -> dict[str, Any]:
    with upload.open("rb") as f:
        r = client.post(
            "/v1/jobs", files={"file": (upload.name, f)}, data={"timezone": "Asia/Tehran"}, headers={"X-API-Key": KEY}
        )
    assert r.status_code == 202, r.text
    return wait_done(lambda path: client.get(path, headers={"X-API-Key": KEY}), r.json()["id"])


def get(client: TestClient, path: str, **kwargs: Any) -> Any:
    return client.get(path, headers={"X-API-Key": KEY}, **kwargs)


def test_series_gives_hourly_load_expected_and_the_report(client: TestClient, job: dict[str, Any]) -> None:
    assert job["state"] == "done"
    r = get(client, f"/v1/jobs/{job['id']}/series/feeder-0001")
    assert r.status_code == 200, r.text
    body = r.json()
    raw = pd.read_parquet(SAMPLE / "tehran_feeders.parquet").query("series_id == 'feeder-0001'")
    assert body["unit"] == "MW"
    assert body["timezone"] == "Asia/Tehran"
    assert body["step_seconds"] == 3600
    assert len(body["load"]) == len(body["expected"]) == len(body["temperature"]) == len(raw)  # a full hourly year
    assert pd.Timestamp(body["start"]) == raw.timestamp.min()
    np.testing.assert_allclose(np.array(body["load"], dtype=float), raw.load.to_numpy(), rtol=1e-5)
    # the curve is the load without the block: it sits below the load after onset, by about the excess load
    report = body["report"]
    assert report["flagged"] is True
    onset = pd.Timestamp(report["onset"])
    after = int((onset - pd.Timestamp(body["start"])) / pd.Timedelta(hours=1)) + 24 * 7
    gap = np.nanmean(np.array(body["load"][after:], dtype=float) - np.array(body["expected"][after:], dtype=float))
    assert gap == pytest.approx(report["excess_load"]["value"], rel=0.35)
    excess = report["excess_load"]
    assert excess["rigs"] > 0
    # the count comes with its 90 % interval, the excess load's in rig equivalents
    assert excess["rigs_low"] < excess["rigs"] < excess["rigs_high"]
    assert excess["rigs_low"] / excess["rigs"] == pytest.approx(report["excess_low"] / excess["value"], rel=1e-6)
    assert report["evidence"]
    assert report["segments"][0]["evidence"]


def test_series_report_matches_the_jobs_row(client: TestClient, job: dict[str, Any]) -> None:
    rows = get(client, f"/v1/jobs/{job['id']}/results").json()["items"]
    for row in rows:
        report = get(client, f"/v1/jobs/{job['id']}/series/{row['series_id']}").json()["report"]
        assert report["score"] == pytest.approx(row["score"], abs=1e-6)
        assert report["flagged"] == row["flagged"]
        assert report["excess_load"]["value"] == pytest.approx(row["excess_load"], abs=1e-6)
        for end in ("rigs_low", "rigs_high"):  # the same interval, null on both sides unless flagged
            if row[end] is None:
                assert report["excess_load"][end] is None
                assert not row["flagged"]
            else:
                assert report["excess_load"][end] == pytest.approx(row[end], abs=0.1)
        assert report["false_alarm_rate"] == row["false_alarm_rate"]  # the list's tooltip, the page's sentence


def test_series_ids_with_a_slash_work(client: TestClient, job: dict[str, Any]) -> None:
    r = get(client, f"/v1/jobs/{job['id']}/series/north%2Ffeeder-0013")
    assert r.status_code == 200, r.text
    assert r.json()["series_id"] == "north/feeder-0013"
    assert get(client, f"/v1/jobs/{job['id']}/series/feeder-0001/plot.svg").headers["content-type"] == "image/svg+xml"
    # its plots too (they were a 404: the plot route's id stopped at the first "/")
    for fmt, kind in (("png", "image/png"), ("svg", "image/svg+xml"), ("html", "text/html; charset=utf-8")):
        plot = get(client, f"/v1/jobs/{job['id']}/series/north%2Ffeeder-0013/plot.{fmt}")
        assert (plot.status_code, plot.headers["content-type"]) == (200, kind), plot.text[:200]


def test_series_errors_are_problems(client: TestClient, job: dict[str, Any]) -> None:
    r = get(client, f"/v1/jobs/{job['id']}/series/no-such-feeder")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert "no result for series 'no-such-feeder'" in r.json()["detail"]
    assert get(client, "/v1/jobs/0123456789abcdef/series/feeder-0001").json()["detail"].startswith("no job with id")
    assert client.get(f"/v1/jobs/{job['id']}/series/feeder-0001").status_code == 401  # same keys as all of /v1


def test_series_endpoint_is_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    op = paths["/v1/jobs/{job_id}/series/{series_id}"]["get"]
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/SeriesOut"}
    assert {"404", "409", "401"} <= set(op["responses"])
    assert not any(p == "/" or p.startswith("/jobs") for p in paths)  # the HTML pages are not API


@pytest.mark.parametrize(
    ("path", "marker"),
    [
        ("/", 'data-page="upload"'),
        ("/jobs/abc123", 'data-job="abc123"'),
        ("/jobs/abc123/series?id=feeder%3C1%3E", 'data-series="feeder&lt;1&gt;"'),  # escaped, not injected
    ],
)
def test_pages_are_public_html_shells(client: TestClient, path: str, marker: str) -> None:
    r = client.get(path)  # no key: the page itself holds no data
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert marker in r.text
    assert "/static/app.js" in r.text
    assert "http" not in r.text.split("<footer")[0].replace('href="/', "")  # no CDN or other host


@pytest.mark.parametrize(
    ("asset", "kind"),
    [("app.js", "javascript"), ("style.css", "text/css"), ("vendor/uPlot.iife.min.js", "javascript")],
)
def test_static_assets_ship_with_the_package(client: TestClient, asset: str, kind: str) -> None:
    r = client.get(f"/static/{asset}")
    assert r.status_code == 200
    assert kind in r.headers["content-type"]
    assert len(r.content) > 1000
