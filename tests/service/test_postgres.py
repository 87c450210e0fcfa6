"""The same service on PostgreSQL through ``DETECTOR_DATABASE_URL``: a throwaway cluster on loopback.

Skipped where the PostgreSQL server binaries are not installed (Debian's ``postgresql`` package).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from service_harness import wait_done

from detector.service.app import create_app
from detector.service.settings import Settings
from detector.service.store import Store


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
        job = wait_done(c, job_id, timeout=30)
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
