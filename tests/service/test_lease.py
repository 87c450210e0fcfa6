"""A job that runs longer than its lease renews it while it runs, so no second worker claims it (issue 15)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from service_harness import make_settings, wait_done

import detector
from detector.service.app import create_app
from detector.service.store import Store

# Long enough that a busy machine (the suite on every core, the job's own scoring holding the GIL) does not
# starve the heartbeat thread for a whole lease: at 0.6 s the fresh-clone CI saw a second claim (stop 25).
LEASE_S = 1.5


def test_a_job_longer_than_its_lease_is_claimed_once_and_its_lease_moves_on(
    tmp_path: Path, feeders: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = detector.iter_scores

    def slow(*args: Any, **kwargs: Any) -> Iterator[Any]:
        time.sleep(3 * LEASE_S)  # e.g. reading a big upload whole: no result written meanwhile
        yield from real(*args, **kwargs)

    monkeypatch.setattr(detector, "iter_scores", slow)
    app = create_app(make_settings(tmp_path, job_lease_seconds=LEASE_S))
    two = feeders[feeders.series_id.isin(["feeder-0001", "feeder-0006"])]
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["X-API-Key"] = app.state.store.create_key("t")
        r = client.post("/v1/jobs", files={"file": ("two.parquet", two.to_parquet(index=False))})
        job_id = r.json()["id"]
        while client.get(f"/v1/jobs/{job_id}").json()["state"] == "queued":
            time.sleep(0.01)
        other = Store(app.state.settings.db_url())  # a second process's worker, polling the same database
        beats: list[datetime] = []
        claimed = []
        while (job := other.get_job(job_id)) is not None and job.state == "running":
            assert job.heartbeat_at is not None
            beats.append(job.heartbeat_at)
            if (taken := other.claim_job(timedelta(seconds=LEASE_S))) is not None:
                claimed.append(taken.id)
            time.sleep(LEASE_S / 4)
        final = wait_done(client, job_id)
    assert claimed == []
    assert final["state"] == "done"
    assert final["counts"]["done"] == 2
    assert other.get_job(job_id).attempts == 1  # type: ignore[union-attr]
    assert len(set(beats)) >= 4, beats  # renewed about every LEASE_S / 3 during the 4.5 s without a result
    assert beats == sorted(beats)
