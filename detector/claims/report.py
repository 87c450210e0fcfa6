"""The answer to a claim: its result types, the words of its verdict, and its picture as PNG or SVG bytes.

``Verification.to_dict`` is the plain form the CLI's ``--json`` and the API's body are made of; ``render``
draws ``detector.plotting.claim_figure`` (the figure lives with the project's other plots).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from detector.claims.model import Claim
from detector.ingest.units import convert_power

CONFIRM_SHARE = 0.5  # a claim is confirmed only when the interval excludes half of it

Verdict = Literal["consistent", "inconsistent", "undecidable"]


@dataclass(frozen=True, slots=True)
class Estimate:
    """A step's size in the series unit with its two-sided interval."""

    value: float
    low: float
    high: float
    se: float


@dataclass(frozen=True, slots=True)
class Curtailment:
    """Whether the fleet gives up its power in the required hours: share of the block shed there."""

    hours: tuple[int, ...]
    required_share: float
    shed_share: float
    low: float
    high: float
    verdict: Literal["complies", "does not comply", "undecidable"]
    reason: str
    months: tuple[int, ...] = ()  # local months the rule applies in (empty: all year)
    calendar: str = "gregorian"  # of ``months``: solar-hijri counts 1 = Farvardin


@dataclass(frozen=True, slots=True, eq=False)
class Verification:
    """The answer to one claim; ``unit`` is the series' unit, rigs use the claim's kW per rig."""

    series_id: str
    verdict: Verdict
    finding: str  # "matches", "too little", "more than claimed", "over licence", "" (undecidable)
    reasons: tuple[str, ...]
    unit: str
    confidence: float
    claimed: float
    observed: Estimate | None
    kw_per_rig: float
    rigs_claimed: float
    start: pd.Timestamp
    days_before: int
    days_after: int
    hourly_excess: tuple[float, ...] = ()
    flatness: float | None = None  # spread of the 24 hourly excesses over their mean (0 = perfectly flat)
    curtailment: Curtailment | None = None
    method: str = ""  # how the expected load was modelled: a key of INTERVAL_FACTOR
    daily: pd.DataFrame | None = field(default=None, repr=False)  # local day: load, expected (for plots)
    notes: tuple[str, ...] = ()  # how the check was set up, e.g. the holiday calendar inferred from the zone

    def rigs(self, value: float) -> float:
        """``value`` (series unit) in rigs of the claim's kind."""
        return convert_power(value, self.unit, "kW") / self.kw_per_rig

    @property
    def rigs_implied(self) -> float | None:
        """Rigs the observed excess amounts to (0 when the load fell rather than rose)."""
        return None if self.observed is None else max(self.rigs(self.observed.value), 0.0)

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready facts (the CLI's ``--json`` and the API's body)."""
        obs = self.observed
        return {
            "series_id": self.series_id,
            "verdict": self.verdict,
            "finding": self.finding,
            "reasons": list(self.reasons),
            "unit": self.unit,
            "confidence": self.confidence,
            "claimed": self.claimed,
            "observed": None if obs is None else {"value": obs.value, "low": obs.low, "high": obs.high},
            "rigs": {
                "kw_per_rig": self.kw_per_rig,
                "claimed": self.rigs_claimed,
                "implied": self.rigs_implied,
                "low": None if obs is None else max(self.rigs(obs.low), 0.0),
                "high": None if obs is None else max(self.rigs(obs.high), 0.0),
            },
            "start": self.start.isoformat(),
            "days_before": self.days_before,
            "days_after": self.days_after,
            "method": self.method,
            "flatness": self.flatness,
            "hourly_excess": list(self.hourly_excess),
            "curtailment": None
            if self.curtailment is None
            else {
                "hours": list(self.curtailment.hours),
                "required_share": self.curtailment.required_share,
                "shed_share": self.curtailment.shed_share,
                "low": self.curtailment.low,
                "high": self.curtailment.high,
                "verdict": self.curtailment.verdict,
                "reason": self.curtailment.reason,
                "months": list(self.curtailment.months),
                "calendar": self.curtailment.calendar,
            },
            "notes": list(self.notes),
        }


def judge(
    obs: Estimate,
    claimed: float,
    claim: Claim,
    unit: str,
    tol: float,
    kw_rig: float,
    when: str,
    confidence: float,
) -> tuple[Verdict, str, tuple[str, ...]]:
    """Verdict from the interval against the claim (and the licence)."""

    def rigs(v: float) -> str:
        return f"{max(convert_power(v, unit, 'kW') / kw_rig, 0.0):,.0f} rigs"

    def power(v: float) -> str:
        return f"{v:,.3g} {unit}"

    level = f"{confidence:.0%}"
    what = "the site has drawn" if claim.dedicated else "the load since {when} is"
    seen = (
        f"{what.format(when=when)} {power(obs.value)}"
        + (f" on average since {when} " if claim.dedicated else " above the expected load ")
        + f"({level} interval {power(obs.low)} to {power(obs.high)}, i.e. {rigs(obs.low)} to {rigs(obs.high)})"
    )
    lo_c, hi_c = claimed * (1 - tol), claimed * (1 + tol)
    licensed = convert_power(claim.licensed_kw, "kW", unit) if claim.licensed_kw is not None else None
    claim_text = f"the claim implies {power(claimed)} ({rigs(claimed)} at {kw_rig:g} kW, uptime {claim.uptime:.0%})"
    if licensed is not None and obs.low > licensed * (1 + tol):
        return (
            "inconsistent",
            "over licence",
            (
                seen,
                f"more than the licensed {power(licensed)}: the lower bound {power(obs.low)} exceeds it",
            ),
        )
    if obs.high < lo_c:
        return (
            "inconsistent",
            "too little",
            (
                seen,
                claim_text,
                f"the data allow at most {power(obs.high)} ({rigs(obs.high)}): "
                f"{max(1 - obs.high / claimed, 0):.0%} of the claimed fleet cannot be there",
            ),
        )
    if obs.low > hi_c:
        return (
            "inconsistent",
            "more than claimed",
            (
                seen,
                claim_text,
                f"at least {power(obs.low)} is drawn: more than claimed (undeclared rigs, or other new load)",
            ),
        )
    if obs.low <= 0:
        return (
            "undecidable",
            "",
            (
                seen,
                claim_text,
                "the interval holds both no added load and the claim: this data cannot tell them apart",
            ),
        )
    if obs.low < CONFIRM_SHARE * claimed:
        # "Consistent" must carry weight: the data have to rule out a fleet of half the claimed size.
        return (
            "undecidable",
            "",
            (
                seen,
                claim_text,
                f"the interval also holds a fleet of {CONFIRM_SHARE:.0%} of the claim or less: "
                "the claim cannot be confirmed with this data",
            ),
        )
    return "consistent", "matches", (seen, claim_text)


def render(result: Verification, fmt: Literal["png", "svg"] = "png") -> bytes:
    """``detector.plotting.claim_figure`` as PNG or SVG bytes (SVG without a date stamp: same check, same bytes)."""
    from detector.plotting import claim_figure  # here: matplotlib loads only when a picture is asked for

    buf = io.BytesIO()
    claim_figure(result).savefig(buf, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buf.getvalue()
