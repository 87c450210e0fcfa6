"""Read a load file in blocks of whole series, so memory stays bounded by a chunk plus one series.

A file whose rows are grouped by series (as ``detector simulate`` and most exports write them) is read
in chunks (Parquet record batches, CSV ``chunksize``); each block handed on holds only series whose rows
are all in. A file whose series are interleaved (e.g. sorted by time) cannot be split that way: a first,
cheap pass over the ``series_id`` column finds that out before any series is handed on, and the whole
table is read instead (memory then grows with the file).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from detector.errors import ErrorCode, InputValidationError
from detector.ingest.table import (
    CSV_DTYPES,
    check_columns,
    header,
    is_parquet,
    read_errors,
    read_table,
    series_keys,
)

log = logging.getLogger(__name__)

CHUNK_ROWS = 250_000  # rows per read: ~30 series-years of hourly load, a few tens of MB


def iter_blocks(path: Path, chunk_rows: int | None = CHUNK_ROWS) -> Iterator[tuple[int, pd.DataFrame]]:
    """Yield ``(position of the first row, raw rows)`` blocks, each holding complete series only.

    ``chunk_rows=None`` (or a Parquet directory, or interleaved series) reads the whole table as one block.
    """
    if chunk_rows is None or path.is_dir():
        yield 0, read_table(path)
        return
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows!r}")
    check_columns(header(path))
    n_rows, reopened = _scan_grouping(path, chunk_rows)
    if n_rows == 0:
        raise InputValidationError(code=ErrorCode.NO_ROWS, field="load", value=0, reason="input has no data rows")
    if reopened is not None:
        log.warning(
            "%s: rows of one series are not together (row %d returns to a series seen before); reading the "
            "whole file, so memory is not bounded. Group rows by series_id for bounded memory.",
            path,
            reopened,
        )
        yield 0, read_table(path)
        return
    yield from _grouped_blocks(path, chunk_rows)


def _grouped_blocks(path: Path, chunk_rows: int) -> Iterator[tuple[int, pd.DataFrame]]:
    """Blocks of a file grouped by series: hold back the chunk's last series until its rows end.

    The last chunk goes whole into the last block, so a file of up to ``chunk_rows`` rows is one block.
    """
    pending: list[pd.DataFrame] = []  # rows of the series still open, possibly over several chunks
    pending_row0 = row = 0
    chunks = _read_chunks(path, chunk_rows)
    chunk = next(chunks, None)
    while chunk is not None:
        following = next(chunks, None)
        if following is None:
            yield pending_row0, pd.concat([*pending, chunk], ignore_index=True)
            return
        keys = series_keys(chunk["series_id"]).fillna("").to_numpy()
        others = np.flatnonzero(keys != keys[-1])
        cut = int(others[-1]) + 1 if others.size else 0  # first row of the chunk's last series
        if cut:
            yield pending_row0, pd.concat([*pending, chunk.iloc[:cut]], ignore_index=True)
            pending, pending_row0 = [chunk.iloc[cut:].copy()], row + cut
        else:
            pending.append(chunk)
        row += len(chunk)
        chunk = following


def _scan_grouping(path: Path, chunk_rows: int) -> tuple[int, int | None]:
    """Rows read and the first 1-based row that returns to an earlier series (``None``: grouped).

    Reads only the ``series_id`` column and keeps one id per series, so it is cheap and bounded.
    """
    closed: set[str] = set()
    current: str | None = None
    row = 0
    for chunk in _read_chunks(path, chunk_rows, columns=["series_id"]):
        keys = series_keys(chunk["series_id"]).fillna("")
        starts = np.flatnonzero((keys != keys.shift()).to_numpy(dtype=bool, na_value=True))
        values = keys.to_numpy()[starts]
        if values[0] == current:  # the chunk continues the open series
            starts, values = starts[1:], values[1:]
        for start, key in zip(starts, values, strict=True):  # one step per series, not per row
            if current is not None:
                closed.add(current)
            if key in closed:
                reopened = row + int(start) + 1
                return reopened, reopened  # stop here: the rest of the file cannot change the answer
            current = key
        row += len(chunk)
    return row, None


def _read_chunks(path: Path, chunk_rows: int, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """Non-empty raw chunks of about ``chunk_rows`` rows, typed as ``read_table`` types them."""
    with read_errors(path):
        if is_parquet(path):
            # pre_buffer=False: with pre-buffering the reader keeps every row group it has read (memory
            # grew by ~95 kB per series-year over a 10,000-series file); without it memory stays flat.
            reader = pq.ParquetFile(path, pre_buffer=False)
            for batch in reader.iter_batches(batch_size=chunk_rows, columns=columns):
                if batch.num_rows:
                    yield batch.to_pandas()
            return
        with pd.read_csv(path, dtype=CSV_DTYPES, usecols=columns, chunksize=chunk_rows) as reader:
            for chunk in reader:
                if len(chunk):
                    yield chunk


def count_series(source: object, limit: int = 100_000) -> int:
    """Distinct series ids in a file (reads the ``series_id`` column only; stops counting past ``limit``)."""
    path = Path(str(source))
    if path.is_dir():
        return int(read_table(path)["series_id"].nunique())
    seen: set[str] = set()
    for chunk in _read_chunks(path, CHUNK_ROWS, columns=["series_id"]):
        seen.update(series_keys(chunk["series_id"]).dropna().unique().tolist())
        if len(seen) > limit:
            break
    return len(seen)
