"""`detector score --engine dask` writes exactly the local engine's score file, on a LocalCluster."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from distributed import LocalCluster
from typer.testing import CliRunner

import detector
from detector.cli import app

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
runner = CliRunner()


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """Two worker processes, one thread each, as a user's cluster would be reached: by address."""
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def feeders() -> pd.DataFrame:
    """Nine one-year feeders (MW) and a copy of the first with one negative reading (its row 101)."""
    frame = pd.read_parquet(SAMPLE / "tehran_feeders.parquet")
    ids = frame.series_id.unique()[:9]
    frame = frame[frame.series_id.isin(ids)]
    broken = frame[frame.series_id == ids[0]].assign(series_id="broken")
    broken.loc[broken.index[100], "load"] = -1.0
    return pd.concat([frame, broken], ignore_index=True)


def _score(src: Path, out: Path, *extra: str) -> Path:
    result = runner.invoke(app, ["score", str(src), "--out", str(out), "--tz", "Asia/Tehran", *extra])
    assert result.exit_code == 1, result.output  # the broken series failed, the others were scored
    return out / "scores.csv" if "dask" in extra else out


def test_dask_scores_equal_local_scores_row_for_row(feeders: pd.DataFrame, scheduler: str, tmp_path: Path) -> None:
    data = tmp_path / "feeders"
    data.mkdir()
    ids = list(feeders.series_id.unique())
    for i, part in enumerate((ids[:3], ids[3:7], ids[7:])):  # whole series per file; "broken" in the middle one
        feeders[feeders.series_id.isin(part)].to_parquet(data / f"part-{i:05d}.parquet", index=False)
    local = _score(data, tmp_path / "local.csv", "--peers", "none")  # dask scores alone
    dask = _score(data, tmp_path / "dask", "--engine", "dask", "--scheduler", scheduler)
    assert dask.read_bytes() == local.read_bytes()
    scores = pd.read_csv(dask)
    assert len(scores) == 10
    bad_row = 3 * 8760 + 6 * 8760 + 101  # after the first file's 3 feeders and the middle file's 6 (in file order)
    assert scores.error.dropna().tolist() == [
        f"row {bad_row}, field 'load': load must be >= 0 (got -1.0) [series 'broken']"
    ]
    results = pd.read_parquet(tmp_path / "dask" / "scores.parquet")
    assert sorted(results.series_id) == sorted(ids)
    # A false-alarm budget goes to every task as the local engine applies it.
    budget = ("--max-false-alarm", "0.2")
    local = _score(data, tmp_path / "local_budget.csv", "--peers", "none", *budget)
    dask = _score(data, tmp_path / "dask_budget", "--engine", "dask", "--scheduler", scheduler, *budget)
    assert dask.read_bytes() == local.read_bytes()
    scored = pd.read_csv(dask).dropna(subset=["false_alarm_rate"])
    assert (scored.flagged.astype(bool) == (scored.false_alarm_rate <= 0.2)).all()


def test_series_spread_over_files_are_shuffled_with_the_same_answers(
    feeders: pd.DataFrame, scheduler: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = tmp_path / "by_time"
    data.mkdir()
    by_time = feeders.sort_values("timestamp", kind="stable", ignore_index=True)  # every file holds every series
    for i, start in enumerate(range(0, len(by_time), 30_000)):
        by_time.iloc[start : start + 30_000].to_parquet(data / f"part-{i:05d}.parquet", index=False)
    local = _score(data, tmp_path / "local.csv", "--peers", "none")  # dask scores alone
    with caplog.at_level(logging.WARNING):
        dask = _score(data, tmp_path / "dask", "--engine", "dask", "--scheduler", scheduler, "--partitions", "3")
    assert "shuffling rows on series_id" in caplog.text
    assert dask.read_bytes() == local.read_bytes()  # rows renumbered to the input's after the shuffle


def test_simulated_partitions_score_on_an_own_local_cluster(tmp_path: Path) -> None:
    data = tmp_path / "meters"
    args = ["simulate", "--kind", "meter", "--n-series", "12", "--days", "60", "--out", str(data)]
    result = runner.invoke(app, [*args, "--partition-size", "5"])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in data.iterdir()) == [f"part-{i:05d}.parquet" for i in range(3)]
    whole = detector.simulate.make_fleet(kind="meter", n_series=12, days=60)
    parts = pd.read_parquet(data)  # the files in order are make_fleet's fleet, split by whole series
    pd.testing.assert_frame_equal(parts.drop(columns="unit"), whole.loads, check_dtype=False)
    truth = pd.read_csv(tmp_path / "meters.truth.csv")
    assert truth.series_id.tolist() == whole.truth.series_id.tolist()
    local = runner.invoke(app, ["score", str(data), "--out", str(tmp_path / "local.csv"), "--peers", "none", "--quiet"])
    dask = runner.invoke(app, ["score", str(data), "--out", str(tmp_path / "d"), "--engine", "dask", "--quiet"])
    assert (local.exit_code, dask.exit_code) == (0, 0), dask.output
    assert (tmp_path / "d" / "scores.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()
