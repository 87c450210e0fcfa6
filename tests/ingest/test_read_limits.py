"""read_table within limits: uncompressed bytes and data rows are counted as they are read."""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

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
