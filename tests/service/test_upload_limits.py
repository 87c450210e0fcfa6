"""Bounded work per upload: decompressed bytes and data rows are counted as a job reads its upload, and a job
over a limit fails naming the limit and its value, with the server's memory flat (issue 15, the gzip bomb)."""

from __future__ import annotations

import gzip
import io
import re
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
import server_process
from fastapi.testclient import TestClient
from service_harness import make_settings, wait_done

from detector.service.app import create_app

KEY = "limits-test-key"
LINE = b"m1,2024-01-01T00:00:00Z,1.0\n"


def _peak_rss_kib(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM, Linux)."""
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    assert match is not None
    return int(match.group(1))


def _bomb(mib: int) -> bytes:
    """A .csv.gz that expands to ``mib`` MiB of valid CSV: one compressed MiB of rows, repeated as gzip members."""
    block = LINE * (2**20 // len(LINE))
    return gzip.compress(b"series_id,timestamp,load\n") + gzip.compress(block) * mib


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(make_settings(tmp_path, job_max_rows=1000, job_max_bytes=2**20))
    with TestClient(app, raise_server_exceptions=False) as c:
        c.headers["X-API-Key"] = app.state.store.create_key("t")
        yield c


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc (Linux)")
def test_gzip_bomb_fails_its_job_naming_the_limit_and_memory_stays_flat(tmp_path: Path) -> None:
    bomb = _bomb(200)
    assert len(bomb) < 2**20  # under 1 MiB uploaded, 200 MiB of CSV inside
    server = server_process.Server(tmp_path, KEY, {"DETECTOR_JOB_MAX_BYTES": str(4 * 2**20)})
    server.start()
    try:
        assert server.proc is not None
        idle = _peak_rss_kib(server.proc.pid)
        with httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}, timeout=30) as http:
            r = http.post("/v1/jobs", files={"file": ("meters.csv.gz", bomb)}, data={"unit": "kW"})
            assert r.status_code == 202
            deadline = time.monotonic() + 30
            while (job := http.get(f"/v1/jobs/{r.json()['id']}").json())["state"] not in ("done", "failed"):
                assert time.monotonic() < deadline, job
                time.sleep(0.1)
        peak = _peak_rss_kib(server.proc.pid)
    finally:
        server.stop()
    assert job["state"] == "failed"
    assert job["error"] == (
        "meters.csv.gz: over this server's limit DETECTOR_JOB_MAX_BYTES = 4,194,304 bytes of uncompressed data; "
        "split it into smaller jobs"
    )
    assert peak - idle < 64 * 1024, f"peak memory grew by {(peak - idle) // 1024} MiB (idle {idle // 1024} MiB)"
    assert peak < 2 * idle


def test_rows_over_the_limit_fail_the_job_naming_the_setting(client: TestClient) -> None:
    csv = b"series_id,timestamp,load\n" + LINE * 1001
    r = client.post("/v1/jobs", files={"file": ("many.csv", csv)}, data={"unit": "kW"})
    job = wait_done(client, r.json()["id"])
    assert job["state"] == "failed"
    assert job["error"] == (
        "many.csv: over this server's limit DETECTOR_JOB_MAX_ROWS = 1,000 data rows; split it into smaller jobs"
    )


def test_rows_at_the_limit_are_read(client: TestClient) -> None:
    csv = b"series_id,timestamp,load\n" + LINE * 1000
    r = client.post("/v1/jobs", files={"file": ("ok.csv", csv)}, data={"unit": "kW"})
    job = wait_done(client, r.json()["id"])
    assert job["state"] == "done"  # read; its one series is an error row (identical duplicates, one reading)
    assert job["counts"] == {"total": 1, "done": 1, "failed": 1, "flagged": 0}


def test_parquet_over_the_limit_fails_before_its_rows_are_decoded(client: TestClient) -> None:
    hours = pd.date_range("2024-01-01", periods=1001, freq="h", tz="UTC")
    buffer = io.BytesIO()
    pd.DataFrame({"series_id": "m1", "timestamp": hours, "load": 1.0}).to_parquet(buffer, index=False)
    r = client.post("/v1/jobs", files={"file": ("many.parquet", buffer.getvalue())}, data={"unit": "kW"})
    job = wait_done(client, r.json()["id"])
    assert job["state"] == "failed"
    assert "limit DETECTOR_JOB_MAX_ROWS = 1,000 data rows" in job["error"]
