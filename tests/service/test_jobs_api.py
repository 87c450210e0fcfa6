"""Batch jobs through an HTTP client: upload, progress, ranked results (JSON pages, CSV), plots, durability."""

from __future__ import annotations

import csv
import io
import re
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from service_harness import wait_done

from detector.service.app import create_app
from detector.service.settings import Settings
from detector.service.store import FAILED, RUNNING, Job, Store, now

CONTRACT = ["series_id", "score", "flagged", "onset", "end", "excess_load"]
PICKED = ["feeder-0001", "feeder-0006", "feeder-0013", "feeder-0020"]


@pytest.fixture(scope="module")
def upload(feeders: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four feeders plus one whose load column holds a word in row 6 of that series."""
    frame = feeders[feeders.series_id.isin(PICKED)].copy()
    bad = frame[frame.series_id == "feeder-0020"].copy()
    bad["series_id"], bad["load"] = "broken", bad["load"].astype(object)
    bad.iloc[5, bad.columns.get_loc("load")] = "abc"
    path = tmp_path_factory.mktemp("up") / "mixed.csv"
    pd.concat([frame, bad]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def finished(client: TestClient, upload: Path) -> dict[str, Any]:
    """The mixed upload, scored to the end."""
    with upload.open("rb") as f:
        r = client.post("/v1/jobs", files={"file": ("mixed.csv", f, "text/csv")}, data={"timezone": "Asia/Tehran"})
    assert r.status_code == 202, r.text
    assert r.headers["Location"] == f"/v1/jobs/{r.json()['id']}"
    assert r.json()["state"] == "queued"
    return wait_done(client, r.json()["id"])


def test_job_counts_and_per_series_errors(finished: dict[str, Any]) -> None:
    assert finished["state"] == "done"
    assert finished["counts"] == {"total": 5, "done": 5, "failed": 1, "flagged": finished["counts"]["flagged"]}
    assert finished["counts"]["flagged"] >= 1
    assert finished["progress"] == 1.0
    assert finished["error"] is None


def test_results_are_a_ranked_inspection_list(client: TestClient, finished: dict[str, Any]) -> None:
    page = client.get(f"/v1/jobs/{finished['id']}/results").json()
    assert page["total"] == 5
    items = page["items"]
    assert list(items[0])[:6] == CONTRACT
    scores = [i["score"] for i in items if not i["error"]]
    assert scores == sorted(scores, reverse=True)
    assert items[0]["series_id"] in ("feeder-0001", "feeder-0006")  # the two with rigs (simulator truth)
    assert all(i["flagged"] == (i["score"] >= i["threshold"]) for i in items if not i["error"])
    assert items[-1]["series_id"] == "broken"  # failed series come last, with their error
    assert "field 'load': load is not a number (got 'abc')" in items[-1]["error"]
    assert items[-1]["error"].startswith("row 35046, ")  # the row of the uploaded file
    assert items[-1]["score"] is None


def test_results_pages(client: TestClient, finished: dict[str, Any]) -> None:
    url = f"/v1/jobs/{finished['id']}/results"
    full = [i["series_id"] for i in client.get(url).json()["items"]]
    p1 = client.get(url, params={"limit": 2, "offset": 0}).json()
    p2 = client.get(url, params={"limit": 2, "offset": 2}).json()
    p3 = client.get(url, params={"limit": 2, "offset": 4}).json()
    assert [i["series_id"] for p in (p1, p2, p3) for i in p["items"]] == full
    assert (p3["limit"], p3["offset"], p3["total"]) == (2, 4, 5)
    bad = client.get(url, params={"limit": 0})
    assert bad.status_code == 422
    assert bad.json()["field"] == "limit"


def test_results_as_csv_follow_the_score_file_contract(client: TestClient, finished: dict[str, Any]) -> None:
    for kwargs in ({"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}):
        r = client.get(f"/v1/jobs/{finished['id']}/results", **kwargs)  # type: ignore[arg-type]
        assert r.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(r.text)))
        assert list(rows[0])[:6] == CONTRACT
        assert {"unit", "rigs", "threshold", "evidence", "data_quality", "model_version", "error"} <= set(rows[0])
        assert float(rows[0]["score"]) >= float(rows[1]["score"])
        assert rows[-1]["series_id"] == "broken"
        assert rows[-1]["score"] == ""


def test_plots_for_a_person(client: TestClient, finished: dict[str, Any]) -> None:
    base = f"/v1/jobs/{finished['id']}/series"
    png = client.get(f"{base}/feeder-0001/plot.png")
    assert png.status_code == 200
    assert png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(png.content) > 20_000
    svg = client.get(f"{base}/feeder-0001/plot.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    assert "expected load" in svg.text
    assert "feeder-0001: score" in svg.text
    page = client.get(f"{base}/feeder-0001/plot.html")
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "<svg" in page.text
    assert "<h1>feeder-0001: " in page.text
    assert "Segments" in page.text
    assert re.search(r"about [\d,]+ S19-class rigs, 90 % interval [\d,]+ to [\d,]+\)", page.text)  # flagged
    rows = client.get(f"/v1/jobs/{finished['id']}/results").json()["items"]
    unflagged = [row["series_id"] for row in rows if row["score"] is not None and not row["flagged"]]
    assert unflagged
    for sid in unflagged:  # an unflagged series' page gives no rig count
        quiet = client.get(f"{base}/{sid}/plot.html").text
        assert "(not flagged: no rig count)" in quiet
        assert "S19-class" not in quiet
    failed = client.get(f"{base}/broken/plot.png")
    assert failed.status_code == 409
    assert "load is not a number" in failed.json()["detail"]
    assert client.get(f"{base}/nope/plot.png").status_code == 404


def test_unknown_job_is_404_everywhere(client: TestClient) -> None:
    for url in ("/v1/jobs/0123", "/v1/jobs/0123/results", "/v1/jobs/0123/series/x/plot.png"):
        r = client.get(url)
        assert r.status_code == 404
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["detail"] == "no job with id '0123'"


@pytest.mark.parametrize(
    ("data", "filename", "field", "detail"),
    [
        ({"unit": "furlongs"}, "x.csv", "unit", "unit: unknown unit; use one of W, kW"),
        ({"timezone": "Mars/Olympus"}, "x.csv", "timezone", "timezone: unknown time zone"),
        ({"country": "ZZ"}, "x.csv", "country", "country: unknown holiday country 'ZZ'"),
        ({}, "x.xlsx", "file", "file: unknown file type; use .csv.gz, .csv, .txt, .parquet, .pq (got 'x.xlsx')"),
        ({"model": "nope"}, "x.csv", "model", "model: no model with version 'nope'"),
        (
            {"threshold": "0.5", "max_false_alarm": "0.05"},
            "x.csv",
            "max_false_alarm",
            "max_false_alarm: give threshold or max_false_alarm, not both (got 0.05)",
        ),
    ],
)
def test_bad_upload_options_are_refused_before_queueing(
    client: TestClient, data: dict[str, str], filename: str, field: str, detail: str
) -> None:
    r = client.post("/v1/jobs", files={"file": (filename, b"series_id,timestamp,load\n", "text/csv")}, data=data)
    assert r.status_code in (404, 422)
    assert r.json()["field"] == field
    assert r.json()["detail"].startswith(detail)


def test_a_false_alarm_budget_goes_with_the_job(client: TestClient, upload: Path) -> None:
    with upload.open("rb") as f:
        data = {"timezone": "Asia/Tehran", "max_false_alarm": "0.5"}
        r = client.post("/v1/jobs", files={"file": ("mixed.csv", f, "text/csv")}, data=data)
    assert r.status_code == 202, r.text
    job = wait_done(client, r.json()["id"])
    items = [i for i in client.get(f"/v1/jobs/{job['id']}/results").json()["items"] if not i["error"]]
    assert len(items) == 4
    assert all(i["flagged"] == (i["false_alarm_rate"] <= 0.5) for i in items)
    assert job["counts"]["flagged"] == sum(i["flagged"] for i in items)


def test_unusable_file_fails_the_job_with_its_reason(client: TestClient) -> None:
    r = client.post("/v1/jobs", files={"file": ("x.csv", b"series_id,time,load\nm,2024-01-01T00:00Z,1\n")})
    job = wait_done(client, r.json()["id"])
    assert job["state"] == "failed"
    assert "field 'timestamp': required column missing" in job["error"]


def test_upload_over_the_limit_is_413(tmp_path: Path, settings_for: Callable[..., Settings]) -> None:
    app = create_app(settings_for(tmp_path, max_upload_bytes=4096, run_worker=False))
    with TestClient(app) as c:
        c.headers["X-API-Key"] = app.state.store.create_key("t")
        r = c.post("/v1/jobs", files={"file": ("big.csv", b"x" * 10_000, "text/csv")})
        assert r.status_code == 413
        assert r.headers["content-type"] == "application/problem+json"
        assert list((tmp_path / "uploads").iterdir()) == []


def test_results_survive_a_restart(tmp_path: Path, settings_for: Callable[..., Settings], upload: Path) -> None:
    settings = settings_for(tmp_path)
    app = create_app(settings)
    with TestClient(app) as c:
        key = app.state.store.create_key("t")
        c.headers["X-API-Key"] = key
        job_id = c.post("/v1/jobs", files={"file": ("m.csv", upload.read_bytes())}, data={"timezone": "Asia/Tehran"})
        job_id = job_id.json()["id"]
        before = c.get(f"/v1/jobs/{job_id}/results", params={"format": "csv"}).text if wait_done(c, job_id) else ""
    with TestClient(create_app(settings)) as c:  # a new process's worth of state, same data directory
        c.headers["X-API-Key"] = key
        assert c.get(f"/v1/jobs/{job_id}").json()["state"] == "done"
        assert c.get(f"/v1/jobs/{job_id}/results", params={"format": "csv"}).text == before


def _interrupted_job(store: Store, upload: Path, tmp_path: Path, attempts: int, tenant: str) -> str:
    """A job of ``tenant`` as a crash leaves it: 'running', a stale lease, one series already written."""
    path = tmp_path / "uploads" / "crashed.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(upload.read_bytes())
    store.add_job("crashed", "m.csv", str(path), {"timezone": "Asia/Tehran", "country": "IR"}, None, tenant)
    store.add_result("crashed", "feeder-0006", {"series_id": "feeder-0006", "score": 0.5, "note": "before crash"}, None)
    with store.session() as s:
        job = s.get(Job, "crashed")
        assert job is not None
        job.state, job.attempts, job.heartbeat_at = RUNNING, attempts, now() - timedelta(minutes=5)
    return "crashed"


def _restart_after_crash(settings: Settings, upload: Path, attempts: int) -> tuple[dict[str, Any], list[Any], Store]:
    """Leave a job as a crash would, start the service on the same data, wait for the job's verdict."""
    store = Store(settings.db_url())
    store.create_all()
    key = store.create_key("t", tenant="ops")
    job_id = _interrupted_job(store, upload, settings.data_dir, attempts=attempts, tenant="ops")
    app = create_app(settings)
    with TestClient(app) as c:
        c.headers["X-API-Key"] = key
        job = wait_done(c, job_id)
        rows = c.get(f"/v1/jobs/{job_id}/results").json()["items"]
    return job, rows, store


def test_interrupted_job_is_resumed_skipping_written_series(
    tmp_path: Path, settings_for: Callable[..., Settings], upload: Path
) -> None:
    job, rows, store = _restart_after_crash(settings_for(tmp_path), upload, attempts=1)
    assert (job["state"], job["attempts"], job["counts"]["done"], job["counts"]["total"]) == ("done", 2, 5, 5)
    assert sorted(r["series_id"] for r in rows) == sorted([*PICKED, "broken"])
    kept = store.result_of(job["id"], "feeder-0006")
    assert kept is not None
    assert kept["note"] == "before crash"  # written before the crash, not scored again


def test_a_series_is_written_once_even_by_two_workers(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    store.create_all()
    store.add_job("j", "f.csv", str(tmp_path / "f.csv"), {}, None, "t")
    row = {"series_id": "m1", "score": 0.9, "flagged": True}
    assert store.add_result("j", "m1", row, None)
    assert not store.add_result("j", "m1", row, None)  # the slower worker's copy is dropped
    job = store.get_job("j")
    assert job is not None
    assert (job.done, job.flagged) == (1, 1)


def test_job_interrupted_too_often_is_failed_with_reason(
    tmp_path: Path, settings_for: Callable[..., Settings], upload: Path
) -> None:
    job, _, _ = _restart_after_crash(settings_for(tmp_path, job_max_attempts=2), upload, attempts=2)
    assert job["state"] == FAILED
    assert job["error"] == "interrupted 2 times (the server stopped while scoring it); not retried"


def test_clean_shutdown_hands_a_running_job_back(
    tmp_path: Path, settings_for: Callable[..., Settings], feeders: pd.DataFrame
) -> None:
    path = tmp_path / "fleet.parquet"
    feeders.to_parquet(path, index=False)
    settings = settings_for(tmp_path / "data")
    app = create_app(settings)
    with TestClient(app) as c:
        key = app.state.store.create_key("t")
        c.headers["X-API-Key"] = key
        job_id = c.post("/v1/jobs", files={"file": ("f.parquet", path.read_bytes())}).json()["id"]
        while c.get(f"/v1/jobs/{job_id}").json()["counts"]["done"] < 1:
            time.sleep(0.01)
    # the lifespan has ended (as on SIGTERM): the job is queued again, not left running for its lease to expire
    job = app.state.store.get_job(job_id)
    assert (job.state, job.attempts) == ("queued", 0)
    assert 1 <= job.done < 30
    with TestClient(create_app(settings)) as c:
        c.headers["X-API-Key"] = key
        final = wait_done(c, job_id)
    assert (final["state"], final["attempts"], final["counts"]["done"]) == ("done", 1, 30)


@pytest.mark.parametrize("year", ["9999", "0001", "1677", "2262", "1500"])
def test_a_series_dated_out_of_range_fails_alone(
    client: TestClient, feeders: pd.DataFrame, tmp_path: Path, year: str
) -> None:
    frame = feeders[feeders.series_id.isin(PICKED[:3])].copy()
    frame["timestamp"] = frame.timestamp.map(lambda t: t.isoformat())
    bad_rows = frame.index[frame.series_id == PICKED[1]]
    first = frame.index.get_loc(bad_rows[0])  # 0-based position of the bad series' first row in the file
    frame.loc[bad_rows[3:], "timestamp"] = frame.loc[bad_rows[3:], "timestamp"].str.replace("2023-", f"{year}-")
    frame.loc[bad_rows[3:], "timestamp"] = frame.loc[bad_rows[3:], "timestamp"].str.replace("2024-", f"{year}-")
    path = tmp_path / "dated.csv"
    frame.to_csv(path, index=False)
    with path.open("rb") as f:
        r = client.post("/v1/jobs", files={"file": ("dated.csv", f, "text/csv")}, data={"peers": "none"})
    job = wait_done(client, r.json()["id"])
    assert job["state"] == "done", job
    assert (job["counts"]["total"], job["counts"]["done"], job["counts"]["failed"]) == (3, 3, 1)
    items = {i["series_id"]: i for i in client.get(f"/v1/jobs/{job['id']}/results").json()["items"]}
    assert items[PICKED[0]]["score"] is not None
    assert items[PICKED[2]]["score"] is not None
    value = frame.loc[bad_rows[3], "timestamp"]
    assert items[PICKED[1]]["error"].startswith(
        f"row {first + 4}, field 'timestamp': timestamp must be between 1900-01-01 and 2199-12-31 (got '{value}')"
    )
    assert items[PICKED[1]]["error"].endswith(f"[series '{PICKED[1]}']")


def test_the_202_describes_the_job_as_accepted_even_if_a_worker_took_it_at_once(
    tmp_path: Path, settings_for: Callable[..., Settings], upload: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker may claim a job between its insert and the answer (under load it did: CI saw 'running');
    the 202 says what was accepted, queued, whatever the worker does meanwhile. No worker runs here: the
    test claims the job itself, at the worst moment."""
    app = create_app(settings_for(tmp_path, run_worker=False))
    with TestClient(app) as c:
        store: Store = app.state.store
        c.headers["X-API-Key"] = store.create_key("racer", tenant="ops")
        inserted = store.add_job

        def insert_then_claim(*args: Any, **kwargs: Any) -> Job:
            job = inserted(*args, **kwargs)
            claimed = store.claim_job(timedelta(seconds=30))  # the worker wins the race
            assert claimed is not None
            assert claimed.id == job.id
            return job

        monkeypatch.setattr(store, "add_job", insert_then_claim)
        with upload.open("rb") as f:
            r = c.post("/v1/jobs", files={"file": ("mixed.csv", f, "text/csv")}, data={"timezone": "Asia/Tehran"})
        assert r.status_code == 202, r.text
        assert (r.json()["state"], r.headers["Location"]) == ("queued", f"/v1/jobs/{r.json()['id']}")
        assert c.get(r.headers["Location"]).json()["state"] == "running"
