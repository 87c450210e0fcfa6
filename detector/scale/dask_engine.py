"""Score a partitioned dataset on Dask: one task per input file, the CLI's per-series path inside.

Partitions. Every Parquet file (or CSV file of a glob) is one partition. A first, cheap pass reads
only the ``series_id`` column of each file on the workers (rows, distinct ids, first and last id).
When no series spans two files (the id ranges of the files do not overlap, or, failing that, the
distinct ids of the files add up to the dataset's), each file is scored where it is read: no rows
cross the network. Otherwise the rows are shuffled on ``series_id`` first (``DataFrame.shuffle``),
which is logged, so each partition holds whole series.

Row numbers. Errors name 1-based data rows counted through the dataset's files in name order, as
``detector score DIR`` reads the same directory, so both engines report the same row; the results'
``first_row`` column gives each series' first row on that count.

Results. A Parquet dataset (``OUT/scores.parquet/part-NNNNN.parquet``): the score file's columns (``ScoreReport.to_row``
or ``series_id`` + ``error`` for a series that failed: per-series errors are rows, never fatal) plus
``first_row``. The ranked inspection list is built from it by the caller (the CLI).
"""

from __future__ import annotations

import glob
import itertools
import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from detector.artifacts import MiningModel
from detector.errors import DetectorError, ErrorCode, InputValidationError
from detector.ingest import MIN_DAYS, read_blocks_checked
from detector.ingest.table import CSV_DTYPES, is_parquet, read_errors, series_keys
from detector.options import ScoreOptions, options_from
from detector.pipeline import score_block
from detector.scoring import ScoreReport

if TYPE_CHECKING:
    from distributed import Client

log = logging.getLogger(__name__)

# The score file's columns (ScoreReport.to_row), typed for Parquet, and each series' first input row.
RESULT_COLUMNS: dict[str, str] = {
    "series_id": "string",
    "score": "float64",
    "flagged": "boolean",
    "onset": "string",
    "end": "string",
    "excess_load": "float64",
    "unit": "string",
    "rigs": "float64",
    "threshold": "float64",
    "evidence": "string",
    "data_quality": "string",
    "model_version": "string",
    "error": "string",
    "excess_low": "float64",  # blank (None) when not estimated, as in the local score file
    "excess_high": "float64",
    "peers": "string",  # always empty: the Dask engine scores each series alone
    "onset_local": "string",  # Solar Hijri input only, else empty
    "end_local": "string",
    "rigs_low": "float64",
    "rigs_high": "float64",
    "false_alarm_rate": "float64",
    "recall_by_size": "string",  # blank where not measured
    "first_row": "int64",
}
_ROW = "__row"  # input position of a row, carried through a shuffle
_KEY = "__key"  # the id rows are grouped by (stripped), the shuffle's key


@dataclass(frozen=True, slots=True)
class DaskRun:
    """What a Dask run did: counts, partitions, whether it shuffled, where the results are."""

    n_series: int
    n_failed: int
    n_flagged: int
    n_files: int
    n_rows: int
    shuffled: bool
    workers: int
    seconds: float
    results: Path


@dataclass(frozen=True, slots=True)
class _Part:
    """One input file as a partition: its path, format and the input position of its first row."""

    path: str
    row0: int


