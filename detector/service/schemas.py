"""HTTP request and response models, built from the detector's result types (never the other way round)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.config import JsonDict

import detector
from detector.service.problems import MEDIA_TYPE
from detector.service.validation import (
    CALENDAR_FIELD,
    COUNTRY_FIELD,
    MAX_FALSE_ALARM_FIELD,
    Calendar,
    check_country,
)

FiniteOrGap = Annotated[float | None, Field(allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]


def example_series(days: int = 29) -> dict[str, Any]:
    """The documented request example: a feeder's hourly load (MW) and temperature over ``days`` days.

    29 days: just over the 28 a series needs, so "Try it out" on /docs (and any client replaying the
    example) gets a score, not a 422. A daily cycle with one gap (null), no randomness.
    """
    stamps = pd.date_range("2024-03-20", periods=days * 24, freq="h", tz="Asia/Tehran")
    daily = np.sin(2 * np.pi * (stamps.hour.to_numpy() - 8) / 24)
    values: list[float | None] = np.round(1.6 + 0.25 * daily, 3).tolist()
    values[2] = None
    return {
        "series_id": "feeder-17",
        "timestamps": [t.isoformat() for t in stamps],
        "values": values,
        "temperature": np.round(12.0 + 5.0 * daily, 1).tolist(),
    }


_EXAMPLE_OUT: JsonDict = {
    "series_id": "feeder-0001",
    "score": 0.98,
    "flagged": True,
    "threshold": 0.898,
    "onset": "2023-09-03T05:30:00Z",
    "end": None,
    "excess_load": {"value": 1.712, "unit": "MW", "rigs": 526.9, "rigs_low": 491.8, "rigs_high": 562.0},
    "segments": [
        {
            "start": "2023-09-03T05:30:00Z",
            "end": None,
            "excess_load": 1.712,
            "score": 0.98,
            "evidence": ["load rose by 1.71 MW (22% of mean) on 03 Sep 2023 and has stayed on since"],
            "excess_low": 1.598,
            "excess_high": 1.826,
        }
    ],
    "evidence": ["load rose by 1.71 MW (22% of mean) on 03 Sep 2023 and has stayed on since"],
    "data_quality": {"resolution": "1h", "hours": 8760, "coverage": 1.0, "gaps_filled": 0, "missing_hours": 0},
    "warnings": [],
    "model_version": "default-20261127-de3cb7f8",
    "expected": None,
    "excess_low": 1.598,
    "excess_high": 1.826,
    "peers": ["feeder-0006", "feeder-0013", "feeder-0020"],
    "onset_local": None,
    "end_local": None,
    "false_alarm_rate": 0.0,
}


MAX_PEER_SERIES = 399  # with the scored series, the 400 that "auto" peers take at most (as in the CLI)
PeerIds = Annotated[list[Annotated[str, Field(max_length=200)]], Field(max_length=MAX_PEER_SERIES)]


class PeerSeriesIn(BaseModel):
    """Another series of the same body (same unit and zone), a candidate peer of the scored one."""

    model_config = ConfigDict(extra="forbid", strict=True)

    series_id: str = Field(..., min_length=1, max_length=200, description="its id, as named in `peers`")
    timestamps: list[str] = Field(..., min_length=1, description="written as the scored series' timestamps")
    values: list[FiniteOrGap] = Field(..., description="load per timestamp; null is a gap")
    temperature: list[FiniteOrGap] | None = Field(None, description="°C per timestamp; null is a gap")


class ScoreIn(BaseModel):
    """One series as parallel arrays. ``null`` in ``values`` or ``temperature`` is a gap (as an empty CSV cell).

    ``peer_series`` may add other series of the same place and time (e.g. the other feeders of a city): with
    ``peers`` "auto" (the default) the scored series' expected load also follows those that track it best,
    "none" scores it alone, a list of ids uses just those. Without ``peer_series`` the series scores alone.
    """

    model_config = ConfigDict(
        extra="forbid",
        strict=True,  # JSON types as documented: 0 is no boolean, "1.5" no number
        json_schema_extra={"examples": [{"unit": "MW", "timezone": "Asia/Tehran", **example_series()}]},
    )

    series_id: str = Field("series", min_length=1, max_length=200, description="region, feeder or meter id")
    unit: str = Field(..., max_length=16, description="W, kW, MW, GW (power) or Wh, kWh, MWh, GWh (per interval)")
    timezone: str | None = Field(
        None, max_length=64, description="IANA zone: local time of naive timestamps and of the calendar"
    )
    timestamps: list[str] = Field(
        ...,
        description="ISO 8601, with an offset or naive local time plus `timezone`; or local Solar Hijri date-times "
        "(1402/08/17 14:00) with `calendar` solar-hijri",
    )
    values: list[FiniteOrGap] = Field(..., description="load per timestamp; null is a gap")
    temperature: list[FiniteOrGap] | None = Field(None, description="°C per timestamp; null is a gap")
    model: str | None = Field(None, max_length=100, description="model version (GET /v1/models); default model")
    country: str | None = Field(None, min_length=2, max_length=3, description=COUNTRY_FIELD)
    calendar: Calendar = Field("gregorian", description=CALENDAR_FIELD)
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="flag at this probability instead")
    max_false_alarm: float | None = Field(None, ge=0.0, le=1.0, description=MAX_FALSE_ALARM_FIELD)
    include_expected: bool = Field(False, description="also return the hourly expected-load curve")
    peers: Literal["auto", "none"] | PeerIds = Field(
        "auto",
        description="auto: the series in `peer_series` serve as peers (alone without them); none: alone; "
        "or the ids of the `peer_series` to use",
    )
    peer_series: list[PeerSeriesIn] = Field(
        default_factory=list,
        max_length=MAX_PEER_SERIES,
        description="other series (same unit and zone) that may serve as peers; a peer failing the input checks is "
        "left out",
    )

    @field_validator("country")
    @classmethod
    def _country_known(cls, country: str | None) -> str | None:
        return check_country(country) if country is not None else None


class ScoreCsvQuery(BaseModel):
    """The query parameters of ``POST /v1/score`` with a ``text/csv`` body: ``ScoreIn``'s options, by the same names.

    The body is one series as a long table (``series_id``, ``timestamp``, ``load``, ``temperature``, ``unit``:
    the ``detector score`` file contract, ``series_id`` optional).
    """

    model_config = ConfigDict(extra="forbid")

    series_id: str | None = Field(
        None, min_length=1, max_length=200, description="the series' id when the CSV has no series_id column"
    )
    unit: str | None = Field(None, max_length=16, description="W, kW, MW, GW or Wh, kWh, MWh, GWh; else a unit column")
    timezone: str | None = Field(
        None, max_length=64, description="IANA zone: local time of naive timestamps and of the calendar"
    )
    model: str | None = Field(None, max_length=100, description="model version (GET /v1/models); default model")
    country: str | None = Field(None, min_length=2, max_length=3, description=COUNTRY_FIELD)
    calendar: Calendar = Field("gregorian", description=CALENDAR_FIELD)
    threshold: float | None = Field(None, ge=0.0, le=1.0, description="flag at this probability instead")
    max_false_alarm: float | None = Field(None, ge=0.0, le=1.0, description=MAX_FALSE_ALARM_FIELD)
    include_expected: bool = Field(False, description="also return the hourly expected-load curve")

    @field_validator("country")
    @classmethod
    def _country_known(cls, country: str | None) -> str | None:
        return check_country(country) if country is not None else None

    @classmethod
    def openapi_parameters(cls) -> list[dict[str, Any]]:
        """The fields as OpenAPI query parameters (the route reads them itself, only for a CSV body)."""
        schema = cls.model_json_schema()
        return [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": f"text/csv body only: {prop.pop('description', '')}",
                "schema": prop,
            }
            for name, prop in schema["properties"].items()
        ]


class SegmentOut(BaseModel):
    start: datetime
    end: datetime | None = Field(description="exclusive; null while the block is still on")
    excess_load: float
    score: float
    evidence: list[str]
    excess_low: float | None = Field(None, description="90 % interval of excess_load, low end; null if unknown")
    excess_high: float | None = Field(None, description="90 % interval of excess_load, high end; null if unknown")

    @classmethod
    def of(cls, seg: detector.Segment) -> SegmentOut:
        return cls(
            start=seg.start,
            end=seg.end,
            excess_load=seg.excess_load,
            score=seg.score,
            evidence=list(seg.evidence),
            excess_low=_finite(seg.excess_low),
            excess_high=_finite(seg.excess_high),
        )


def _finite(value: float | None) -> float | None:
    """A float JSON can carry; None for a missing or non-finite estimate."""
    return float(value) if value is not None and math.isfinite(value) else None


class ExcessLoad(BaseModel):
    value: float
    unit: str
    rigs: float = Field(description="S19-class rig equivalents (3.25 kW each); 0 unless flagged")
    rigs_low: float | None = Field(None, description="90 % interval of rigs, low end; null unless flagged")
    rigs_high: float | None = Field(None, description="90 % interval of rigs, high end; null unless flagged")

    @classmethod
    def of(cls, report: detector.ScoreReport) -> ExcessLoad:
        low, high = report.rigs_interval or (None, None)
        return cls(
            value=report.excess_load, unit=report.unit, rigs=report.rigs, rigs_low=_finite(low), rigs_high=_finite(high)
        )


class ExpectedPoint(BaseModel):
    timestamp: datetime
    load: float | None


class SizeRecallOut(BaseModel):
    share: float = Field(description="a block's size, as a share of the series' mean load")
    load: float = Field(description="the same size in the series unit")
    recall: float = Field(description="share of mining blocks of that size flagged in this answer's context")
    windows: int = Field(description="mining windows of that size it was measured on")


class ScoreOut(BaseModel):
    """The answer for one series: the same facts as a row of the CLI's score file, with structure."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EXAMPLE_OUT]})

    series_id: str
    score: float = Field(description="calibrated probability that the series holds mining")
    flagged: bool
    threshold: float
    onset: datetime | None
    end: datetime | None
    excess_load: ExcessLoad
    segments: list[SegmentOut]
    evidence: list[str]
    data_quality: dict[str, Any]
    warnings: list[str]
    model_version: str
    expected: list[ExpectedPoint] | None = Field(None, description="hourly expected load (UTC), when asked for")
    excess_low: float | None = Field(None, description="90 % interval of excess_load.value, low end; null if unknown")
    excess_high: float | None = Field(None, description="90 % interval of excess_load.value, high end; null if unknown")
    peers: list[str] = Field(default_factory=list, description="ids of the series used as peers; [] when scored alone")
    onset_local: str | None = Field(
        None,
        description="onset as a local Solar Hijri date-time (1402/08/17 14:00) for calendar solar-hijri, else null",
    )
    end_local: str | None = Field(None, description="end as onset_local writes it; null while on or for gregorian")
    false_alarm_rate: float | None = Field(
        None,
        description="how often a real load with no added block (training zones, out of fold, the same context: with "
        "or without peers, input length) scored this high or higher: (k + 1) / (n + 1) of its n clean windows, so "
        "never 0; null if the model has no such table",
    )
    recall_by_size: list[SizeRecallOut] = Field(
        default_factory=list,
        description="how often mining of 5, 10 and 20 % of mean load was flagged on zones never seen in training, "
        "scored as this series was (with or without peers and temperature, about a year, the model's operating "
        "point): what an unflagged answer does not rule out; [] where not measured",
    )

    @classmethod
    def of(cls, report: detector.ScoreReport, *, with_expected: bool = False) -> ScoreOut:
        expected = None
        if with_expected and report.expected is not None:
            expected = [
                ExpectedPoint(timestamp=t, load=None if math.isnan(v) else float(v))
                for t, v in zip(report.expected.index, report.expected.to_numpy(), strict=True)
            ]
        return cls(
            series_id=report.series_id,
            score=report.score,
            flagged=report.flagged,
            threshold=report.threshold,
            onset=report.onset,
            end=report.end,
            excess_load=ExcessLoad.of(report),
            segments=[SegmentOut.of(s) for s in report.segments],
            evidence=list(report.evidence),
            data_quality=report.quality,
            warnings=list(report.warnings),
            model_version=report.model_version,
            expected=expected,
            excess_low=_finite(report.excess_interval[0]) if report.excess_interval else None,
            excess_high=_finite(report.excess_interval[1]) if report.excess_interval else None,
            peers=list(report.peers),
            onset_local=report.onset_local,
            end_local=report.end_local,
            false_alarm_rate=report.false_alarm_rate,
            recall_by_size=[
                SizeRecallOut(share=r.share, load=r.load, recall=r.recall, windows=r.windows)
                for r in report.recall_by_size
            ],
        )


