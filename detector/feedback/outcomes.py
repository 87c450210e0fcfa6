"""Inspection outcomes: what an analyst found on site, checked field by field.

An outcome names a series (optionally one of its segments by its start), what the inspection found
(``mining``, ``not_mining`` or ``not_inspected``), who recorded it and when. Outcomes are records of
their own: they never change a past result, which keeps naming the model version that produced it.
Storage is the service's (``detector.service.store``); this module only validates.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from detector.errors import ErrorCode, InputValidationError

OUTCOMES: tuple[str, ...] = ("mining", "not_mining", "not_inspected")
REQUIRED_COLUMNS: tuple[str, ...] = ("series_id", "outcome")
OPTIONAL_COLUMNS: tuple[str, ...] = ("job_id", "segment_start", "model_version", "note", "recorded_by", "inspected_at")
MAX_LENGTH = {"series_id": 255, "job_id": 64, "model_version": 100, "note": 4000, "recorded_by": 100}
MAX_ROWS_LISTED = 10


@dataclass(frozen=True, slots=True)
class OutcomeDraft:
    """An outcome as submitted, checked but not yet stored (times are UTC)."""

    series_id: str
    outcome: str
    job_id: str | None = None
    segment_start: pd.Timestamp | None = None
    model_version: str | None = None
    note: str | None = None
    recorded_by: str | None = None
    inspected_at: pd.Timestamp | None = None

    def key(self) -> tuple[object, ...]:
        """Everything but who and when it was stored: two drafts with one key say the same thing."""
        return (
            self.series_id,
            self.outcome,
            self.job_id,
            self.segment_start,
            self.model_version,
            self.note,
            self.inspected_at,
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """A stored outcome: the draft plus its id and when it was recorded (UTC)."""

    id: int
    series_id: str
    outcome: str
    job_id: str | None
    segment_start: pd.Timestamp | None
    model_version: str | None
    note: str | None
    recorded_by: str
    recorded_at: pd.Timestamp
    inspected_at: pd.Timestamp | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (ISO 8601 times)."""
        iso = {"segment_start", "recorded_at", "inspected_at"}
        return {
            name: (value.isoformat() if name in iso and value is not None else value)
            for name, value in ((n, getattr(self, n)) for n in self.__slots__)
        }

    def draft(self) -> OutcomeDraft:
        return OutcomeDraft(
            self.series_id,
            self.outcome,
            self.job_id,
            self.segment_start,
            self.model_version,
            self.note,
            self.recorded_by,
            self.inspected_at,
        )


class UnknownReferenceError(InputValidationError):
    """An outcome that names a job, or a series of a job, that does not exist (``kind``: unknown-job/-series)."""

    def __init__(self, *, kind: str, field: str, value: object, reason: str, row: int | None = None) -> None:
        super().__init__(field=field, value=value, reason=reason, row=row, code=ErrorCode.UNKNOWN_REFERENCE)
        self.kind = kind


class OutcomeFileError(InputValidationError):
    """A file of outcomes with bad rows: the first is the message, all are in ``errors``; nothing was stored."""

    def __init__(self, errors: list[InputValidationError]) -> None:
        first = errors[0]
        super().__init__(field=first.field, value=first.value, reason=first.reason, row=first.row, code=first.code)
        self.errors = tuple(errors)
        message = str(first)
        if len(errors) > 1:
            rows = ", ".join(str(e.row) for e in errors[1:MAX_ROWS_LISTED])
            more = "" if len(errors) <= MAX_ROWS_LISTED else ", ..."
            message += f"; {len(errors) - 1} more bad row{'s' if len(errors) > 2 else ''} ({rows}{more})"
        self.args = (message + "; nothing imported",)


def _text(raw: Mapping[str, Any], name: str, row: int | None, *, required: bool = False) -> str | None:
    value = raw.get(name)
    if value is None or (isinstance(value, float) and pd.isna(value)):
        value = ""
    text = str(value).strip()
    if not text:
        if required:
            raise InputValidationError(
                code=ErrorCode.MISSING_VALUE, row=row, field=name, value=value, reason=f"{name} is empty"
            )
        return None
    if "\x00" in text:  # no database stores it as text
        raise InputValidationError(
            code=ErrorCode.BAD_VALUE, row=row, field=name, value=text, reason="contains a NUL character"
        )
    if len(text) > MAX_LENGTH[name]:
        raise InputValidationError(
            code=ErrorCode.TOO_LONG,
            row=row,
            field=name,
            value=text[:40] + "...",
            reason=f"longer than {MAX_LENGTH[name]} characters",
        )
    return text


