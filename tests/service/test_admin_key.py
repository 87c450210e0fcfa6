"""The admin role (issue 15): ``detector keys create --admin`` makes a key that sees every tenant's jobs, uploads
(results, series, plots) and outcomes; other keys still see only their tenant's. The role is a column of the keys
table, shown by ``detector keys list``; a database made before it keeps working, its keys not admins.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from service_harness import job_urls, make_settings, tenant_keys, wait_done
from sqlalchemy import MetaData, Table, create_engine, inspect, text
from typer.testing import CliRunner

from detector.cli import app as cli
from detector.service.app import create_app
from detector.service.settings import Settings
from detector.service.store import Base, Store, hash_key

runner = CliRunner()
SERIES = "feeder-0006"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, feeders: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """Keys A, A2 (tenant "north"), B (alone) and an admin; A's job of one feeder, scored, with an outcome."""
    app = create_app(make_settings(tmp_path_factory.mktemp("admin")))
    with TestClient(app, raise_server_exceptions=False) as c:
        store = app.state.store
        keys = {**tenant_keys(store), "admin": store.create_key("root", admin=True)}
        upload = feeders[feeders.series_id == SERIES].to_parquet(index=False)
        r = c.post(
            "/v1/jobs",
            files={"file": ("north.parquet", upload)},
            data={"peers": "none"},
            headers={"X-API-Key": keys["a"]},
        )
        assert r.status_code == 202, r.text
        job = wait_done(c, r.json()["id"], keys["a"])
        assert job["state"] == "done", job
        outcome = {"series_id": SERIES, "outcome": "mining", "job_id": job["id"], "note": "north's rigs"}
        assert c.post("/v1/outcomes", json=outcome, headers={"X-API-Key": keys["a"]}).status_code == 201
        yield {"client": c, "keys": keys, "job": job["id"], "store": store}


def _get(service: dict[str, Any], who: str, url: str) -> Any:
    return service["client"].get(url, headers={"X-API-Key": service["keys"][who]})


def test_an_admin_sees_another_tenants_job_results_series_and_outcomes(service: dict[str, Any]) -> None:
    job = service["job"]
    for url in job_urls(job, SERIES):
        assert _get(service, "admin", url).status_code == 200, url
        assert _get(service, "b", url).status_code == 404, url  # not an admin: another tenant's job is unknown
    assert job in [j["id"] for j in _get(service, "admin", "/v1/jobs").json()["items"]]
    assert _get(service, "b", "/v1/jobs").json()["total"] == 0
    notes = [o["note"] for o in _get(service, "admin", f"/v1/outcomes?job_id={job}").json()["items"]]
    assert notes == ["north's rigs"]
    assert _get(service, "b", f"/v1/outcomes?job_id={job}").json()["items"] == []


def test_an_outcome_an_admin_records_on_a_tenants_job_belongs_to_that_tenant(service: dict[str, Any]) -> None:
    c, keys, job = service["client"], service["keys"], service["job"]
    body = {"series_id": SERIES, "outcome": "not_mining", "job_id": job, "note": "checked by head office"}
    r = c.post("/v1/outcomes", json=body, headers={"X-API-Key": keys["admin"]})
    assert r.status_code == 201, r.text
    assert r.json()["recorded_by"] == "root"
    assert "checked by head office" in [o["note"] for o in _get(service, "a2", "/v1/outcomes").json()["items"]]
    assert "checked by head office" not in _get(service, "b", "/v1/outcomes").text
    r = c.post("/v1/outcomes", json=body, headers={"X-API-Key": keys["b"]})
    assert r.status_code == 404  # B still cannot name north's job


