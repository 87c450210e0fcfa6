"""`detector keys create|list|revoke` through the real typer app, against the service's database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from detector.cli import app
from detector.service.app import create_app
from detector.service.settings import Settings

runner = CliRunner()


def test_keys_lifecycle_and_the_service_honours_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETECTOR_DATA_DIR", str(tmp_path))
    created = runner.invoke(app, ["keys", "create", "analyst-1"])
    assert created.exit_code == 0, created.output
    key = re.search(r"dk_[\w-]+", created.output)
    assert key is not None
    listed = runner.invoke(app, ["keys", "list"])
    assert "analyst-1" in listed.output
    assert key.group(0)[:10] in listed.output
    assert key.group(0) not in listed.output  # the full key is never shown again
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("detector.db*"))  # the database and its WAL
    assert key.group(0).encode() not in stored  # only the hash and a 10-character prefix are kept

    web = create_app(Settings(data_dir=tmp_path, run_worker=False))
    with TestClient(web) as c:
        assert c.get("/v1/models", headers={"X-API-Key": key.group(0)}).status_code == 200
        revoked = runner.invoke(app, ["keys", "revoke", "1"])
        assert revoked.exit_code == 0
        assert c.get("/v1/models", headers={"X-API-Key": key.group(0)}).status_code == 403
    again = runner.invoke(app, ["keys", "revoke", "1"])
    assert again.exit_code == 2
    assert "no active key with id 1" in again.output
