"""read_table within limits: uncompressed bytes, data rows and points are counted as they are read."""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import pandas as pd
import pytest

import detector


def test_a_header_line_that_never_ends_stops_at_the_byte_limit(tmp_path: Path) -> None:
    path = tmp_path / "one-line.csv.gz"
    path.write_bytes(gzip.compress(b"series_id," + b"x" * (16 * 2**20)))  # no newline in 16 MiB
    with pytest.raises(detector.LimitExceededError, match=r"^input is over the limit max_bytes = 1,048,576 bytes"):
        detector.read_table(path, max_bytes=2**20)


def test_rows_are_counted_in_a_plain_csv_and_within_limits_the_table_is_whole(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("series_id,timestamp,load\n" + "m1,2024-01-01T00:00Z,1\n" * 10)
    assert len(detector.read_table(path, max_rows=10, max_bytes=2**20)) == 10
    with pytest.raises(detector.LimitExceededError) as info:
        detector.read_table(path, max_rows=9)
    assert (info.value.limit, info.value.maximum) == ("max_rows", 9)
    again = pickle.loads(pickle.dumps(info.value))  # survives the trip back from a worker process
    assert str(again) == str(info.value)


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet"])
def test_points_are_rows_times_the_values_each_row_holds(tmp_path: Path, suffix: str) -> None:
    hours = pd.date_range("2024-01-01", periods=10, freq="h", tz="UTC")
    frame = pd.DataFrame({"series_id": "m1", "timestamp": hours.strftime("%Y-%m-%dT%H:%MZ"), "load": 1.0})
    for name, table, points in (("load", frame, 10), ("temp", frame.assign(temperature=20.0), 20)):
        path = tmp_path / f"{name}{suffix}"
        if suffix == ".parquet":
            table.to_parquet(path, index=False)
        else:
            table.to_csv(path, index=False)
        assert len(detector.read_table(path, max_points=points)) == 10  # at the limit: read whole
        with pytest.raises(detector.LimitExceededError) as info:
            detector.read_table(path, max_points=points - 1)
        assert (info.value.limit, info.value.maximum) == ("max_points", points - 1)
        assert str(info.value) == (
            f"input is over the limit max_points = {points - 1:,} points (data rows x values per row: load, and "
            "temperature when given); reading stopped there"
        )