def test_an_admins_own_job_is_its_tenants_and_hidden_from_others(service: dict[str, Any]) -> None:
    c, keys = service["client"], service["keys"]
    csv = b"series_id,timestamp,load\nm1,2024-01-01T00:00:00Z,1.0\n"
    r = c.post("/v1/jobs", files={"file": ("root.csv", csv)}, data={"unit": "kW"}, headers={"X-API-Key": keys["admin"]})
    assert r.status_code == 202, r.text
    assert _get(service, "a", f"/v1/jobs/{r.json()['id']}").status_code == 404
    assert _get(service, "admin", f"/v1/jobs/{r.json()['id']}").status_code == 200
    listed = {j["id"] for j in _get(service, "admin", "/v1/jobs").json()["items"]}
    assert {service["job"], r.json()["id"]} <= listed  # every tenant's jobs in one list


def test_keys_create_admin_on_the_cli_lists_and_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feeders: pd.DataFrame
) -> None:
    monkeypatch.setenv("DETECTOR_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "160")
    created = runner.invoke(cli, ["keys", "create", "root", "--admin"])
    assert created.exit_code == 0, created.output
    assert "admin key (sees every tenant's data) for 'root'" in created.output
    admin = re.search(r"dk_[\w-]+", created.output)
    assert admin is not None
    assert runner.invoke(cli, ["keys", "create", "anna", "--tenant", "north"]).exit_code == 0
    rows = {line.split("│")[2].strip(): line for line in runner.invoke(cli, ["keys", "list"]).output.splitlines()[3:-1]}
    assert [c.strip() for c in rows["root"].split("│")[3:5]] == ["key:1", "admin"]
    assert [c.strip() for c in rows["anna"].split("│")[3:5]] == ["north", ""]
    app = create_app(Settings(data_dir=tmp_path, run_worker=False))
    with TestClient(app) as c:
        store: Store = app.state.store
        store.add_job("j-north", "n.csv", str(tmp_path / "n.csv"), {}, 2, "north")
        anna = store.create_key("arash", tenant="north")
        alone = store.create_key("bita")
        assert c.get("/v1/jobs/j-north", headers={"X-API-Key": admin.group(0)}).status_code == 200
        assert c.get("/v1/jobs/j-north", headers={"X-API-Key": anna}).status_code == 200
        assert c.get("/v1/jobs/j-north", headers={"X-API-Key": alone}).status_code == 404


def test_a_database_from_before_admin_keys_keeps_working(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = MetaData()
    for table in Base.metadata.sorted_tables:
        Table(table.name, old, *[c._copy() for c in table.columns if c.name != "admin"])
    engine = create_engine(f"sqlite:///{tmp_path / 'detector.db'}")
    old.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO api_keys (id, name, prefix, key_hash, created_at, tenant) "
                "VALUES (1, 'anna', 'dk_old1', :h, '2024-01-01 00:00:00', 'north')"
            ),
            {"h": hash_key("dk_old-key-1")},
        )
        conn.execute(
            text(
                "INSERT INTO jobs (id, state, filename, upload_path, options, done, failed, flagged, attempts, "
                "created_at, api_key_id, tenant) VALUES ('j-south', 'done', 'f.csv', '/nowhere/f.csv', '{}', 0, 0, 0, "
                "1, '2024-01-01 00:00:00', NULL, 'south')"
            )
        )
    assert "admin" not in {c["name"] for c in inspect(engine).get_columns("api_keys")}
    engine.dispose()
    app = create_app(Settings(data_dir=tmp_path, run_worker=False))
    with TestClient(app) as c:
        h = {"X-API-Key": "dk_old-key-1"}
        assert c.get("/v1/jobs", headers=h).json()["total"] == 0  # an old key is no admin
        assert c.get("/v1/jobs/j-south", headers=h).status_code == 404
        root = app.state.store.create_key("root", admin=True)
        assert c.get("/v1/jobs/j-south", headers={"X-API-Key": root}).status_code == 200
    monkeypatch.setenv("DETECTOR_DATA_DIR", str(tmp_path))
    listed = runner.invoke(cli, ["keys", "list"])
    assert listed.exit_code == 0, listed.output
    assert "anna" in listed.output