class ModelOut(BaseModel):
    version: str
    default: bool
    threshold: float
    features: list[str]
    trained_at: str | None
    validation: dict[str, Any] | None


class JobCounts(BaseModel):
    total: int | None = Field(description="series in the upload; null until the worker has read it")
    done: int = Field(description="series finished (scored or failed)")
    failed: int
    flagged: int


class JobOut(BaseModel):
    id: str
    state: Literal["queued", "running", "done", "failed"]
    filename: str
    progress: float | None = Field(description="done / total, 0 to 1")
    counts: JobCounts
    error: str | None = Field(description="why the whole job failed; per-series errors are in the results")
    attempts: int
    model_version: str | None
    options: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    links: dict[str, str]


class JobsPage(BaseModel):
    """One page of the caller's jobs, newest first."""

    items: list[JobOut]
    total: int = Field(description="jobs of the caller's tenant, all pages")
    limit: int
    next_cursor: str | None = Field(description="pass as `cursor` for the next (older) page; null on the last page")
    links: dict[str, str] = Field(description="`next`: the next page's URL, while there is one")


class ResultsPage(BaseModel):
    job_id: str
    state: str
    total: int = Field(description="rows in the full list (scored and failed series)")
    limit: int
    offset: int
    items: list[dict[str, Any]] = Field(
        description="score-file rows ranked by score: series_id, score, flagged, onset, end, excess_load, unit, "
        "rigs, threshold, evidence, data_quality, model_version, error, excess_low, excess_high (90 % interval of "
        "excess_load; null if unknown), peers (ids used as peers, space-separated; empty when scored alone), "
        "onset_local, end_local (local Solar Hijri date-times for calendar solar-hijri, else empty), rigs_low, "
        "rigs_high (90 % interval of rigs; null unless flagged), false_alarm_rate (share of clean real training "
        'loads of the same context scoring as high; null if the model has no such table), recall_by_size ("5%: '
        '0.05; 10%: 0.38; 20%: 0.81": how often mining of that share of mean load was flagged on zones never seen, '
        "scored the same way; empty where not measured)"
    )


