"""Outcomes on PostgreSQL (``DETECTOR_DATABASE_URL``): stored, listed and imported as on SQLite.

Skipped where the PostgreSQL server binaries are not installed (Debian's ``postgresql`` package).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from detector.service import feedback
from detector.service.app import create_app
from detector.service.settings import Settings

INITDB = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
FIELD = Path(__file__).resolve().parents[2] / "sample_data" / "outcomes"


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


def test_outcomes_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, database_url=pg_url, run_worker=False))
    with TestClient(app) as c:
        c.headers["X-API-Key"] = app.state.store.create_key("pg-analyst")
        body = {"series_id": "feeder-0000", "outcome": "mining", "segment_start": "2023-04-24T00:00:00+03:30"}
        r = c.post("/v1/outcomes", json=body)
        assert r.status_code == 201, r.text
        assert r.json()["segment_start"] == "2023-04-23T20:30:00Z"
        assert r.json()["recorded_by"] == "pg-analyst"
        assert c.post("/v1/outcomes", json={**body, "job_id": "nope"}).status_code == 404
        added, skipped = feedback.import_outcomes(app.state.store, FIELD / "outcomes.csv")
        assert (len(added), skipped) == (30, 0)
        assert feedback.import_outcomes(app.state.store, FIELD / "outcomes.csv") == ([], 30)
        page = c.get("/v1/outcomes", params={"series_id": "feeder-0000"}).json()
        assert page["total"] == 2
        assert [o["recorded_by"] for o in page["items"]] == ["pg-analyst", "field-team-north"]
