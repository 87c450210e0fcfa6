"""`detector score` on several processes (by default, the available cores) writes exactly the file of one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import detector
import detector.pipeline
from detector.cli import app
from detector.cli.common import available_cores
from tests.conftest import hourly_table

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
runner = CliRunner()


def test_default_and_two_workers_write_the_score_file_of_one_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = pd.read_parquet(SAMPLE / "tehran_feeders.parquet")  # 262,800 rows: two blocks of whole series
    bad = frame[frame.series_id == frame.series_id.iloc[0]].assign(series_id="broken", load=-1.0)
    src = tmp_path / "feeders.parquet"
    pd.concat([frame, bad]).to_parquet(src)
    asked: list[int] = []
    real = detector.iter_scores

    def spy(*args: object, **kwargs: object) -> Iterator[tuple[str, object]]:
        asked.append(kwargs["workers"])  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(detector, "iter_scores", spy)
    files = {}
    for workers in (["--workers", "1"], ["--workers", "2"], []):
        out, seg = tmp_path / f"scores{len(asked)}.csv", tmp_path / f"segments{len(asked)}.csv"
        args = ["score", str(src), "--out", str(out), "--segments", str(seg), "--tz", "Asia/Tehran", "--peers", "none"]
        result = runner.invoke(app, [*args, *workers, "--quiet"])
        assert result.exit_code == 1, result.output  # the broken series failed, the others were scored
        files[" ".join(workers)] = (out.read_bytes(), seg.read_bytes())
    assert asked == [1, 2, available_cores()]  # no --workers: the available cores
    assert files["--workers 2"] == files["--workers 1"]
    assert files[""] == files["--workers 1"]
    assert len(pd.read_csv(tmp_path / "scores2.csv")) == 31


@pytest.mark.parametrize("as_file", [False, True])
def test_an_input_of_one_block_is_scored_in_this_process(
    as_file: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a worker process was started for one block")

    monkeypatch.setattr(detector.pipeline, "ProcessPoolExecutor", no_pool)
    frame = pd.concat([hourly_table(f"m{i}", days=35, seed=i) for i in range(3)]).assign(unit="kW")
    source: pd.DataFrame | Path = frame
    if as_file:  # 2,520 rows, far below a block (250,000): one block, the last series included
        source = tmp_path / "three.csv"
        frame.to_csv(source, index=False)
    results = dict(detector.iter_scores(source, workers=2, peers="none"))
    assert sorted(results) == ["m0", "m1", "m2"]
    assert all(isinstance(r, detector.ScoreReport) for r in results.values())


def test_help_says_what_the_default_is() -> None:
    result = runner.invoke(app, ["score", "--help"], env={"COLUMNS": "300"})
    assert f"[default: (the available cores: {available_cores()})]" in result.output
