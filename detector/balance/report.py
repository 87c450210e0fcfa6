"""Result types of a feeder energy balance: frozen dataclasses; the HTTP layer builds its models from these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

VERDICTS: tuple[str, ...] = ("unbilled-step", "undecidable", "no-step")


@dataclass(frozen=True, slots=True)
class LossModel:
    """Technical losses fitted on the quiet period, in the feeder load L (feeder unit), local hour h and day d.

    loss = a[h] + b·L + c(d)·L², c(d) = c + c_cos·cos(2πd/365.25) + c_sin·sin(2πd/365.25): no-load losses
    plus steady unbilled loads with a daily rhythm (street lights) by local hour, and I²R losses whose
    resistance follows the conductors' temperature through the year (c_cos = c_sin = 0 on short data).
    """

    a: tuple[float, ...]  # by local hour 0..23
    b: float
    c: float
    c_cos: float
    c_sin: float
    share: float  # fitted losses as a share of feeder energy over the quiet hours
    fit_hours: int  # usable quiet hours the fit used

    def __call__(self, load: np.ndarray, doy: np.ndarray, hour: np.ndarray) -> np.ndarray:
        w = 2 * np.pi * doy / 365.25
        c = self.c + self.c_cos * np.cos(w) + self.c_sin * np.sin(w)
        loss: np.ndarray = np.asarray(self.a)[hour] + self.b * load + c * load * load
        return loss


@dataclass(frozen=True, slots=True)
class GapShape:
    """How the added gap is spread over the day: flat and round-the-clock for rigs, shaped for people."""

    share_on: float  # share of usable hours in the step with the gap above half the step size
    night_day_ratio: float  # added gap 00-06 local over 10-18 local
    hour_spread: float  # std / mean of the added gap by local hour
    by_hour: tuple[float, ...]  # added gap by local hour 0..23, feeder unit

    @property
    def flat(self) -> bool:
        return self.hour_spread < 0.35 and 0.7 <= self.night_day_ratio <= 1.4 and self.share_on >= 0.8


@dataclass(frozen=True, slots=True)
class MeterChange:
    """A meter whose own series moved at the gap's onset, or whose mapping changed then."""

    meter_id: str
    kind: str  # "dropped" (billed load fell: bypass?), "rose" (a matching step), "left" or "joined" (mapping)
    change: float  # billed load after − before the onset, beyond the feeder's common change; feeder unit
    before: float  # mean billed load in the two weeks before the onset, feeder unit


@dataclass(frozen=True, slots=True, eq=False)
class FeederBalance:
    """The energy balance of one feeder: the unbilled gap over time, its step, shape and size."""

    feeder_id: str
    unit: str  # the feeder's power unit; every load figure here is in it
    verdict: str  # one of VERDICTS
    onset: pd.Timestamp | None  # UTC hour the gap stepped up
    end: pd.Timestamp | None  # UTC, exclusive; None while still on
    unbilled_load: float  # mean added unbilled power during the step
    rigs: float  # S19-class rig equivalents of ``unbilled_load``
    unbilled_energy: float  # unbilled_load × hours of the step, in unit·h
    t: float  # the step's t-statistic on daily means, adjusted for autocorrelation
    shape: GapShape | None
    loss: LossModel | None
    meters: int  # meters mapped to the feeder at any time
    meter_changes: tuple[MeterChange, ...]
    usable_hours: int
    unusable_hours: int  # feeder or an in-service meter missing (long gaps; never counted as zero)
    missing_meters: tuple[tuple[str, int], ...]  # (meter_id, in-service hours it was missing), most first
    mean_load: float
    evidence: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    rank: int = 0  # place in the inspection list (1 = inspect first)
    unbilled: pd.Series | None = field(default=None, repr=False)  # hourly unbilled power (UTC), NaN if unusable

    @property
    def flagged(self) -> bool:
        return self.verdict == "unbilled-step"

    def daily(self) -> pd.DataFrame:
        """Unbilled energy per UTC day (unit·h) and the usable hours behind it."""
        if self.unbilled is None:
            return pd.DataFrame(columns=["feeder_id", "day", "unbilled_energy", "usable_hours"])
        s = self.unbilled
        day = s.index.floor("D")
        g = pd.DataFrame({"e": s.to_numpy(), "ok": s.notna().to_numpy()}, index=day).groupby(level=0)
        frame = pd.DataFrame({"unbilled_energy": g["e"].sum(min_count=1), "usable_hours": g["ok"].sum()})
        return (
            frame.rename_axis("day")
            .reset_index()
            .assign(feeder_id=self.feeder_id)[["feeder_id", "day", "unbilled_energy", "usable_hours"]]
        )

    def to_row(self) -> dict[str, Any]:
        """One row of the ranked balance file."""
        s = self.shape
        return {
            "rank": self.rank,
            "feeder_id": self.feeder_id,
            "verdict": self.verdict,
            "onset": self.onset.isoformat() if self.onset is not None else "",
            "end": self.end.isoformat() if self.end is not None else "",
            "unbilled_load": round(self.unbilled_load, 6),
            "unit": self.unit,
            "rigs": round(self.rigs, 1),
            "unbilled_energy": round(self.unbilled_energy, 3),
            "t": round(self.t, 2),
            "share_on": round(s.share_on, 3) if s else None,
            "night_day_ratio": round(s.night_day_ratio, 3) if s else None,
            "hour_spread": round(s.hour_spread, 3) if s else None,
            "loss_share": round(self.loss.share, 4) if self.loss else None,
            "meters": self.meters,
            "meters_changed": "; ".join(
                f"{m.meter_id} {m.kind} {m.change:+.3g} {self.unit}" for m in self.meter_changes
            ),
            "usable_hours": self.usable_hours,
            "unusable_hours": self.unusable_hours,
            "evidence": "; ".join(self.evidence),
            "warnings": "; ".join(self.warnings),
        }
