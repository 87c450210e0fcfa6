"""/readyz and the database (issue 15, "a full disk fails a job for good"): a database that answers reads but takes
no write (a full disk, a read-only file or replica) is not ready, named in ``reasons`` by its kind, never by its
path or the driver's text; ready again once it takes writes."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from service_harness import make_settings
from sqlalchemy.exc import OperationalError

from detector.service.app import create_app
from detector.service.store import Store

ALL_READY = {"model": True, "database": True, "worker": True, "storage": True}


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    app = create_app(make_settings(tmp_path))
    with TestClient(app):
        yield app


def _ready(app: FastAPI) -> tuple[int, dict[str, Any]]:
    r = TestClient(app).get("/readyz")  # no lifespan: the one the fixture runs serves
    return r.status_code, r.json()


def test_a_read_only_database_is_not_ready(app: FastAPI, tmp_path: Path) -> None:
    assert _ready(app) == (200, {"status": "ready", "checks": ALL_READY})
    writable = app.state.store
    read_only = Store(f"sqlite:///file:{tmp_path / 'detector.db'}?mode=ro&uri=true")  # SQLite refuses every write
    assert read_only.ping()  # reads still work: a plain SELECT 1 would call it ready
    app.state.store = read_only
    try:
        status, body = _ready(app)
    finally:
        app.state.store = writable
        read_only.engine.dispose()
    assert status == 503
    assert body == {
        "status": "not ready",
        "checks": {**ALL_READY, "database": False},
        "reasons": ["database takes no writes (attempt to write a readonly database)"],
    }
    assert _ready(app)[0] == 200


def test_a_full_database_is_not_ready_and_a_failing_one_names_no_internals(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    errors = {
        "full": sqlite3.OperationalError("database or disk is full"),
        "other": sqlite3.OperationalError(f"unable to open database file {tmp_path}/detector.db-wal"),
    }
    reasons = {}
    for kind, error in errors.items():

        def failing(self: Store, error: Exception = error) -> None:
            raise OperationalError("UPDATE ready_probe SET checked_at=?", {}, error)

        monkeypatch.setattr(Store, "write_probe", failing)
        status, body = _ready(app)
        assert status == 503
        assert body["checks"] == {**ALL_READY, "database": False}
        reasons[kind] = body["reasons"]
    assert reasons == {
        "full": ["database takes no writes (database or disk is full)"],
        "other": ["database takes no writes (the write failed)"],  # the driver's text names a path: not shown
    }
    monkeypatch.undo()
    assert _ready(app)[0] == 200


def test_the_probe_writes_one_row_however_often_it_runs(app: FastAPI) -> None:
    store: Store = app.state.store
    for _ in range(3):
        assert _ready(app)[0] == 200
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT COUNT(*) FROM ready_probe").scalar() == 1
