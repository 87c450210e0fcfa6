"""`detector score` on several processes (by default, the available cores) writes exactly the file of one."""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import detector
import detector.pipeline
from detector.artifacts import MiningModel
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


def _models_pickled(*objects: object) -> int:
    """How many times pickling ``objects`` (as a process pool would) pickles a ``MiningModel`` (a per-mode model's
    alone model, pickled inside it, is part of it)."""
    seen = 0
    parts: set[int] = set()

    class Counting(pickle.Pickler):
        def reducer_override(self, obj: object) -> object:
            nonlocal seen
            if isinstance(obj, MiningModel):
                seen += id(obj) not in parts
                if obj.alone is not None:
                    parts.add(id(obj.alone))
            return NotImplemented

    Counting(io.BytesIO()).dump(objects)
    return seen


@pytest.fixture(scope="module")
def four_blocks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five series of 35 days (840 rows each), one with a negative load; read 1,000 rows at a time."""
    tables = [hourly_table(f"m{i}", days=35, seed=i) for i in range(4)]
    tables.insert(2, hourly_table("broken", days=35).assign(load=-1.0))
    path = tmp_path_factory.mktemp("blocks") / "five.csv"
    pd.concat(tables).assign(unit="kW").to_csv(path, index=False)
    return path


def test_each_worker_receives_the_model_once_not_with_every_block(
    four_blocks: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[int] = []
    submitted: list[int] = []

    class Spy(ProcessPoolExecutor):
        def __init__(self, *args: object, initargs: tuple[object, ...] = (), **kwargs: object) -> None:
            started.append(_models_pickled(initargs))
            super().__init__(*args, initargs=initargs, **kwargs)  # type: ignore[arg-type]

        def submit(self, fn: Callable[..., object], /, *args: object, **kwargs: object) -> Future[object]:
            submitted.append(_models_pickled(fn, args, kwargs))
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(detector.pipeline, "ProcessPoolExecutor", Spy)
    results = dict(detector.iter_scores(four_blocks, workers=2, peers="none", chunk_rows=1_000))
    assert started == [1]  # one executor, the model in its start-up arguments
    assert len(submitted) >= 4  # one block per series at 1,000 rows a read
    assert submitted == [0] * len(submitted)  # no block carries the model
    assert isinstance(results["broken"], detector.InputValidationError)  # a worker's error comes back whole
    assert results["broken"].row == 2 * 840 + 1
    assert results["broken"].code is detector.ErrorCode.NEGATIVE_LOAD


def test_two_workers_give_the_results_of_one(four_blocks: Path) -> None:
    one = list(detector.iter_scores(four_blocks, workers=1, peers="none", chunk_rows=1_000))
    two = list(detector.iter_scores(four_blocks, workers=2, peers="none", chunk_rows=1_000))
    assert [sid for sid, _ in two] == ["m0", "m1", "broken", "m2", "m3"]
    assert [sid for sid, _ in two] == [sid for sid, _ in one]
    for (_, a), (_, b) in zip(one, two, strict=True):
        if isinstance(a, detector.DetectorError):
            assert type(b) is type(a)
            assert str(b) == str(a)
        else:
            assert b == a
