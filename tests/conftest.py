"""Shared helpers: small, deterministic load tables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


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
