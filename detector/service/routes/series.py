"""GET /v1/jobs/{job_id}/series/{series_id}: one scored series of a job with its hourly curves (for charts)."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from detector.service.deps import RegistryDep, ScopeDep, StoreDep
from detector.service.routes.jobs import scored_series
from detector.service.schemas import ScoreOut, problem_responses

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


def _listed(values: np.ndarray) -> list[float | None]:
    """Floats rounded to 6 significant digits (a chart needs no more); NaN becomes null (a gap)."""
    return [None if math.isnan(v) else float(f"{v:.6g}") for v in values.tolist()]


class SeriesOut(BaseModel):
    """One series of a job on its canonical hourly UTC grid: ``timestamp[i] = start + i * step_seconds``."""

    job_id: str
    series_id: str
    unit: str = Field(description="unit of load, expected and excess load (as in the upload)")
    timezone: str = Field(description="the series' local zone (calendar and display)")
    start: datetime = Field(description="first hour, UTC")
    step_seconds: int = Field(3600, description="grid step: hourly")
    load: list[float | None] = Field(description="mean power per hour; null is missing")
    expected: list[float | None] = Field(description="load that calendar and weather explain, without the block")
    temperature: list[float | None] | None = Field(description="°C per hour, when the upload had it")
    report: ScoreOut = Field(description="the score, segments, evidence and data quality (as /v1/score)")


@router.get(
    "/{job_id}/series/{series_id:path}",  # ids may hold "/" (sent as %2F); .../plot.png matches the plot route first
    response_model=SeriesOut,
    responses=problem_responses(401, 403, 404, 409, 429),
)
async def get_series(
    job_id: str, series_id: str, store: StoreDep, registry: RegistryDep, tenant: ScopeDep
) -> SeriesOut:
    """Hourly load, expected load and temperature of one scored series, with its report (segments, evidence).

    The series is read from the stored upload and scored again as the job did, so the numbers match its
    row in ``/results``. 404 for an unknown job or series, 409 for a series that failed.
    """
    series, report = await run_in_threadpool(scored_series, store, registry, job_id, series_id, tenant)
    assert report.expected is not None  # scored_series asks for it
    return SeriesOut(
        job_id=job_id,
        series_id=report.series_id,
        unit=report.unit,
        timezone=series.tz,
        start=series.start.to_pydatetime(),
        load=_listed(series.load),
        expected=_listed(report.expected.reindex(series.index).to_numpy(dtype=np.float64)),
        temperature=_listed(series.temperature) if series.temperature is not None else None,
        report=ScoreOut.of(report),
    )