class Problem(BaseModel):
    """RFC 9457 problem details."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": "/problems/invalid-input",
                    "title": "Invalid input",
                    "status": 422,
                    "detail": "values[17]: load must be >= 0 (got -3.2)",
                    "instance": "/v1/score",
                    "field": "values",
                    "index": 17,
                    "value": -3.2,
                    "code": "negative_load",
                }
            ]
        }
    )

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    field: str | None = None
    index: int | None = None
    row: int | None = Field(None, description="1-based data row of a text/csv body (the header is not a row)")
    value: Any = None
    code: detector.ErrorCode | None = Field(
        None,
        description="what is wrong with the input, as a stable name (an invalid-input problem from the detector's "
        "input checks; see docs/api.md, 'Error codes'); absent on other problems",
    )


PROBLEM_TEXT = {
    400: "more than one X-API-Key header",
    401: "no or unknown API key",
    403: "revoked API key",
    404: "unknown job, series or model",
    409: "the series failed or the job has not reached it",
    413: "body, upload or series too large",
    415: "the body's Content-Type is not one this operation takes",
    422: "invalid input, naming field, index and value",
    429: "rate limit exceeded (see Retry-After)",
    503: "the server's storage is full or unwritable; try again later (see Retry-After)",
}


def problem_content() -> dict[str, Any]:
    """OpenAPI ``content`` of an error response: a ``Problem`` as ``application/problem+json`` (what is sent)."""
    return {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries: these status codes answer with a problem document.

    ``openapi.install`` adds the ones every /v1 operation can give (400, 401, 403, 429, and 415 with a body).
    """
    return {code: {"description": PROBLEM_TEXT[code], "content": problem_content()} for code in codes}


def utc(ts: datetime | None) -> datetime | None:
    """Database datetimes come back naive on SQLite; they are UTC."""
    if ts is None or ts.tzinfo is not None:
        return ts
    utc: datetime = pd.Timestamp(ts).tz_localize("UTC").to_pydatetime()
    return utc