def score_dataset(
    source: str | Path,
    out_dir: str | Path,
    *,
    model_dir: str | Path | None = None,
    model: MiningModel | None = None,
    unit: str | None = None,
    tz: str | None = None,
    country: str | None = None,
    threshold: float | None = None,
    min_days: float = MIN_DAYS,
    scheduler: str | None = None,
    workers: int | None = None,
    partitions: int | None = None,
    calendar: str = "gregorian",
    options: ScoreOptions | None = None,
    max_false_alarm: float | None = None,
) -> DaskRun:
    """Score every series of a Parquet dataset, Parquet file or CSV glob on Dask; write ``out_dir/scores.parquet``.

    ``scheduler``: address of an existing cluster (``tcp://host:8786``); without it a ``LocalCluster``
    of ``workers`` processes (default: one per core, one thread each) runs for the call.
    ``partitions``: partitions after the shuffle, used only when series span files (default: one per file).
    ``model_dir`` or ``model``: a model artefact directory or a loaded model (default: the bundled model);
    its artefact files go to every worker, which loads them once. ``country`` as in ``detector.iter_scores``
    (None: the zone's country, and each result's data quality says so); ``calendar``, ``max_false_alarm`` and
    ``options`` as there too: the options are checked here, once, and go to every task as they are
    (``options.peers`` is not used: each series scores alone).
    """
    import dask.dataframe as dd

    t0 = time.perf_counter()
    opts = options_from(
        options,
        unit=unit,
        tz=tz,
        country=country,
        threshold=threshold,
        min_days=min_days,
        calendar=calendar,
        max_false_alarm=max_false_alarm,
    )
    files = input_files(source)
    out = Path(out_dir) / "scores.parquet"
    with _client(scheduler, workers) as client:
        from detector.scale._worker import ModelPlugin

        plugin = ModelPlugin(Path(model_dir) if model_dir is not None else None, model)
        client.register_plugin(plugin)
        surveys = client.gather(client.map(_survey, files, pure=False))
        parts, rows = [], 0
        for path, survey in zip(files, surveys, strict=True):
            if survey["rows"]:
                parts.append(_Part(path, rows))
            rows += int(survey["rows"])
        if not parts:
            raise InputValidationError(code=ErrorCode.NO_ROWS, field="load", value=0, reason="input has no data rows")
        kept = [s for s in surveys if s["rows"]]
        spans = not _disjoint(kept) and not _disjoint_exact(client, parts, kept)
        meta = _empty_results()
        if spans:
            log.warning(
                "series span several input files: shuffling rows on series_id over the network before scoring "
                "(write each series into one file to avoid it)"
            )
            raw = dd.from_map(_ReadPart(), parts, enforce_metadata=False)
            npart = partitions or len(parts)
            shuffled = raw.shuffle(_KEY, npartitions=npart)
            results = shuffled.map_partitions(
                _score_shuffled, plugin=plugin.name, options=opts, meta=meta, enforce_metadata=False
            )
        else:
            results = dd.from_map(_ScorePart(plugin.name, opts), parts, meta=meta, enforce_metadata=False)
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("part-*.parquet"):
            old.unlink()
        results.to_parquet(out, write_index=False, name_function=lambda i: f"part-{i:05d}.parquet")
        n_workers = len(client.scheduler_info().get("workers", {}))
    done = pd.read_parquet(out, columns=["error", "flagged"])
    failed = done["error"].fillna("") != ""
    return DaskRun(
        n_series=len(done),
        n_failed=int(failed.sum()),
        n_flagged=int(done["flagged"].fillna(False).sum()),
        n_files=len(parts),
        n_rows=rows,
        shuffled=spans,
        workers=n_workers,
        seconds=time.perf_counter() - t0,
        results=out,
    )


def input_files(source: str | Path) -> list[str]:
    """The dataset's files in name order (absolute): a Parquet directory's ``*.parquet``, one file, or a glob."""
    path = Path(source).absolute()  # workers may run elsewhere: absolute paths on a shared file system
    if path.is_dir():
        files = sorted(str(p) for p in path.iterdir() if p.name.lower().endswith((".parquet", ".pq")))
    elif path.exists():
        files = [str(path)]
    else:
        files = sorted(glob.glob(str(path)))
    if not files:
        raise InputValidationError(
            code=ErrorCode.FILE_NOT_FOUND, field="path", value=str(source), reason="no Parquet or CSV files found"
        )
    return files


def read_results(results: str | Path) -> list[dict[str, Any]]:
    """Score-file rows in input order from a results dataset, as the CLI builds them from ``iter_scores``."""
    frame = pd.read_parquet(results).sort_values("first_row", kind="stable")
    keys = [c for c in RESULT_COLUMNS if c != "first_row"]
    out: list[dict[str, Any]] = []
    for rec in frame[keys].astype(object).to_dict("records"):
        if rec["error"]:
            out.append({"series_id": rec["series_id"], "error": rec["error"]})
        else:
            out.append({k: (bool(v) if k == "flagged" else None if _missing(v) else v) for k, v in rec.items()})
    return out


def _missing(value: Any) -> bool:
    """NaN or NA in a results column (an interval not estimated): None in the rows, as ``to_row`` gives it."""
    return value is pd.NA or (isinstance(value, float) and value != value)


@contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator[Client]:
    """A client of the user's cluster, or of a LocalCluster sized to this machine for the call."""
    from distributed import Client, LocalCluster

    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with (
        LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        yield client


def _read(path: str, columns: list[str] | None = None) -> pd.DataFrame:
    """One input file, typed as ``detector.read_table`` types it."""
    with read_errors(Path(path)):
        if is_parquet(Path(path)):
            return pd.read_parquet(path, columns=columns)
        return pd.read_csv(path, dtype=CSV_DTYPES, usecols=columns)


def _survey(path: str) -> dict[str, object]:
    """Rows, distinct series and the lowest and highest id of one file (reads ``series_id`` only)."""
    if is_parquet(Path(path)):
        with read_errors(Path(path)):
            if pq.ParquetFile(path).metadata.num_rows == 0:
                return {"rows": 0, "series": 0, "first": "", "last": ""}
    keys = series_keys(_read(path, ["series_id"])["series_id"]).fillna("")
    if keys.empty:
        return {"rows": 0, "series": 0, "first": "", "last": ""}
    return {"rows": len(keys), "series": int(keys.nunique()), "first": str(keys.min()), "last": str(keys.max())}


def _disjoint(surveys: list[dict[str, object]]) -> bool:
    """True when the files' id ranges do not overlap, so no series can span two files."""
    spans = sorted((str(s["first"]), str(s["last"])) for s in surveys)
    return all(prev[1] < nxt[0] for prev, nxt in itertools.pairwise(spans))


def _disjoint_exact(client: Client, parts: list[_Part], surveys: list[dict[str, object]]) -> bool:
    """True when the distinct ids of the files add up to the dataset's (ranges overlap, e.g. unsorted ids)."""
    import dask.dataframe as dd

    ids = dd.from_map(_ReadIds(), [p.path for p in parts], enforce_metadata=False)
    total = int(client.compute(ids["series_id"].nunique()).result())
    return total == sum(int(str(s["series"])) for s in surveys)


class _ReadIds:
    """Task: one file's distinct stripped series ids."""

    def __call__(self, path: str) -> pd.DataFrame:
        keys = series_keys(_read(path, ["series_id"])["series_id"]).fillna("")
        return pd.DataFrame({"series_id": keys.drop_duplicates().astype(object)})


class _ReadPart:
    """Task: one file's rows with their input positions (for the shuffle)."""

    def __call__(self, part: _Part) -> pd.DataFrame:
        frame = _read(part.path)
        frame[_ROW] = np.arange(part.row0, part.row0 + len(frame), dtype=np.int64)
        frame[_KEY] = series_keys(frame["series_id"]).fillna("").astype(object)
        return frame


class _ScorePart:
    """Task: score one file of whole series with the worker's model, streaming it in blocks.

    The file is read as ``detector score`` reads a file (``read_blocks``: chunks of whole series), so a
    worker's memory is bounded by a block, not by the partition size.
    """

    def __init__(self, plugin: str, options: ScoreOptions) -> None:
        self.plugin, self.options = plugin, options

    def __call__(self, part: _Part) -> pd.DataFrame:
        from detector.scale._worker import worker_model

        model = worker_model(self.plugin)
        scored: list[tuple[str, ScoreReport | DetectorError]] = []
        first: dict[str, int] = {}
        for row0, block in read_blocks_checked(part.path, self.options.reading):
            first |= _first_rows(block["series_id"], part.row0 + row0)
            scored += score_block(block, part.row0 + row0, model=model, options=self.options)
        return _results(scored, first)


def _score_shuffled(frame: pd.DataFrame, plugin: str, options: ScoreOptions) -> pd.DataFrame:
    """Score one shuffled partition: rows back in input order, error rows renamed to input rows."""
    from detector.scale._worker import worker_model

    if frame.empty:
        return _empty_results()
    frame = frame.sort_values(_ROW, kind="stable")
    positions = frame[_ROW].to_numpy()
    first = _first_rows(frame["series_id"], 0)
    first = {sid: int(positions[r - 1]) + 1 for sid, r in first.items()}
    scored = score_block(frame.drop(columns=[_ROW, _KEY]), 0, model=worker_model(plugin), options=options)
    return _results([(sid, _renumber(r, positions)) for sid, r in scored], first)


def _renumber(result: ScoreReport | DetectorError, positions: np.ndarray) -> ScoreReport | DetectorError:
    """An error whose rows count a shuffled partition's rows, counting input rows instead."""
    if not isinstance(result, InputValidationError) or result.row is None:
        return result
    reason = re.sub(r"\(row (\d+) ", lambda m: f"(row {int(positions[int(m.group(1)) - 1]) + 1} ", result.reason)
    return InputValidationError(
        code=result.code,
        field=result.field,
        value=result.value,
        reason=reason,
        row=int(positions[result.row - 1]) + 1,
        series_id=result.series_id,
        more=result.more,
    )


def _first_rows(raw_ids: pd.Series, row0: int) -> dict[str, int]:
    """Each series' first 1-based input row, by the id ``block_series`` groups on."""
    keys = series_keys(raw_ids).fillna("").reset_index(drop=True)
    firsts = keys.drop_duplicates()
    return {str(k): row0 + int(i) + 1 for i, k in firsts.items()}


def _results(scored: list[tuple[str, ScoreReport | DetectorError]], first: dict[str, int]) -> pd.DataFrame:
    """Result rows (the score file's, plus ``first_row``) as a typed frame."""
    rows = [{"series_id": sid, "error": str(r)} if isinstance(r, DetectorError) else r.to_row() for sid, r in scored]
    frame = pd.DataFrame(rows, columns=[c for c in RESULT_COLUMNS if c != "first_row"])
    frame["first_row"] = [first[sid] for sid, _ in scored]
    return frame.astype(RESULT_COLUMNS)


def _empty_results() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in RESULT_COLUMNS.items()})
