"""POST /v1/verify: a claimed mining fleet checked against a load series (and its peers)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

import detector
from detector.claims import MAX_PEERS, Claim, parse_curtail_months, render
from detector.rigs import RIGS
from detector.service.deps import KeyDep, SettingsDep
from detector.service.problems import ProblemError, from_validation
from detector.service.schemas import FiniteOrGap, problem_responses
from detector.service.validation import COUNTRY_FIELD, Calendar, check_country, json_problem

router = APIRouter(prefix="/v1", tags=["claims"])
_PROBLEMS = problem_responses(401, 403, 413, 422, 429)


class ClaimSeriesIn(BaseModel):
    """One series as parallel arrays (as in POST /v1/score); ``null`` is a gap."""

    model_config = ConfigDict(extra="forbid", strict=True)
    series_id: str = Field("series", min_length=1, max_length=200)
    timestamps: list[str]
    values: list[FiniteOrGap]
    temperature: list[FiniteOrGap] | None = None


class ClaimIn(BaseModel):
    """The claim: rigs (with ``rig_model`` or ``kw_per_rig``) or total ``power_kw``, since ``start``."""

    model_config = ConfigDict(extra="forbid", strict=True)
    start: str = Field(..., max_length=40, description="claimed start, local date or time (ISO 8601)")
    rigs: float | None = Field(None, description="number of rigs claimed")
    rig_model: str | None = Field(None, max_length=40, description=f"one of {', '.join(RIGS)}")
    kw_per_rig: float | None = Field(None, description="kW per rig, instead of rig_model")
    power_kw: float | None = Field(None, description="claimed total power in kW, instead of rigs")
    uptime: float = Field(1.0, description="claimed share of hours on")
    licensed_kw: float | None = Field(None, description="licensed capacity in kW")
    curtail_hours: list[int] = Field(default_factory=list, max_length=23, description="local hours to shed")
    curtail_share: float = Field(1.0, description="share of the load to shed in those hours (1 = off)")
    curtail_months: Annotated[list[int], Field(max_length=12)] | Annotated[str, Field(max_length=100)] = Field(
        default_factory=list,
        description="local months (1-12) the curtailment applies in; [] all year; or a rule as text: 6-9, or Solar "
        "Hijri month names such as Tir-Shahrivar (which set curtail_calendar solar-hijri)",
    )
    dedicated: bool = Field(False, description="the series meters the mining site alone")
    curtail_calendar: Calendar = Field(
        "gregorian", description="the calendar of curtail_months numbers (solar-hijri: 1 = Farvardin), by local date"
    )


class VerifyIn(BaseModel):
    """A site's or region's load, the claim about it, and optionally peers: places without the claim."""

    model_config = ConfigDict(extra="forbid", strict=True)
    series: ClaimSeriesIn
    claim: ClaimIn
    peers: list[ClaimSeriesIn] = Field(default_factory=list, max_length=MAX_PEERS * 4)
    unit: str = Field(..., max_length=16, description="unit of every series: W, kW, MW, GW or Wh, kWh, MWh")
    timezone: str | None = Field(None, max_length=64, description="IANA zone of local time")
    country: str | None = Field(None, min_length=2, max_length=3, description=COUNTRY_FIELD)
    confidence: float = Field(0.9, ge=0.5, lt=1.0)
    tolerance: float = Field(0.15, ge=0.0, lt=1.0, description="slack granted to the claim")

    @field_validator("country")
    @classmethod
    def _country_known(cls, country: str | None) -> str | None:
        return check_country(country) if country is not None else None


class Interval(BaseModel):
    value: float
    low: float
    high: float


class RigsOut(BaseModel):
    kw_per_rig: float
    claimed: float
    implied: float | None
    low: float | None
    high: float | None


class CurtailmentOut(BaseModel):
    hours: list[int]
    required_share: float
    shed_share: float | None
    low: float | None
    high: float | None
    verdict: Literal["complies", "does not comply", "undecidable"]
    reason: str
    months: list[int]
    calendar: Calendar = Field("gregorian", description="the calendar of months (solar-hijri: 1 = Farvardin)")


class VerifyOut(BaseModel):
    """The verdict with its reasons; power in the series' unit, rigs of the claim's kind."""

    series_id: str
    verdict: Literal["consistent", "inconsistent", "undecidable"]
    finding: str = Field(description="matches, too little, more than claimed, over licence; empty if undecidable")
    reasons: list[str]
    unit: str
    confidence: float
    claimed: float = Field(description="mean power the claim implies, series unit")
    observed: Interval | None = Field(description="flat excess since the claimed start, with its interval")
    rigs: RigsOut
    start: str
    days_before: int
    days_after: int
    method: str = Field(description="alone, peers (synthetic control), +trend (growth modelled) or dedicated")
    flatness: float | None
    hourly_excess: list[float]
    curtailment: CurtailmentOut | None
    notes: list[str] = Field(
        default_factory=list, description="how the check was set up, e.g. the holiday calendar taken from the zone"
    )


def _series(body: ClaimSeriesIn, unit: str, tz: str | None, where: str) -> detector.LoadSeries:
    try:
        return detector.from_arrays(
            body.series_id, body.timestamps, body.values, unit=unit, tz=tz, temperature=body.temperature
        )
    except detector.InputValidationError as exc:
        problem = json_problem(exc)
        problem.detail = f"{where}.{problem.detail}"
        problem.field = f"{where}.{problem.field}"
        raise problem from exc


def _check_sizes(body: VerifyIn, max_points: int) -> None:
    for where, s in [("series", body.series), *((f"peers[{i}]", p) for i, p in enumerate(body.peers))]:
        if len(s.timestamps) > max_points:
            raise ProblemError(
                413,
                "too-many-points",
                "Payload too large",
                f"{where}.timestamps: {len(s.timestamps):,} readings; the limit is {max_points:,} per series",
                field=f"{where}.timestamps",
                value=len(s.timestamps),
            )


_BODY = {"required": True, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/VerifyIn"}}}}


@router.post(
    "/verify",
    response_model=VerifyOut,
    responses={**_PROBLEMS, 200: {"content": {"image/png": {}, "image/svg+xml": {}}}},
    openapi_extra={"requestBody": _BODY},
)
async def verify_claim(
    request: Request,
    settings: SettingsDep,
    _: KeyDep,
    format: Annotated[Literal["json", "png", "svg"], Query(description="json, or a plot of the check")] = "json",
) -> Any:
    """Is the claimed fleet in the load? ``consistent``, ``inconsistent`` (too little, more than claimed,
    over licence) or ``undecidable`` with this data, with the observed excess and its interval."""
    try:
        body = VerifyIn.model_validate_json(await request.body())
    except ValidationError as exc:
        raise from_validation(exc.errors()) from None
    _check_sizes(body, settings.max_points)
    return await run_in_threadpool(_verify, body, format)


def _verify(body: VerifyIn, fmt: str) -> Any:
    target = _series(body.series, body.unit, body.timezone, "series")
    peers = [_series(p, body.unit, body.timezone, f"peers[{i}]") for i, p in enumerate(body.peers)]
    c = body.claim  # ClaimIn's fields are Claim's, by name
    try:
        months, calendar = (
            parse_curtail_months(c.curtail_months)
            if isinstance(c.curtail_months, str)
            else (tuple(c.curtail_months), c.curtail_calendar)
        )
        fields = {**c.model_dump(), "curtail_hours": tuple(c.curtail_hours), "curtail_months": months}
        claim = Claim(**{**fields, "curtail_calendar": calendar})
        result = detector.verify_claim(
            target, claim, country=body.country, confidence=body.confidence, tolerance=body.tolerance, peers=peers
        )
    except detector.InputValidationError as exc:
        field = f"claim.{exc.field}"
        raise ProblemError(
            422,
            "invalid-input",
            "Invalid input",
            f"{field}: {exc.reason} (got {exc.value!r})",
            field=field,
            value=exc.value,
            code=exc.code,
        ) from exc
    if fmt != "json":
        media = "image/svg+xml" if fmt == "svg" else "image/png"
        return Response(render(result, fmt), media_type=media)  # type: ignore[arg-type]
    out = result.to_dict()
    curtailment = out["curtailment"]
    if isinstance(curtailment, dict):  # None when no curtailment months were given
        out["curtailment"] = {k: (None if isinstance(v, float) and v != v else v) for k, v in curtailment.items()}
    return VerifyOut.model_validate(out)
