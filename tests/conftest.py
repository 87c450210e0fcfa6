"""Shared helpers: small, deterministic load tables."""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
SAMPLE_DATA = Path(__file__).resolve().parents[1] / "sample_data"
BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def benchmark_module(name: str) -> ModuleType:
    """``benchmarks/<name>.py``, loaded from its file (a script folder, not a package) as ``benchmarks_<name>``.

    Registered in ``sys.modules`` first: dataclasses look their module up there.
    """
    spec = importlib.util.spec_from_file_location(f"benchmarks_{name}", BENCHMARKS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def hourly_table(
    series_id: str = "m1",
    days: int = 30,
    start: str = "2024-01-01",
    tz: str = "Asia/Tehran",
    freq: str = "h",
    seed: int = 0,
) -> pd.DataFrame:
    """A positive, daily-cycled load with ISO 8601 timestamps carrying offsets."""
    first = pd.Timestamp(start, tz=tz)
    idx = pd.date_range(first, first + pd.Timedelta(days=days), freq=freq, inclusive="left")
    rng = np.random.default_rng(seed)
    load = 2.0 + np.sin(2 * np.pi * idx.hour / 24) + rng.uniform(0, 0.2, len(idx))
    return pd.DataFrame({"series_id": series_id, "timestamp": idx.map(lambda t: t.isoformat()), "load": load})


@pytest.fixture
def table() -> Callable[..., pd.DataFrame]:
    return hourly_table


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[[str], Path]:
    def _write(text: str, name: str = "input.csv") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return _write


INITDB = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))


def _pg_run(cmd: list[str]) -> None:
    as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []  # initdb refuses to run as root
    subprocess.run(as_user + cmd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL cluster on loopback (skipped without the server binaries); its SQLAlchemy URL."""
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
    _pg_run([str(bindir / "initdb"), "-D", str(data), "-U", "detector", "--auth=trust", "-E", "UTF8"])
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    _pg_run([str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"])
    try:
        yield f"postgresql+psycopg://detector@127.0.0.1:{port}/postgres"
    finally:
        _pg_run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(root, ignore_errors=True)
