"""A job's life in the server log: one JSON line when it starts, one when it ends (id, tenant, series, seconds,
outcome), through a real HTTP client and the worker thread; never the API key or the upload's path."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from service_harness import make_settings, wait_done

from detector.service.app import create_app
from detector.service.logs import JsonFormatter

WORKER = "detector.service.jobs"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("job-logs")
    app = create_app(make_settings(data_dir))
    with TestClient(app, raise_server_exceptions=False) as c:
        key = app.state.store.create_key("logger", tenant="north")
        c.headers["X-API-Key"] = key
        yield {"client": c, "key": key, "data_dir": data_dir}


def _lines(caplog: pytest.LogCaptureFixture, job_id: str) -> list[dict[str, Any]]:
    """The job's log records as the server writes them: JSON lines.

    The end line is written after the job's state is stored (it reads the state back), so a client can see
    "done" a moment before the line exists: wait for the end line, up to 10 s, rather than race the worker.
    """
    formatter = JsonFormatter()
    deadline = time.monotonic() + 10
    while True:
        lines = [
            json.loads(formatter.format(r))
            for r in caplog.records
            if r.name == WORKER and getattr(r, "fields", {}).get("job_id") == job_id
        ]
        if any(line["event"] == "job_ended" for line in lines) or time.monotonic() > deadline:
            return lines
        time.sleep(0.02)


def _assert_no_secrets(caplog: pytest.LogCaptureFixture, service: dict[str, Any]) -> None:
    text = "\n".join(JsonFormatter().format(r) for r in caplog.records)
    assert service["key"] not in text
    assert service["key"][:10] not in text  # not even the key's prefix
    assert str(service["data_dir"]) not in text
    assert "uploads" not in text


def test_a_done_job_logs_its_start_and_end(
    service: dict[str, Any], feeders: pd.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=WORKER)
    one = feeders[feeders.series_id == "feeder-0006"].head(35 * 24)
    short = one.head(2).assign(series_id="too-short")  # two readings: this series fails, the job does not
    c = service["client"]
    r = c.post("/v1/jobs", files={"file": ("two.csv", pd.concat([one, short]).to_csv(index=False))})
    assert r.status_code == 202, r.text
    job = wait_done(c, r.json()["id"])
    assert job["state"] == "done"

    started, ended = _lines(caplog, job["id"])  # exactly two lines
    assert started["event"] == "job_started"
    assert (started["tenant"], started["series"], started["attempt"], started["level"]) == ("north", 2, 1, "info")
    assert started["message"] == f"job {job['id']} started: 2 series (attempt 1)"
    assert ended["event"] == "job_ended"
    assert (ended["outcome"], ended["tenant"], ended["series"]) == ("done", "north", 2)
    assert (ended["done"], ended["failed"], ended["error"]) == (2, 1, None)
    assert ended["flagged"] == job["counts"]["flagged"]
    assert 0 < ended["seconds"] < 60
    assert ended["message"].startswith(f"job {job['id']} done: 2 series, 1 failed, ")
    _assert_no_secrets(caplog, service)


def test_a_failed_job_logs_its_reason_without_the_upload_path(
    service: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=WORKER)
    c = service["client"]
    r = c.post("/v1/jobs", files={"file": ("wrong.parquet", b"not a parquet file")})  # the reader names its path
    assert r.status_code == 202, r.text
    job = wait_done(c, r.json()["id"])
    assert job["state"] == "failed"

    started, ended = _lines(caplog, job["id"])
    assert (started["event"], started["series"]) == ("job_started", None)  # the upload could not be read
    assert (ended["event"], ended["outcome"], ended["level"]) == ("job_ended", "failed", "warning")
    assert ended["series"] is None
    assert ended["error"] == job["error"]  # the reason the client sees, naming the file as uploaded
    assert "cannot read file" in ended["error"]
    assert "'wrong.parquet'" in ended["error"]  # not the path it is stored under
    assert ended["seconds"] >= 0
    _assert_no_secrets(caplog, service)
