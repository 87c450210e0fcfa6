"""Curtailment rules: does the fleet give up its power in the hours (and months) a rule requires?"""

from __future__ import annotations

import math

import numpy as np

from detector.claims.model import Claim
from detector.claims.report import Curtailment
from detector.claims.step import estimate_step
from detector.features.daily import DailyView, quiet
from detector.ingest.solar_hijri import MONTHS as SOLAR_HIJRI_MONTHS


def band(view: DailyView, hours: np.ndarray, dedicated: bool) -> np.ndarray:
    """Daily mean load over ``hours``; each hour taken against its typical value, so gaps do not tilt it."""
    if dedicated:
        return quiet(np.nanmean, view.matrix[:, hours], axis=1)
    dev = view.matrix[:, hours] - view.profile[hours]
    band: np.ndarray = quiet(np.nanmean, dev, axis=1) + view.profile[hours].mean()
    return band


def curtailment(
    view: DailyView,
    x: np.ndarray,
    step: np.ndarray,
    claim: Claim,
    zq: float,
    lags: int,
    dedicated: bool,
    month: np.ndarray,
) -> Curtailment:
    """Share of the block shed in the curtailment hours: 1 − (excess there) / (excess in the other hours).

    With ``curtail_months`` only those months' days after the start count (``month``: local month per day, in
    the claim's ``curtail_calendar``).
    """
    hours = np.array(sorted(set(claim.curtail_hours)))
    rest = np.setdiff1d(np.arange(24), hours)
    inside, outside = band(view, hours, dedicated), band(view, rest, dedicated)
    block, _ = estimate_step(outside, x, step, zq, lags)
    diff = inside - outside
    if claim.curtail_months:
        diff = np.where((step > 0) & ~np.isin(month, claim.curtail_months), np.nan, diff)
    gap, _ = estimate_step(diff, x, step, zq, lags)  # ≈ −(shed power) while the block is on
    required = claim.curtail_share
    months = tuple(sorted(set(claim.curtail_months)))
    names = _hours_text(claim.curtail_hours)
    if claim.curtail_months:
        labels = SOLAR_HIJRI_MONTHS if claim.curtail_calendar == "solar-hijri" else _MONTHS
        names += " in " + ", ".join(labels[m - 1] for m in sorted(set(claim.curtail_months)))
    if not block.low > 0:
        return Curtailment(
            tuple(int(h) for h in hours),
            required,
            math.nan,
            math.nan,
            math.nan,
            "undecidable",
            f"no block of load is seen outside {names}, so there is nothing to curtail",
            months,
            claim.curtail_calendar,
        )
    shed, lo, hi = -gap.value / block.value, -gap.high / block.value, -gap.low / block.value
    tol = 0.2  # a fifth of the required shedding: rigs ramp down and back up around the window
    if lo >= required - tol:
        verdict, why = (
            "complies",
            f"sheds {shed:.0%} of its load in {names} ({lo:.0%}..{hi:.0%}); required {required:.0%}",
        )
    elif hi < required - tol:
        verdict, why = (
            "does not comply",
            f"sheds only {shed:.0%} of its load in {names} ({lo:.0%}..{hi:.0%}); required {required:.0%}",
        )
    else:
        verdict, why = "undecidable", f"sheds {shed:.0%} in {names}, but the interval {lo:.0%}..{hi:.0%} is too wide"
    return Curtailment(
        tuple(int(h) for h in hours),
        required,
        shed,
        lo,
        hi,
        verdict,  # type: ignore[arg-type]
        why,
        months,
        claim.curtail_calendar,
    )


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _hours_text(hours: tuple[int, ...]) -> str:
    hs = sorted(set(hours))
    runs: list[list[int]] = []
    for h in hs:
        if runs and h == runs[-1][-1] + 1:
            runs[-1].append(h)
        else:
            runs.append([h])
    return ", ".join(f"{r[0]:02d}:00-{r[-1] + 1:02d}:00" for r in runs)
