"""Reading a file in chunks gives exactly the answers of reading it whole, errors included."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

import detector

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture(scope="module")
def feeders() -> pd.DataFrame:
    """Ten one-year feeders (MW, grouped by series as `detector simulate` writes them)."""
    frame = pd.read_parquet(SAMPLE / "tehran_feeders.parquet")
    return frame[frame.series_id.isin(frame.series_id.unique()[:10])].reset_index(drop=True)


def _scores(path: Path, chunk_rows: int | None) -> pd.DataFrame:
    rows = [
        {"series_id": sid, "error": str(r)} if isinstance(r, detector.DetectorError) else r.to_row()
        for sid, r in detector.iter_scores(path, tz="Asia/Tehran", chunk_rows=chunk_rows)
    ]
    return pd.DataFrame(rows)


@pytest.mark.parametrize("name", ["feeders.parquet", "feeders.csv.gz"])
def test_chunked_scores_equal_whole_file_scores(feeders: pd.DataFrame, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".parquet"):
        feeders.to_parquet(path, row_group_size=5_000)  # row groups end mid-series too
    else:
        feeders.to_csv(path, index=False)
    whole = _scores(path, chunk_rows=None)
    chunked = _scores(path, chunk_rows=3_001)  # every series straddles two or three chunks
    assert len(whole) == 10
    pd.testing.assert_frame_equal(chunked, whole)


def test_interleaved_rows_give_the_same_answers(
    feeders: pd.DataFrame, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    grouped, interleaved = tmp_path / "grouped.parquet", tmp_path / "by_time.parquet"
    feeders.to_parquet(grouped)
    feeders.sort_values("timestamp", kind="stable").to_parquet(interleaved)
    with caplog.at_level(logging.WARNING):
        by_time = _scores(interleaved, chunk_rows=1_000)
    assert "memory is not bounded" in caplog.text
    expected = _scores(grouped, chunk_rows=None)
    pd.testing.assert_frame_equal(
        by_time.sort_values("series_id", ignore_index=True), expected.sort_values("series_id", ignore_index=True)
    )


@pytest.mark.parametrize("chunk_rows", [None, 500, 7])
def test_errors_name_rows_of_the_whole_file(
    table: Callable[..., pd.DataFrame], tmp_path: Path, chunk_rows: int | None
) -> None:
    frame = pd.concat([table(sid, days=30) for sid in ("m1", "m2", "m3", "m4")], ignore_index=True)  # 720 rows each
    frame["unit"] = "kW"
    frame.loc[[599, 649], "load"] = -1.0  # rows 600 and 650, in different chunks of 500
    frame.loc[1199, "unit"] = "MW"  # row 1200, m2
    frame.loc[1899, "timestamp"] = frame.loc[1898, "timestamp"]  # rows 1899-1900: same time, m3
    frame.loc[[1898, 1899], "load"] = [2.5, 7.5]
    path = tmp_path / "bad.csv"
    frame.to_csv(path, index=False)
    results = dict(detector.iter_series(path, chunk_rows=chunk_rows))
    assert list(results) == ["m1", "m2", "m3", "m4"]
    assert (
        str(results["m1"]) == "row 600, field 'load': load must be >= 0 (got -1.0); 1 more row like this [series 'm1']"
    )
    assert (
        str(results["m2"])
        == "row 1200, field 'unit': mixed units within a series (first row says 'kW') (got 'MW') [series 'm2']"
    )
    assert str(results["m3"]) == (
        "row 1900, field 'load': conflicting values for one timestamp (row 1899 has 2.5) (got 7.5) [series 'm3']"
    )
    assert isinstance(results["m4"], detector.LoadSeries)
