"""Points per job (issue 15, "bounded work per upload"): a job whose upload holds more readings than
``DETECTOR_JOB_MAX_POINTS`` (data rows x values per row: load, and temperature when given) fails while it is read,
naming the limit and its setting; what was accepted before (other jobs, their results, the upload, series a
job had already written) stays.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from service_harness import make_settings, wait_done

from detector.service.app import create_app
from detector.service.jobs import JobWorker

LIMIT = 1000
ERROR = (
    "{name}: over this server's limit DETECTOR_JOB_MAX_POINTS = 1,000 points (data rows x values per row: load, and "
    "temperature when given); split it into smaller jobs"
)


@pytest.fixture(scope="module")
def month(feeders: pd.DataFrame) -> pd.DataFrame:
    """35 days of one feeder with temperature: 840 rows, 1,680 points (840 without temperature)."""
    return feeders[feeders.series_id == "feeder-0006"].head(35 * 24)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(make_settings(tmp_path, job_max_points=LIMIT))
    with TestClient(app, raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = app.state.store.create_key("t")
        yield c


def _upload(client: TestClient, name: str, frame: pd.DataFrame) -> str:
    r = client.post("/v1/jobs", files={"file": (name, frame.to_csv(index=False).encode())}, data={"peers": "none"})
    assert r.status_code == 202, r.text
    return str(r.json()["id"])


def test_an_upload_over_the_points_limit_fails_naming_it_and_nothing_accepted_is_lost(
    client: TestClient, month: pd.DataFrame, tmp_path: Path
) -> None:
    alone = _upload(client, "load-only.csv", month.drop(columns="temperature"))  # 840 points: under the limit
    first = wait_done(client, alone)
    assert first["state"] == "done", first
    rows = client.get(f"/v1/jobs/{alone}/results").json()["items"]
    assert [r["series_id"] for r in rows] == ["feeder-0006"]

    over = _upload(client, "with-temperature.csv", month)  # the same 840 rows with temperature: 1,680 points
    job = wait_done(client, over)
    assert job["state"] == "failed"
    assert job["error"] == ERROR.format(name="with-temperature.csv")
    assert job["counts"]["done"] == 0

    assert client.get(f"/v1/jobs/{alone}").json() == first  # the job accepted before: as it was
    assert client.get(f"/v1/jobs/{alone}/results").json()["items"] == rows
    assert len(list((tmp_path / "uploads").glob(f"{over}.*"))) == 1  # the refused upload is kept, not deleted
    assert {j["id"] for j in client.get("/v1/jobs").json()["items"]} == {alone, over}


def test_series_a_job_had_written_before_the_limit_stopped_it_are_kept(tmp_path: Path, month: pd.DataFrame) -> None:
    """A job resumed under a lower limit (the server restarted with a smaller DETECTOR_JOB_MAX_POINTS)."""
    settings = make_settings(tmp_path, job_max_points=LIMIT, run_worker=False)
    app = create_app(settings)
    with TestClient(app) as c:
        key = app.state.store.create_key("t")
        c.headers["X-API-Key"] = key
        job_id = _upload(c, "month.csv", month)
        store = app.state.store
        row = {"series_id": "feeder-0006", "score": 0.25, "flagged": False, "error": ""}
        assert store.add_result(job_id, "feeder-0006", row, None)  # written by an earlier start
        claimed = store.claim_job(timedelta(seconds=30))
        assert claimed is not None
        JobWorker(store, app.state.registry, settings).run(claimed)
        job = c.get(f"/v1/jobs/{job_id}").json()
        assert job["state"] == "failed"
        assert job["error"] == ERROR.format(name="month.csv")
        assert [r["series_id"] for r in c.get(f"/v1/jobs/{job_id}/results").json()["items"]] == ["feeder-0006"]
        assert job["counts"]["done"] == 1
