"""DETECTOR_JOB_ENGINE=dask: an upload is scored on a Dask cluster, with the local engine's results."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from distributed import LocalCluster
from fastapi.testclient import TestClient

from detector.service.app import create_app
from detector.service.settings import Settings


def _job_csv(settings: Settings, upload: Path, peers: str = "auto") -> str:
    app = create_app(settings)
    with TestClient(app) as c:
        c.headers["X-API-Key"] = app.state.store.create_key("t")
        options = {"timezone": "Asia/Tehran", "peers": peers}
        r = c.post("/v1/jobs", files={"file": ("up.parquet", upload.read_bytes())}, data=options)
        job_id = r.json()["id"]
        deadline = time.monotonic() + 60
        while c.get(f"/v1/jobs/{job_id}").json()["state"] not in ("done", "failed"):
            assert time.monotonic() < deadline, "job did not finish"
            time.sleep(0.05)
        counts = c.get(f"/v1/jobs/{job_id}").json()["counts"]
        assert (counts["total"], counts["done"], counts["failed"]) == (4, 4, 1)
        return c.get(f"/v1/jobs/{job_id}/results", params={"format": "csv"}).text


def test_jobs_on_dask_give_the_local_results(
    feeders: pd.DataFrame, tmp_path: Path, settings_for: Callable[..., Settings]
) -> None:
    ids = feeders.series_id.unique()[:3]
    frame = feeders[feeders.series_id.isin(ids)]
    broken = frame[frame.series_id == ids[0]].assign(series_id="broken")
    broken.loc[broken.index[9], "load"] = -2.0
    upload = tmp_path / "up.parquet"
    pd.concat([frame, broken]).to_parquet(upload, index=False)
    local = _job_csv(settings_for(tmp_path / "local"), upload, peers="none")  # the Dask engine scores alone
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        settings = settings_for(tmp_path / "dask", job_engine="dask", dask_scheduler=cluster.scheduler_address)
        assert _job_csv(settings, upload) == local
