"""Ingest: file, frame or arrays -> validated canonical ``LoadSeries`` with a quality report.

This face only hands names on; the reading itself is in ``detector.ingest.reader`` (patch names there, where
they are looked up, e.g. ``reader.clean_series_arrays``).
"""

from __future__ import annotations

from detector.ingest.reader import Source as Source
from detector.ingest.reader import (
    block_series,
    block_series_checked,
    from_arrays,
    iter_series,
    iter_series_checked,
    load,
    read_blocks,
    read_blocks_checked,
)
from detector.ingest.reading import Reading
from detector.ingest.series import MAX_FILL_HOURS, MIN_DAYS, LoadSeries, QualityReport
from detector.ingest.series import to_hourly as to_hourly
from detector.ingest.solar_hijri import CALENDARS, check_calendar
from detector.ingest.stream import CHUNK_ROWS, count_series
from detector.ingest.stream import iter_blocks as iter_blocks
from detector.ingest.table import CheckedTable as CheckedTable
from detector.ingest.table import check_rows as check_rows
from detector.ingest.table import check_zone as check_zone
from detector.ingest.table import file_path as file_path
from detector.ingest.table import first_problem as first_problem
from detector.ingest.table import read_table
from detector.ingest.units import UNITS, parse_unit
from detector.ingest.units import Unit as Unit

__all__ = [
    "CALENDARS",
    "CHUNK_ROWS",
    "MAX_FILL_HOURS",
    "MIN_DAYS",
    "UNITS",
    "LoadSeries",
    "QualityReport",
    "Reading",
    "block_series",
    "block_series_checked",
    "check_calendar",
    "count_series",
    "from_arrays",
    "iter_series",
    "iter_series_checked",
    "load",
    "parse_unit",
    "read_blocks",
    "read_blocks_checked",
    "read_table",
]
