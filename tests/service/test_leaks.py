"""Nothing leaks: no server path in a job's error, the first key never in the log, private files, no live formulas."""

from __future__ import annotations

import csv
import gzip
import io
import stat
from pathlib import Path

import pandas as pd
import pytest
import uvicorn
from fastapi.testclient import TestClient
from service_harness import wait_done
from typer.testing import CliRunner

import detector
from detector.cli import app as cli
from detector.cli import serve as serve_cli
from detector.service.app import create_app
from detector.service.settings import Settings
from detector.service.store import Store


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_corrupt_parquet_upload_fails_naming_the_uploaded_file_not_the_server_path(client: TestClient) -> None:
    r = client.post("/v1/jobs", files={"file": ("north.parquet", b"PAR1" + b"not parquet at all" * 20)})
    job = wait_done(client, r.json()["id"])
    assert job["state"] == "failed"
    assert job["error"] == (
        "field 'path': cannot read file: Parquet magic bytes not found in footer. Either the file is corrupted or "
        "this is not a parquet file. (got 'north.parquet')"
    )
    assert "uploads" not in job["error"]
    assert r.json()["id"] not in job["error"]


def test_a_truncated_gzip_upload_fails_with_its_reason(client: TestClient) -> None:
    whole = gzip.compress(b"series_id,timestamp,load\n" + b"m1,2024-01-01T00:00Z,1.0\n" * 5000)
    r = client.post("/v1/jobs", files={"file": ("cut.csv.gz", whole[: len(whole) // 2])}, data={"unit": "kW"})
    job = wait_done(client, r.json()["id"])
    assert job["state"] == "failed"
    assert job["error"] == (
        "field 'path': cannot read file: Compressed file ended before the end-of-stream marker was reached "
        "(got 'cut.csv.gz')"
    )


def test_data_folder_database_and_uploads_are_private(tmp_path: Path) -> None:
    data = tmp_path / "fresh" / "data"
    app = create_app(Settings(data_dir=data, run_worker=False))
    with TestClient(app) as c:
        c.headers["X-API-Key"] = app.state.store.create_key("t")
        r = c.post("/v1/jobs", files={"file": ("x.csv", b"series_id,timestamp,load\nm1,2024-01-01T00:00Z,1\n")})
        assert r.status_code == 202
    assert _mode(data) == 0o700
    assert _mode(data / "uploads") == 0o700
    databases = sorted(data.glob("detector.db*"))
    assert data / "detector.db" in databases
    assert {p.name: _mode(p) for p in databases} == {p.name: 0o600 for p in databases}  # with its -wal, -shm
    (upload,) = (data / "uploads").iterdir()
    assert _mode(upload) == 0o600


def test_results_csv_neutralises_formulas_in_text_only(client: TestClient, feeders: pd.DataFrame) -> None:
    one = feeders[feeders.series_id == "feeder-0006"]
    short = one.iloc[: 24 * 3]  # too short: an error row that still carries its id
    ids = ['=HYPERLINK("http://evil.example","click")', "+cmd", "@SUM(A1:A9)", "-5"]
    frame = pd.concat([one.assign(series_id="-feeder"), *(short.assign(series_id=i) for i in ids)])
    r = client.post("/v1/jobs", files={"file": ("f.parquet", frame.to_parquet(index=False))}, data={"peers": "none"})
    job = wait_done(client, r.json()["id"])
    assert job["counts"]["failed"] == 4
    text = client.get(f"/v1/jobs/{job['id']}/results", params={"format": "csv"}).text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert sorted(row["series_id"] for row in rows) == sorted(["'-feeder", *(f"'{i}" for i in ids)])
    scored = next(row for row in rows if row["series_id"] == "'-feeder")
    for column in ("score", "excess_load", "rigs", "threshold", "excess_low", "excess_high"):
        float(scored[column])  # numbers stay numbers
    page = client.get(f"/v1/jobs/{job['id']}/results").json()["items"]
    assert sorted(i["series_id"] for i in page) == sorted(["-feeder", *ids])  # JSON keeps the ids as they are


def test_escape_formulas_leaves_numbers_alone() -> None:
    frame = pd.DataFrame(
        {"series_id": ["=1+2", "-x", "\tx", "\rx", "ok", "a=b"], "excess_load": [-3.5, 1.0, 0.0, -0.1, 2.0, -7.0]}
    )
    out = detector.escape_formulas(frame)
    assert out["series_id"].tolist() == ["'=1+2", "'-x", "'\tx", "'\rx", "ok", "a=b"]
    assert out["excess_load"].tolist() == [-3.5, 1.0, 0.0, -0.1, 2.0, -7.0]
    assert frame["series_id"].iloc[0] == "=1+2"  # a copy: the caller's frame is unchanged


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """``detector serve`` up to the point it would start uvicorn, on a fresh data folder."""
    monkeypatch.setenv("DETECTOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DETECTOR_API_KEYS", raising=False)
    monkeypatch.setattr(uvicorn, "run", lambda *a, **k: None)
    return tmp_path / "data"


def test_first_key_goes_to_a_private_file_when_no_one_watches(served: Path) -> None:
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    path = served.resolve() / "first-api-key.txt"
    key = path.read_text().strip()
    assert _mode(path) == 0o600
    assert key.startswith("dk_")
    assert key not in result.stdout
    assert key not in result.stderr
    assert f"written to {path} (readable by this user only)" in result.stderr
    store = Store(f"sqlite:///{served / 'detector.db'}")
    assert store.find_key(key) is not None
    again = CliRunner().invoke(cli, ["serve"])  # there is a key now: no second one, the file is left alone
    assert again.exit_code == 0
    assert path.read_text().strip() == key
    assert len(store.list_keys()) == 1


def test_first_key_is_shown_on_a_terminal_but_never_on_stderr(served: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(serve_cli, "_interactive", lambda: True)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 0, result.output
    (key,) = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("dk_")]
    assert "It is shown only now" in result.stdout
    assert key not in result.stderr  # stderr is the server log
    assert not (served / "first-api-key.txt").exists()
