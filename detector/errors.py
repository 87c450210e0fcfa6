"""Deliberate errors of the detector: one base class, specific subclasses.

The CLI renders any ``DetectorError`` as one stderr line (exit 2) and the HTTP layer as an
RFC 9457 problem; anything else is a bug.
"""

from __future__ import annotations

import functools
from enum import StrEnum
from typing import Any


class DetectorError(Exception):
    """Base of every deliberate error; the CLI and the API render it cleanly."""


class ErrorCode(StrEnum):
    """What is wrong with an input, as a stable machine-readable name (``InputValidationError.code``).

    A closed set, in the way eemeter names its disqualifications: a program branches on the code, a person
    reads the message. A code is never renamed or reused for another meaning; new ones may be added.
    """

    NO_ROWS = "no_rows"  # a table with a header and no data rows
    MISSING_COLUMN = "missing_column"  # a required column is absent
    UNKNOWN_COLUMN = "unknown_column"  # a column the table does not take
    DUPLICATE_COLUMN = "duplicate_column"  # the same column twice
    FILE_NOT_FOUND = "file_not_found"  # no file at the path given
    UNREADABLE_FILE = "unreadable_file"  # not a CSV/Parquet file, or one that cannot be parsed
    MISSING_VALUE = "missing_value"  # an empty cell, or a required value or option not given
    BAD_VALUE = "bad_value"  # not a number, not a valid text
    NON_FINITE_VALUE = "non_finite_value"  # infinity where a finite number is needed
    NEGATIVE_LOAD = "negative_load"  # a load below zero
    OUT_OF_RANGE = "out_of_range"  # a number outside its allowed range
    BAD_CHOICE = "bad_choice"  # not one of the allowed names (outcome, engine, rig model, ...)
    CONFLICTING_OPTIONS = "conflicting_options"  # two options that cannot be given together
    BAD_UNIT = "bad_unit"  # an unknown unit, or mixed units within a series
    BAD_ZONE = "bad_zone"  # not an IANA time zone
    BAD_COUNTRY = "bad_country"  # no holiday calendar for this country
    BAD_CALENDAR = "bad_calendar"  # an unknown calendar, or Solar Hijri timestamps without a zone
    BAD_TIMESTAMP = "bad_timestamp"  # not a date-time (ISO 8601, or Solar Hijri with calendar solar-hijri)
    NAIVE_TIMESTAMP = "naive_timestamp"  # no UTC offset and no zone given, or a series mixing both ways
    DST_LOCAL_TIME = "dst_local_time"  # a local time skipped or repeated by a daylight-saving change
    TIMESTAMP_OUT_OF_RANGE = "timestamp_out_of_range"  # before or after the supported span (or the future)
    DUPLICATE_TIMESTAMP = "duplicate_timestamp"  # one timestamp with conflicting values
    BAD_RESOLUTION = "bad_resolution"  # a step that does not divide the hour, or mixed steps
    LENGTH_MISMATCH = "length_mismatch"  # not one value per timestamp
    TOO_LONG = "too_long"  # a text over its maximum length
    UNKNOWN_REFERENCE = "unknown_reference"  # names a series, job, feeder or meter that does not exist
    INCONSISTENT = "inconsistent"  # values that contradict each other (an end before its start, ...)
    DUPLICATE_ID = "duplicate_id"  # an id that repeats, or a meter mapped twice at once
    UNMAPPED = "unmapped"  # a meter series with no mapping row
    INVALID = "invalid"  # an error built without a code (code outside this package)


class InputValidationError(DetectorError, ValueError):
    """Bad input: names the series, the 1-based data row, the field and the offending value.

    ``code`` (an ``ErrorCode``) says what is wrong as a stable name; every raise in this package gives one.
    """

    def __init__(
        self,
        *,
        field: str,
        value: object,
        reason: str,
        row: int | None = None,
        series_id: str | None = None,
        more: int = 0,
        code: ErrorCode = ErrorCode.INVALID,
    ) -> None:
        self.field, self.value, self.reason = field, value, reason
        self.row, self.series_id, self.more = row, series_id, more
        self.code = ErrorCode(code)
        where = f"row {row}, " if row is not None else ""
        message = f"{where}field {field!r}: {reason} (got {value!r})"
        if more:
            message += f"; {more} more row{'s' if more > 1 else ''} like this"
        if series_id is not None:
            message += f" [series {series_id!r}]"
        super().__init__(message)

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        # Exception pickling calls cls(*args), which keyword-only arguments refuse, and so do subclasses with
        # their own signatures (BalanceInputError(table, exc), OutcomeFileError(errors), ...). Restore the
        # message and every attribute as they are instead, so any of them survives the trip back from a worker.
        return _restored, (type(self), self.args, dict(self.__dict__))


def _restored(cls: type[InputValidationError], args: tuple[object, ...], state: dict[str, Any]) -> InputValidationError:
    """An error as it was pickled (message and attributes), without running its ``__init__`` again."""
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc


class SeriesError(DetectorError):
    """An error of one series, named at the end of its message ("... [series 'm1']")."""

    def __init__(self, message: str, *, series_id: str | None = None) -> None:
        self.series_id = series_id
        suffix = f" [series {series_id!r}]" if series_id is not None else ""
        super().__init__(message + suffix)


class DataSufficiencyError(SeriesError, ValueError):
    """Too little usable data to model a series; the message states the need and what was given."""


class ScoringError(SeriesError):
    """An unexpected failure while scoring one series: a bug, not the data's fault and not "not enough data".

    It is that series' error, so a batch goes on with the others (nothing already accepted is lost); the
    traceback goes to the log, the message says it is internal. Over HTTP it is a 500.
    """


class ModelNotFoundError(DetectorError, LookupError):
    """A model artefact or version that does not exist."""


class ArtifactError(DetectorError):
    """A model artefact that is corrupt, tampered with or of an unknown schema version."""


class LimitExceededError(DetectorError):
    """An input over a limit its reader was given (``limit``: the argument's name, ``maximum`` its value)."""

    def __init__(self, *, limit: str, maximum: int, what: str) -> None:
        self.limit, self.maximum, self.what = limit, maximum, what
        super().__init__(f"input is over the limit {limit} = {maximum:,} {what}; reading stopped there")

    def __reduce__(self) -> tuple[object, tuple[()]]:
        return functools.partial(type(self), limit=self.limit, maximum=self.maximum, what=self.what), ()
