"""Tenant isolation through the HTTP client: a key sees only its tenant's jobs, results, series, plots, outcomes.

Another tenant's job answers 404 exactly as a job that does not exist, so ids do not leak. A database made
before tenants keeps working: its rows go to the key that created them (see
``detector.service.database.add_tenants``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from service_harness import job_urls, make_settings, tenant_keys, wait_done
from sqlalchemy import MetaData, Table, create_engine, text
from typer.testing import CliRunner

from detector.cli import app as cli
from detector.service.app import create_app
from detector.service.settings import Settings
from detector.service.store import Base, Store, hash_key

SERIES = ["feeder-0001", "feeder-0006"]
ENV_KEY = "dk_settings-key-for-ownership-tests"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, feeders: pd.DataFrame) -> Iterator[dict[str, Any]]:
    """Keys A and A2 in tenant "north", B alone, a settings key; A's job of two feeders, scored."""
    settings = make_settings(tmp_path_factory.mktemp("own"), api_keys=[ENV_KEY])
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as c:
        store = app.state.store
        keys = {**tenant_keys(store), "env": ENV_KEY}
        frame = feeders[feeders.series_id.isin(SERIES)]
        r = c.post(
            "/v1/jobs",
            files={"file": ("north.parquet", frame.to_parquet(index=False))},
            data={"peers": "none"},
            headers={"X-API-Key": keys["a"]},
        )
        assert r.status_code == 202, r.text
        job = wait_done(c, r.json()["id"], keys["a"])
        assert job["state"] == "done", job
        yield {"client": c, "keys": keys, "job": job["id"], "app": app}


def _get(service: dict[str, Any], who: str, url: str, **kwargs: Any) -> Any:
    return service["client"].get(url, headers={"X-API-Key": service["keys"][who]}, **kwargs)


def test_another_tenant_gets_404_on_every_job_route(service: dict[str, Any]) -> None:
    job = service["job"]
    for url in job_urls(job, "feeder-0001"):
        assert _get(service, "a", url).status_code == 200, url
        assert _get(service, "a2", url).status_code == 200, url  # same tenant: shared on purpose
        for who in ("b", "env"):
            r = _get(service, who, url)
            assert r.status_code == 404, (who, url, r.text)
            assert r.headers["content-type"] == "application/problem+json"
            unknown = _get(service, who, url.replace(job, "f" * 32))
            assert json.loads(r.text.replace(job, "f" * 32)) == unknown.json()  # word for word as an unknown id


def test_every_openapi_path_with_a_job_id_hides_another_tenants_job(service: dict[str, Any]) -> None:
    paths = service["client"].get("/openapi.json").json()["paths"]
    walked = 0
    for path, ops in paths.items():
        if "{job_id}" not in path or "get" not in ops:
            continue
        url = path.replace("{job_id}", service["job"]).replace("{series_id}", "feeder-0001").replace("{fmt}", "png")
        assert _get(service, "a", url).status_code == 200, url
        r = _get(service, "b", url)
        assert (r.status_code, r.json()["detail"]) == (404, f"no job with id {service['job']!r}"), url
        walked += 1
    assert walked >= 4  # job, results, series, plot


def test_outcomes_belong_to_the_tenant(service: dict[str, Any]) -> None:
    c, keys, job = service["client"], service["keys"], service["job"]
    on_job = {"series_id": "feeder-0001", "outcome": "mining", "job_id": job, "note": "north's rigs"}
    r = c.post("/v1/outcomes", json=on_job, headers={"X-API-Key": keys["b"]})
    assert r.status_code == 404
    assert r.json()["detail"] == f"field 'job_id': no job with this id (got {job!r})"
    assert c.post("/v1/outcomes", json=on_job, headers={"X-API-Key": keys["a"]}).status_code == 201
    mine = {"series_id": "b-meter", "outcome": "not_mining", "note": "bita's own"}
    assert c.post("/v1/outcomes", json=mine, headers={"X-API-Key": keys["b"]}).status_code == 201

    def listed(who: str, **params: str) -> list[str | None]:
        page = _get(service, who, "/v1/outcomes", params=params).json()
        assert page["total"] == len(page["items"])
        return [o["note"] for o in page["items"]]

    assert listed("a") == ["north's rigs"]
    assert listed("a2") == ["north's rigs"]
    assert listed("b") == ["bita's own"]
    assert listed("b", job_id=job) == []
    assert listed("b", series_id="feeder-0001") == []
    assert listed("env") == []


def test_results_csv_of_a_tenant_only_lists_its_series(service: dict[str, Any]) -> None:
    text_a = _get(service, "a", f"/v1/jobs/{service['job']}/results", params={"format": "csv"}).text
    assert sorted(line.split(",")[0] for line in text_a.splitlines()[1:]) == SERIES
    assert _get(service, "b", f"/v1/jobs/{service['job']}/results", params={"format": "csv"}).status_code == 404


