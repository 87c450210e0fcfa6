"""Outcomes on PostgreSQL (``DETECTOR_DATABASE_URL``): stored, listed and imported as on SQLite.

Skipped where the PostgreSQL server binaries are not installed (Debian's ``postgresql`` package).
"""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from detector.service import feedback
from detector.service.app import create_app
from detector.service.settings import Settings

FIELD = Path(__file__).resolve().parents[2] / "sample_data" / "outcomes"


def test_outcomes_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, database_url=pg_url, run_worker=False))
    with TestClient(app) as c:
        c.headers["X-API-Key"] = app.state.store.create_key("pg-analyst", tenant="north")
        body = {"series_id": "feeder-0000", "outcome": "mining", "segment_start": "2023-04-24T00:00:00+03:30"}
        r = c.post("/v1/outcomes", json=body)
        assert r.status_code == 201, r.text
        assert r.json()["segment_start"] == "2023-04-23T20:30:00Z"
        assert r.json()["recorded_by"] == "pg-analyst"
        assert c.post("/v1/outcomes", json={**body, "job_id": "nope"}).status_code == 404
        added, skipped = feedback.import_outcomes(app.state.store, FIELD / "outcomes.csv", tenant="north")
        assert (len(added), skipped) == (30, 0)
        assert feedback.import_outcomes(app.state.store, FIELD / "outcomes.csv") == ([], 30)
        page = c.get("/v1/outcomes", params={"series_id": "feeder-0000"}).json()
        assert page["total"] == 2
        assert [o["recorded_by"] for o in page["items"]] == ["pg-analyst", "field-team-north"]
        c.headers["X-API-Key"] = app.state.store.create_key("elsewhere")  # a tenant of its own
        assert c.get("/v1/outcomes").json()["total"] == 0
