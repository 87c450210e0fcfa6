"""Claim verification: does a region's or site's load hold the mining fleet someone claims it holds?

``verify(series, claim)`` checks one ``Claim`` and returns a ``Verification``; ``verify_claims`` checks every
row of a claims table (``read_claims``). See ``detector.claims.engine`` for the method,
``detector.claims.model`` for what a claim holds and ``detector.claims.report`` for the answer and its words.
"""

from __future__ import annotations

from detector.claims.engine import (
    HAC_LAGS,
    INTERVAL_FACTOR,
    MAX_PEERS,
    MIN_DAYS_AFTER,
    MIN_DAYS_BEFORE,
    PEER_STEP_T,
    TREND_MIN_DAYS,
    TREND_MIN_SIDE,
    verify,
    verify_claims,
)
from detector.claims.io import read_claims, read_rig_table, result_row
from detector.claims.model import Claim, ClaimRow, parse_curtail_months, parse_hours, parse_months
from detector.claims.report import CONFIRM_SHARE, Curtailment, Estimate, Verdict, Verification, render

__all__ = [
    "CONFIRM_SHARE",
    "HAC_LAGS",
    "INTERVAL_FACTOR",
    "MAX_PEERS",
    "MIN_DAYS_AFTER",
    "MIN_DAYS_BEFORE",
    "PEER_STEP_T",
    "TREND_MIN_DAYS",
    "TREND_MIN_SIDE",
    "Claim",
    "ClaimRow",
    "Curtailment",
    "Estimate",
    "Verdict",
    "Verification",
    "parse_curtail_months",
    "parse_hours",
    "parse_months",
    "read_claims",
    "read_rig_table",
    "render",
    "result_row",
    "verify",
    "verify_claims",
]
