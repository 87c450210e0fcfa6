"""The real server process on a free loopback port: network round trip, and kill -9 in the middle of a job."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
import server_process

from detector.service.store import RUNNING, Store

KEY = "process-test-key"


class Server(server_process.Server):
    """``detector serve`` with this test's key and one-second job leases (a killed worker's job is retaken fast)."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir, KEY, {"DETECTOR_JOB_LEASE_SECONDS": "1"})


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server(tmp_path)
    srv.start()
    yield srv
    srv.stop()


def test_scores_over_the_network(server: Server, mined: dict[str, Any]) -> None:
    with httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}, timeout=30) as http:
        r = http.post("/v1/score", json=mined)
        assert r.status_code == 200
        assert r.json()["flagged"] is True
        assert http.get("/v1/models", headers={"X-API-Key": "wrong"}).status_code == 401
        assert http.get("/docs").status_code == 200


# Not marked slow (about 12 s) on purpose: issue 5 asks for this crash test in the default CI suite.
def test_job_killed_mid_way_resumes_after_restart(server: Server, feeders: pd.DataFrame, tmp_path: Path) -> None:
    big = pd.concat([feeders.assign(series_id=feeders.series_id + f"-{i}") for i in range(3)])
    path = tmp_path / "fleet.parquet"
    big.to_parquet(path, index=False)
    n = big.series_id.nunique()
    http = httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}, timeout=30)
    with path.open("rb") as f:
        job_id = http.post("/v1/jobs", files={"file": ("fleet.parquet", f)}, data={"timezone": "Asia/Tehran"})
    job_id = job_id.json()["id"]
    deadline = time.monotonic() + 60
    while http.get(f"/v1/jobs/{job_id}").json()["counts"]["done"] < 3:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    server.kill()

    store = Store(f"sqlite:///{tmp_path / 'detector.db'}")
    job = store.get_job(job_id)
    assert job is not None
    assert job.state == RUNNING
    assert 3 <= job.done < n, "the job should have been cut off in the middle"
    written = store.done_series(job_id)
    store.engine.dispose()

    server.start()  # same data directory, new process
    deadline = time.monotonic() + 120
    while (state := http.get(f"/v1/jobs/{job_id}").json())["state"] not in ("done", "failed"):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert state["state"] == "done", state
    assert state["attempts"] == 2
    assert state["counts"]["total"] == state["counts"]["done"] == n
    rows = http.get(f"/v1/jobs/{job_id}/results", params={"limit": 1000}).json()["items"]
    assert len({r["series_id"] for r in rows}) == len(rows) == n  # nothing lost, nothing twice
    assert written <= {r["series_id"] for r in rows}
    http.close()
