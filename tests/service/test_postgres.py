"""The same service on PostgreSQL through ``DETECTOR_DATABASE_URL``: a throwaway cluster on loopback.

Skipped where the PostgreSQL server binaries are not installed (Debian's ``postgresql`` package).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from detector.service.app import create_app
from detector.service.settings import Settings
from detector.service.store import Store

INITDB = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


def _run(cmd: list[str]) -> None:
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []  # initdb refuses to run as root
    subprocess.run(as_user + cmd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    if not INITDB:
        pytest.skip("PostgreSQL server binaries not installed")
    pytest.importorskip("psycopg")
    bindir = INITDB[-1].parent
    root = Path(tempfile.mkdtemp(prefix="detector-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = root / "data"
    _run([str(bindir / "initdb"), "-D", str(data), "-U", "detector", "--auth=trust", "-E", "UTF8"])
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    _run([str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"])
    try:
        yield f"postgresql+psycopg://detector@127.0.0.1:{port}/postgres"
    finally:
        _run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)


def _wait(client: TestClient, job_id: str) -> dict[str, object]:
    for _ in range(600):
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(job)


def test_jobs_keys_and_restart_on_postgresql(
    pg_url: str, tmp_path: Path, settings_for: Callable[..., Settings], short_ok: dict[str, object]
) -> None:
    settings = settings_for(tmp_path, database_url=pg_url)
    csv = b"series_id,timestamp,load\n" + b"".join(
        f"m{i},{t},{v}\n".encode()
        for i in range(2)
        for t, v in zip(short_ok["timestamps"], short_ok["values"], strict=True)  # type: ignore[call-overload]
    )
    app = create_app(settings)
    with TestClient(app) as c:
        key = app.state.store.create_key("pg")
        c.headers["X-API-Key"] = key
        assert c.post("/v1/score", json=short_ok).status_code == 200
        r = c.post("/v1/jobs", files={"file": ("two.csv", csv)}, data={"unit": "MW", "timezone": "Asia/Tehran"})
        job_id = r.json()["id"]
        job = _wait(c, job_id)
        assert (job["state"], job["counts"]) == ("done", {"total": 2, "done": 2, "failed": 0, "flagged": 0})
        first = c.get(f"/v1/jobs/{job_id}/results").json()["items"]
    with TestClient(create_app(settings)) as c:  # restart: same database server
        c.headers["X-API-Key"] = key
        assert c.get(f"/v1/jobs/{job_id}/results").json()["items"] == first
        store: Store = c.app.state.store  # type: ignore[attr-defined]
        assert store.claim_job(timedelta(seconds=30)) is None  # nothing left to claim
        info = store.list_keys()[0]
        assert store.revoke_key(info.id)
        assert c.get("/v1/models").status_code == 403
