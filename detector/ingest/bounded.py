"""Counted reading: a file's uncompressed bytes are counted as they are read, and stop at a limit.

So a small ``.csv.gz`` that expands to gigabytes (a gzip bomb) raises ``LimitExceededError`` once the limit
is read, with memory bounded by the limit, instead of filling memory first. Parquet files declare their
rows and uncompressed size in their footer, which is checked before any row is decoded.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pyarrow.parquet as pq

from detector.errors import LimitExceededError


class CountedReader(io.RawIOBase):
    """A binary stream over ``raw`` that raises ``LimitExceededError`` past ``max_bytes`` bytes read."""

    def __init__(self, raw: io.BufferedIOBase, max_bytes: int | None) -> None:
        self._raw, self.max_bytes, self.count = raw, max_bytes, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        if self.max_bytes is not None and self.count > self.max_bytes:
            raise LimitExceededError(limit="max_bytes", maximum=self.max_bytes, what="bytes of uncompressed data")
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def open_counted(path: Path, max_bytes: int | None) -> io.BufferedReader:
    """``path`` opened for reading, decompressed if it ends in ``.gz``, counted against ``max_bytes``."""
    # The caller closes the returned reader, which closes this file (SIM115 wants a with-block here).
    raw: io.BufferedIOBase = gzip.open(path, "rb") if path.name.lower().endswith(".gz") else path.open("rb")  # noqa: SIM115
    return io.BufferedReader(CountedReader(raw, max_bytes), buffer_size=1 << 16)


def check_parquet_size(path: Path, max_bytes: int | None, max_rows: int | None) -> int:
    """Raise if a Parquet file's footer declares more rows or uncompressed bytes than allowed; else its rows."""
    meta = pq.ParquetFile(path).metadata
    if max_rows is not None and meta.num_rows > max_rows:
        raise LimitExceededError(limit="max_rows", maximum=max_rows, what="data rows")
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if max_bytes is not None and size > max_bytes:
        raise LimitExceededError(limit="max_bytes", maximum=max_bytes, what="bytes of uncompressed data")
    return int(meta.num_rows)