def test_keys_list_shows_tenants_and_tenant_names_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETECTOR_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(cli, ["keys", "create", "anna", "--tenant", "north"]).exit_code == 0
    assert runner.invoke(cli, ["keys", "create", "bita"]).exit_code == 0
    listed = runner.invoke(cli, ["keys", "list"]).output
    assert "north" in listed
    assert "key:2" in listed  # bita's own tenant
    bad = runner.invoke(cli, ["keys", "create", "mallory", "--tenant", "key:1"])
    assert bad.exit_code == 2
    assert "--tenant: tenant must be 1-100 characters without ':' or control characters (got 'key:1')" in bad.output


def _old_database(path: Path) -> None:
    """A database as the service made it before tenants: no tenant columns, two keys, three jobs, outcomes."""
    old = MetaData()
    for table in Base.metadata.sorted_tables:
        columns = [c._copy() for c in table.columns if c.name != "tenant"]
        Table(table.name, old, *columns)
    engine = create_engine(f"sqlite:///{path}")
    old.create_all(engine)
    now = "2024-01-01 00:00:00"
    with engine.begin() as conn:
        for i, name in ((1, "anna"), (2, "bita")):
            conn.execute(
                text("INSERT INTO api_keys (id, name, prefix, key_hash, created_at) VALUES (:i, :n, :p, :h, :t)"),
                {"i": i, "n": name, "p": f"dk_old{i}", "h": hash_key(f"dk_old-key-{i}"), "t": now},
            )
        for job, key in (("job-anna", 1), ("job-bita", 2), ("job-settings", None)):
            conn.execute(
                text(
                    "INSERT INTO jobs (id, state, filename, upload_path, options, done, failed, flagged, attempts, "
                    "created_at, api_key_id) VALUES (:j, 'done', 'f.csv', '/nowhere/f.csv', :o, 0, 0, 0, 1, :t, :k)"
                ),
                {"j": job, "o": json.dumps({}), "t": now, "k": key},
            )
        for series, job, by in (
            ("s-job", "job-anna", "someone"),
            ("s-bita", None, "bita"),
            ("s-env", None, "settings key"),
            ("s-file", None, "field team"),
        ):
            conn.execute(
                text(
                    "INSERT INTO outcomes (series_id, outcome, job_id, recorded_by, recorded_at) "
                    "VALUES (:s, 'mining', :j, :b, :t)"
                ),
                {"s": series, "j": job, "b": by, "t": now},
            )
    engine.dispose()


def test_a_database_from_before_tenants_keeps_working(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _old_database(tmp_path / "detector.db")
    app = create_app(Settings(data_dir=tmp_path, run_worker=False, api_keys=[ENV_KEY]))
    with TestClient(app) as c:
        key = {"anna": "dk_old-key-1", "bita": "dk_old-key-2", "env": ENV_KEY}
        visible = {
            who: {j for j in ("job-anna", "job-bita", "job-settings") if c.get(f"/v1/jobs/{j}", headers=h).is_success}
            for who, k in key.items()
            for h in [{"X-API-Key": k}]
        }
        assert visible == {"anna": {"job-anna"}, "bita": {"job-bita"}, "env": {"job-settings"}}
        outcomes = {
            who: [o["series_id"] for o in c.get("/v1/outcomes", headers={"X-API-Key": k}).json()["items"]]
            for who, k in key.items()
        }
        assert outcomes == {"anna": ["s-job"], "bita": ["s-bita"], "env": ["s-env"]}
        new = app.state.store.create_key("field team")  # a later key never inherits old rows by its name
        assert c.get("/v1/outcomes", headers={"X-API-Key": new}).json()["total"] == 0
    again = Store(f"sqlite:///{tmp_path / 'detector.db'}")
    again.create_all()  # a second start changes nothing
    assert again.outcomes(tenant="key:1")[0] == 1
    monkeypatch.setenv("DETECTOR_DATA_DIR", str(tmp_path))
    listed = CliRunner().invoke(cli, ["outcomes", "list"])
    assert "4 outcomes" in listed.output  # the CLI sees every outcome, the ownerless one too


def test_outcomes_imported_for_a_tenant_are_seen_by_its_keys_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DETECTOR_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    outcomes = Path(__file__).resolve().parents[2] / "sample_data" / "outcomes" / "outcomes.csv"
    assert runner.invoke(cli, ["outcomes", "import", str(outcomes), "--tenant", "north"]).exit_code == 0
    app = create_app(Settings(data_dir=tmp_path, run_worker=False))
    with TestClient(app) as c:
        north = app.state.store.create_key("anna", tenant="north")
        alone = app.state.store.create_key("bita")
        assert c.get("/v1/outcomes", headers={"X-API-Key": north}).json()["total"] == 30
        assert c.get("/v1/outcomes", headers={"X-API-Key": alone}).json()["total"] == 0
