"""Inspection outcomes in the service's database and recalibration from them (for the routes and the CLI).

Outcomes are checked by ``detector.feedback``; here they are checked against the database (a job
they name must exist and hold the series; its model version is filled in) and stored, each call in
one transaction, so a bad file stores nothing. Stored outcomes are never updated, and nothing here
touches a job's results: they keep naming the model version that produced them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from detector.errors import ErrorCode, InputValidationError
from detector.feedback import (
    LoadSource,
    Outcome,
    OutcomeDraft,
    OutcomeFileError,
    UnknownReferenceError,
    check_outcome,
    read_outcomes,
)
from detector.service.store import OutcomeRecord, Store

SETTINGS_KEY = "settings key"  # who recorded an outcome sent with a key from DETECTOR_API_KEYS (no name)


def recorder(store: Store, key_id: int | None) -> str:
    """The name of the API key that sent a request (a key from the settings has none)."""
    return (store.key_name(key_id) if key_id is not None else None) or SETTINGS_KEY


def _utc(ts: Any) -> pd.Timestamp | None:
    if ts is None:
        return None
    t = pd.Timestamp(ts)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")  # SQLite gives naive UTC


def to_outcome(rec: OutcomeRecord) -> Outcome:
    recorded_at = _utc(rec.recorded_at)
    assert recorded_at is not None
    return Outcome(
        id=rec.id,
        series_id=rec.series_id,
        outcome=rec.outcome,
        job_id=rec.job_id,
        segment_start=_utc(rec.segment_start),
        model_version=rec.model_version,
        note=rec.note,
        recorded_by=rec.recorded_by,
        recorded_at=recorded_at,
        inspected_at=_utc(rec.inspected_at),
    )


class _Jobs:
    """Jobs looked up once per call: does it exist, which series has it, which model scored it, whose it is.

    With a ``tenant`` (a request) another tenant's job is unknown, as a job that does not exist.
    """

    def __init__(self, store: Store, tenant: str | None = None) -> None:
        self.store, self.tenant = store, tenant
        self._seen: dict[str, tuple[str | None, set[str], str | None] | None] = {}
        self.owner: dict[str, str | None] = {}  # tenant of each job resolved

    def resolve(self, draft: OutcomeDraft, row: int | None) -> OutcomeDraft:
        if draft.job_id is None:
            return draft
        if draft.job_id not in self._seen:
            job = (
                self.store.get_job(draft.job_id)
                if self.tenant is None
                else self.store.job_of(draft.job_id, self.tenant)
            )
            self._seen[draft.job_id] = (
                None if job is None else (job.model_version, self.store.done_series(job.id), job.tenant)
            )
        known = self._seen[draft.job_id]
        if known is None:
            raise UnknownReferenceError(
                kind="unknown-job", row=row, field="job_id", value=draft.job_id, reason="no job with this id"
            )
        version, series, self.owner[draft.job_id] = known
        if draft.series_id not in series:
            raise UnknownReferenceError(
                kind="unknown-series",
                row=row,
                field="series_id",
                value=draft.series_id,
                reason=f"job {draft.job_id} has no result for this series",
            )
        if draft.model_version is not None and version is not None and draft.model_version != version:
            raise InputValidationError(
                code=ErrorCode.INCONSISTENT,
                row=row,
                field="model_version",
                value=draft.model_version,
                reason=f"job {draft.job_id} was scored with model {version!r}",
            )
        return OutcomeDraft(**{**_fields(draft), "model_version": draft.model_version or version})


def _fields(draft: OutcomeDraft) -> dict[str, Any]:
    return {name: getattr(draft, name) for name in draft.__slots__}


def _store(store: Store, drafts: Sequence[OutcomeDraft], tenants: Sequence[str | None]) -> list[Outcome]:
    rows = store.add_outcomes([{**_fields(d), "tenant": t} for d, t in zip(drafts, tenants, strict=True)])
    return [to_outcome(r) for r in rows]


def record_outcome(
    store: Store, fields: Mapping[str, Any], recorded_by: str, tenant: str, admin: bool = False
) -> Outcome:
    """Check and store one outcome (a request body) for ``tenant``; ``recorded_by`` is the caller's key name.

    A job it names must be ``tenant``'s (another tenant's job is an unknown job), any tenant's for an ``admin``
    key; the outcome belongs to the job's tenant, else to ``tenant``.
    """
    draft = check_outcome({**fields, "recorded_by": recorded_by})
    jobs = _Jobs(store, None if admin else tenant)
    resolved = jobs.resolve(draft, None)
    owner = jobs.owner[resolved.job_id] if resolved.job_id is not None else tenant
    return _store(store, [resolved], [owner])[0]


def import_outcomes(
    store: Store, source: str | Path | pd.DataFrame, recorded_by: str | None = None, tenant: str | None = None
) -> tuple[list[Outcome], int]:
    """Check every row of an outcome file, then store all of them in one transaction, or none.

    A row that names a job belongs to that job's tenant, the others to ``tenant`` (None: only the CLI
    sees them). Rows identical to an outcome already stored (or to an earlier row) are skipped, so
    importing a file twice records it once. Returns the stored outcomes and how many rows were skipped.
    """
    drafts = read_outcomes(source, recorded_by=recorded_by)
    jobs, errors, checked = _Jobs(store), [], []
    for i, draft in enumerate(drafts, start=1):
        try:
            checked.append(jobs.resolve(draft, i))
        except InputValidationError as exc:
            errors.append(exc)
    if errors:
        raise OutcomeFileError(errors)
    seen = {o.draft().key() for o in all_outcomes(store)}
    fresh = []
    for draft in checked:
        if draft.key() not in seen:
            seen.add(draft.key())
            fresh.append(draft)
    tenants = [jobs.owner[d.job_id] if d.job_id is not None else tenant for d in fresh]
    return (_store(store, fresh, tenants) if fresh else []), len(checked) - len(fresh)


def list_outcomes(
    store: Store,
    *,
    series_id: str | None = None,
    job_id: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    tenant: str | None = None,
) -> tuple[int, list[Outcome]]:
    """Outcomes in recorded order; ``tenant``: only that tenant's (requests), None: all (the CLI)."""
    total, rows = store.outcomes(series_id=series_id, job_id=job_id, limit=limit, offset=offset, tenant=tenant)
    return total, [to_outcome(r) for r in rows]


def all_outcomes(store: Store) -> list[Outcome]:
    return list_outcomes(store)[1]


def job_sources(store: Store, job_ids: Sequence[str]) -> dict[str | None, LoadSource]:
    """The uploads (with their unit, zone and country) of these jobs; a job whose upload is gone is left out."""
    out: dict[str | None, LoadSource] = {}
    for job_id in job_ids:
        job = store.get_job(job_id)
        if job is None or not Path(job.upload_path).exists():
            continue
        opts = json.loads(job.options)
        out[job_id] = LoadSource(
            Path(job.upload_path),
            opts.get("unit"),
            opts.get("timezone"),
            opts.get("country", "IR"),
            opts.get("calendar", "gregorian"),  # jobs queued before calendars existed are Gregorian
        )
    return out
