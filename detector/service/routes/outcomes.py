"""Inspection outcomes: record what an inspection found for a series (or one of its segments); list them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from detector.feedback import Outcome, UnknownReferenceError
from detector.service import feedback
from detector.service.deps import KeyDep, ScopeDep, StoreDep, TenantDep
from detector.service.problems import ProblemError
from detector.service.schemas import problem_responses

router = APIRouter(prefix="/v1/outcomes", tags=["outcomes"])
NO_NUL = r"^[^\x00]*$"  # PostgreSQL text cannot hold NUL


def _iso_text(value: object) -> object:
    """ISO 8601 text with an offset only: pydantic would read a number as seconds since 1970 (0 was 1970-01-01)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError("not an ISO 8601 date-time, e.g. 2023-09-03T05:30:00Z") from None
    if parsed.tzinfo is None:
        raise ValueError("Input should have timezone info")
    return parsed


class OutcomeIn(BaseModel):
    """One inspection outcome. Who and when are taken from the API key and the clock."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,  # JSON types as documented: 0 is no boolean, "1.5" no number
        json_schema_extra={
            "examples": [
                {
                    "series_id": "feeder-0001",
                    "outcome": "mining",
                    "job_id": None,
                    "segment_start": "2023-09-03T05:30:00Z",
                    "model_version": None,
                    "note": "about 500 S19s in a warehouse behind the substation",
                }
            ]
        },
    )

    series_id: str = Field(..., min_length=1, max_length=255, description="the inspected region, feeder or meter")
    outcome: Literal["mining", "not_mining", "not_inspected"] = Field(
        ..., description="confirmed mining, no mining found, or could not inspect"
    )
    job_id: str | None = Field(None, max_length=64, description="the job whose result was inspected")
    segment_start: Annotated[AwareDatetime | None, BeforeValidator(_iso_text)] = Field(
        None, description="start of the inspected segment (ISO 8601 with an offset); null: the series"
    )
    model_version: str | None = Field(
        None, max_length=100, description="model whose result was inspected (default: the job's)"
    )
    note: str | None = Field(None, max_length=4000, description="what the inspectors found")


class OutcomeOut(BaseModel):
    id: int
    series_id: str
    outcome: str
    job_id: str | None
    segment_start: datetime | None
    model_version: str | None
    note: str | None
    recorded_by: str = Field(description="name of the API key (or --by of `detector outcomes import`)")
    recorded_at: datetime
    inspected_at: datetime | None = Field(description="date of the inspection, when the import gave one")

    @classmethod
    def of(cls, o: Outcome) -> OutcomeOut:
        return cls(**o.to_dict())


class OutcomesPage(BaseModel):
    total: int = Field(description="outcomes matching the filters")
    limit: int
    offset: int
    items: list[OutcomeOut]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=OutcomeOut,
    responses=problem_responses(401, 403, 404, 422, 429),
)
def create_outcome(body: OutcomeIn, store: StoreDep, key_id: KeyDep, tenant: TenantDep, scope: ScopeDep) -> OutcomeOut:
    """Record an outcome; a named job must be the caller's (an admin key: any tenant's) and hold the series (404
    otherwise).

    The outcome belongs to the named job's tenant, else to the caller's. Past results stay as they are.
    """
    try:
        recorded_by = feedback.recorder(store, key_id)
        stored = feedback.record_outcome(store, body.model_dump(), recorded_by, tenant, admin=scope is None)
    except UnknownReferenceError as exc:
        raise ProblemError(404, exc.kind, "Not found", str(exc), field=exc.field, value=exc.value) from exc
    return OutcomeOut.of(stored)


@router.get("", response_model=OutcomesPage, responses=problem_responses(401, 403, 422, 429))
def get_outcomes(
    store: StoreDep,
    tenant: ScopeDep,
    series_id: Annotated[str | None, Query(max_length=255, pattern=NO_NUL)] = None,
    job_id: Annotated[str | None, Query(max_length=64, pattern=NO_NUL)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> OutcomesPage:
    """The caller's tenant's outcomes (an admin key: every tenant's) in the order they were recorded, optionally
    for one series and/or job."""
    total, items = feedback.list_outcomes(
        store, series_id=series_id, job_id=job_id, limit=limit, offset=offset, tenant=tenant
    )
    return OutcomesPage(total=total, limit=limit, offset=offset, items=[OutcomeOut.of(o) for o in items])
