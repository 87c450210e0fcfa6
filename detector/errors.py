"""Deliberate errors of the detector: one base class, specific subclasses.

The CLI renders any ``DetectorError`` as one stderr line (exit 2) and the HTTP layer as an
RFC 9457 problem; anything else is a bug.
"""

from __future__ import annotations

import functools
from typing import Any


class DetectorError(Exception):
    """Base of every deliberate error; the CLI and the API render it cleanly."""


class InputValidationError(DetectorError, ValueError):
    """Bad input: names the series, the 1-based data row, the field and the offending value."""

    def __init__(
        self,
        *,
        field: str,
        value: object,
        reason: str,
        row: int | None = None,
        series_id: str | None = None,
        more: int = 0,
    ) -> None:
        self.field, self.value, self.reason = field, value, reason
        self.row, self.series_id, self.more = row, series_id, more
        where = f"row {row}, " if row is not None else ""
        message = f"{where}field {field!r}: {reason} (got {value!r})"
        if more:
            message += f"; {more} more row{'s' if more > 1 else ''} like this"
        if series_id is not None:
            message += f" [series {series_id!r}]"
        super().__init__(message)

    def __reduce__(self) -> tuple[object, tuple[()]]:
        # Exception pickling calls cls(*args), which keyword-only arguments refuse; rebuild from the
        # fields instead, so the error survives the trip back from a worker process.
        fields: dict[str, Any] = {"field": self.field, "value": self.value, "reason": self.reason, "row": self.row}
        return functools.partial(type(self), **fields, series_id=self.series_id, more=self.more), ()


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