def _time(raw: Mapping[str, Any], name: str, row: int | None, *, date_ok: bool) -> pd.Timestamp | None:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and pd.isna(value)):
        return None
    ts = None
    if isinstance(value, str | date):  # a number is no date-time: 0 would be read as 1970-01-01
        try:  # ISO 8601 only: 01/07/2023 is January in one country and July in another
            ts = pd.Timestamp(datetime.fromisoformat(value.strip()) if isinstance(value, str) else value)
        except (ValueError, TypeError):
            ts = None
    if ts is None or pd.isna(ts):
        raise InputValidationError(
            code=ErrorCode.BAD_TIMESTAMP,
            row=row,
            field=name,
            value=value,
            reason="not an ISO 8601 date-time, e.g. 2024-03-20T09:00+03:30",
        )
    if not isinstance(value, str):  # a datetime from a request: name it as the client wrote it
        value = ts.isoformat()
    if ts.tzinfo is None:
        is_date = isinstance(value, str) and len(value.strip()) == 10
        if not (date_ok and is_date):
            raise InputValidationError(
                code=ErrorCode.NAIVE_TIMESTAMP,
                row=row,
                field=name,
                value=value,
                reason="needs a UTC offset, e.g. 2024-03-20T09:00+03:30",
            )
        ts = ts.tz_localize("UTC")  # a bare inspection date: that day
    ts = ts.tz_convert("UTC")
    if ts > pd.Timestamp.now(tz="UTC") + pd.Timedelta(minutes=5):
        raise InputValidationError(
            code=ErrorCode.TIMESTAMP_OUT_OF_RANGE, row=row, field=name, value=value, reason="is in the future"
        )
    return ts


def check_outcome(raw: Mapping[str, Any], *, row: int | None = None, recorded_by: str | None = None) -> OutcomeDraft:
    """One outcome from a mapping of fields (text from a file or values from a request), checked.

    ``recorded_by`` fills a missing ``recorded_by`` field; ``row`` (1-based) goes into every error.
    """
    series_id = _text(raw, "series_id", row, required=True)
    value = raw.get("outcome")
    outcome = str(value).strip().lower() if value is not None else ""
    if outcome not in OUTCOMES:
        raise InputValidationError(
            code=ErrorCode.BAD_CHOICE,
            row=row,
            field="outcome",
            value=value,
            reason=f"outcome must be one of {', '.join(OUTCOMES)}",
        )
    by = _text(raw, "recorded_by", row) or recorded_by
    if by is None:
        raise InputValidationError(
            code=ErrorCode.MISSING_VALUE,
            row=row,
            field="recorded_by",
            value=raw.get("recorded_by"),
            reason="recorded_by is empty and no default is given (CLI: --by NAME)",
        )
    return OutcomeDraft(
        series_id=str(series_id),
        outcome=outcome,
        job_id=_text(raw, "job_id", row),
        segment_start=_time(raw, "segment_start", row, date_ok=False),
        model_version=_text(raw, "model_version", row),
        note=_text(raw, "note", row),
        recorded_by=by[: MAX_LENGTH["recorded_by"]],
        inspected_at=_time(raw, "inspected_at", row, date_ok=True),
    )


def read_outcomes(source: str | Path | pd.DataFrame, *, recorded_by: str | None = None) -> list[OutcomeDraft]:
    """Read a CSV of outcomes (columns series_id, outcome[, job_id, segment_start, model_version, note,
    recorded_by, inspected_at]) and check every row.

    All or nothing: any bad row raises ``OutcomeFileError`` naming the first bad row, field and value
    and listing the other bad rows. ``recorded_by`` is used where the column is missing or empty.
    """
    if isinstance(source, pd.DataFrame):
        frame = source.astype(object).where(source.notna(), "")
    else:
        path = Path(source)
        if not path.is_file():
            raise InputValidationError(
                code=ErrorCode.FILE_NOT_FOUND, field="path", value=str(path), reason="file not found"
            )
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
        except (ValueError, OSError, UnicodeDecodeError) as exc:
            raise InputValidationError(
                code=ErrorCode.UNREADABLE_FILE, field="path", value=str(path), reason=f"cannot read file: {exc}"
            ) from exc
    columns = [str(c).strip() for c in frame.columns]
    frame.columns = columns
    expected = f"an outcome file has columns {', '.join(REQUIRED_COLUMNS)}[, {', '.join(OPTIONAL_COLUMNS)}]"
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            raise InputValidationError(
                code=ErrorCode.MISSING_COLUMN, field=name, value=columns, reason=f"required column missing; {expected}"
            )
    for name in columns:
        if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            raise InputValidationError(
                code=ErrorCode.UNKNOWN_COLUMN, field=name, value=columns, reason=f"unknown column; {expected}"
            )
    if len(frame) == 0:
        raise InputValidationError(code=ErrorCode.NO_ROWS, field="series_id", value=0, reason="file has no data rows")
    drafts, errors = [], []
    for i, raw in enumerate(frame.to_dict("records"), start=1):
        try:
            drafts.append(check_outcome(raw, row=i, recorded_by=recorded_by))
        except InputValidationError as exc:
            errors.append(exc)
    if errors:
        raise OutcomeFileError(errors)
    return drafts
