"""HTTP models of POST /v1/balance, built from ``detector.FeederBalance`` (never the other way round)."""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, JsonValue
from pydantic.config import JsonDict

import detector
from detector.service.schemas import ExcessLoad, FiniteOrGap

MAX_FEEDERS = 200
MAX_METERS = 10_000
MAX_MAPPING_ROWS = 20_000

_TS: list[JsonValue] = ["2024-03-20T00:00:00+03:30", "2024-03-20T01:00:00+03:30", "2024-03-20T02:00:00+03:30"]
_EXAMPLE_IN: JsonDict = {
    "timezone": "Asia/Tehran",
    "feeder_unit": "kW",
    "meter_unit": "Wh",
    "feeders": [{"id": "feeder-01", "timestamps": _TS, "values": [31.2, 29.8, 28.9]}],
    "meters": [
        {"id": "m-001", "timestamps": _TS, "values": [820, 760, None]},
        {"id": "m-002", "timestamps": _TS, "values": [1210, 1150, 1090]},
    ],
    "mapping": [
        {"meter_id": "m-001", "feeder_id": "feeder-01"},
        {"meter_id": "m-002", "feeder_id": "feeder-01", "valid_from": "2024-03-20", "valid_to": None},
    ],
}


class SeriesIn(BaseModel):
    """One feeder or meter as parallel arrays; ``null`` in ``values`` is a missing read."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str = Field(..., min_length=1, max_length=200, description="feeder or meter id")
    timestamps: list[str] = Field(..., description="ISO 8601, with an offset or naive local time plus `timezone`")
    values: list[FiniteOrGap] = Field(..., description="load per timestamp; null is a missing read")


class MappingRowIn(BaseModel):
    """Meter ``meter_id`` is on feeder ``feeder_id`` from ``valid_from`` (inclusive) to ``valid_to`` (exclusive)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    meter_id: str = Field(..., min_length=1, max_length=200)
    feeder_id: str = Field(..., min_length=1, max_length=200)
    valid_from: str | None = Field(None, max_length=40, description="ISO 8601 date or date-time; null: from the start")
    valid_to: str | None = Field(None, max_length=40, description="ISO 8601 date or date-time; null: still on")


class BalanceIn(BaseModel):
    """Feeder loads, the billed meters under them and the mapping between the two."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra={"examples": [_EXAMPLE_IN]})

    timezone: str | None = Field(
        None, max_length=64, description="IANA zone: local time of naive timestamps and of the hour-of-day shape"
    )
    feeder_unit: str = Field(..., max_length=16, description="W, kW, MW, GW (power) or Wh, kWh, MWh, GWh")
    meter_unit: str = Field(..., max_length=16, description="unit of the meters' values (may differ from feeders')")
    feeders: list[SeriesIn] = Field(..., min_length=1, max_length=MAX_FEEDERS)
    meters: list[SeriesIn] = Field(..., min_length=1, max_length=MAX_METERS)
    mapping: list[MappingRowIn] = Field(..., min_length=1, max_length=MAX_MAPPING_ROWS)
    include_daily: bool = Field(False, description="also return unbilled energy per feeder and UTC day")


class GapShapeOut(BaseModel):
    share_on: float = Field(description="share of hours in the step with the gap above half its size")
    night_day_ratio: float = Field(description="added gap 00-06 local over 10-18 local (1 for a flat block)")
    hour_spread: float = Field(description="std / mean of the added gap by local hour (0 for a flat block)")
    flat: bool = Field(description="flat and round the clock, as mining rigs are")
    by_hour: list[float] = Field(description="added gap by local hour 0..23, feeder unit")


class LossOut(BaseModel):
    formula: str = (
        "a[h] + b·L + (c + c_cos·cos(2πd/365.25) + c_sin·sin(2πd/365.25))·L²; L feeder load, h local hour, "
        "d day of year; a[h] holds no-load losses and steady unbilled loads such as street lights"
    )
    a: list[float] = Field(description="by local hour 0..23, feeder unit")
    b: float
    c: float
    c_cos: float
    c_sin: float
    share: float = Field(description="technical losses as a share of the feeder's energy")


class MeterChangeOut(BaseModel):
    meter_id: str
    kind: str = Field(description="dropped (bypass?), rose (a matching step), left or joined (mapping)")
    change: float = Field(description="billed load after − before the onset beyond the feeder's common change")
    before: float


class MissingMeterOut(BaseModel):
    meter_id: str
    hours: int = Field(description="in-service hours without a read (long gaps; those hours are unusable)")


class DailyOut(BaseModel):
    day: datetime
    unbilled_energy: float | None
    usable_hours: int


class EnergyOut(BaseModel):
    value: float
    unit: str


class FeederBalanceOut(BaseModel):
    """One feeder: the same facts as a row of `detector balance`'s file, with structure."""

    rank: int
    feeder_id: str
    verdict: str = Field(description="unbilled-step, undecidable or no-step")
    flagged: bool
    onset: datetime | None
    end: datetime | None = Field(description="exclusive; null while the gap is still up")
    unbilled_load: ExcessLoad
    unbilled_energy: EnergyOut = Field(description="unbilled load × hours of the step")
    t: float
    shape: GapShapeOut | None
    loss: LossOut | None
    meters: int
    meter_changes: list[MeterChangeOut]
    usable_hours: int
    unusable_hours: int
    missing_meters: list[MissingMeterOut]
    evidence: list[str]
    warnings: list[str]
    daily: list[DailyOut] | None = None

    @classmethod
    def of(cls, r: detector.FeederBalance, *, with_daily: bool = False) -> FeederBalanceOut:
        s, loss = r.shape, r.loss
        daily = None
        if with_daily:
            d = r.daily()
            daily = [
                DailyOut(day=day, unbilled_energy=None if math.isnan(e) else float(e), usable_hours=int(h))
                for day, e, h in zip(d["day"], d["unbilled_energy"], d["usable_hours"], strict=True)
            ]
        return cls(
            rank=r.rank,
            feeder_id=r.feeder_id,
            verdict=r.verdict,
            flagged=r.flagged,
            onset=r.onset,
            end=r.end,
            unbilled_load=ExcessLoad(value=r.unbilled_load, unit=r.unit, rigs=r.rigs),
            unbilled_energy=EnergyOut(value=r.unbilled_energy, unit=f"{r.unit}h"),
            t=r.t,
            shape=GapShapeOut(
                share_on=s.share_on,
                night_day_ratio=s.night_day_ratio,
                hour_spread=s.hour_spread,
                flat=s.flat,
                by_hour=list(s.by_hour),
            )
            if s
            else None,
            loss=LossOut(a=list(loss.a), b=loss.b, c=loss.c, c_cos=loss.c_cos, c_sin=loss.c_sin, share=loss.share)
            if loss
            else None,
            meters=r.meters,
            meter_changes=[
                MeterChangeOut(meter_id=m.meter_id, kind=m.kind, change=m.change, before=m.before)
                for m in r.meter_changes
            ],
            usable_hours=r.usable_hours,
            unusable_hours=r.unusable_hours,
            missing_meters=[MissingMeterOut(meter_id=m, hours=h) for m, h in r.missing_meters],
            evidence=list(r.evidence),
            warnings=list(r.warnings),
            daily=daily,
        )


class BalanceOut(BaseModel):
    """Every feeder's balance, ranked for inspection (flagged first, largest unbilled load first)."""

    feeders: list[FeederBalanceOut]
