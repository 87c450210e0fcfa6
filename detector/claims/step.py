"""The step fit: daily load on the expected-load design plus one step column, with a Newey-West interval."""

from __future__ import annotations

import math

import numpy as np

from detector.claims.report import Estimate


def hac_step(z: np.ndarray, x: np.ndarray, lags: int) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Least squares of ``z`` on ``x`` (last column = the step); the step's coefficient and Newey-West s.e.

    Written out rather than via statsmodels: the days with no reading are dropped but the lag weights
    must still count calendar days, and one column's variance is all that is needed.
    """
    ok = np.isfinite(z) & np.isfinite(x).all(1)
    xx, zz = x[ok], z[ok]
    coef, *_ = np.linalg.lstsq(xx, zz, rcond=None)
    resid = zz - xx @ coef
    bread = np.linalg.pinv(xx.T @ xx)
    u = xx * resid[:, None]
    meat = u.T @ u
    days = np.flatnonzero(ok)
    for lag in range(1, lags + 1):
        w = 1.0 - lag / (lags + 1.0)
        # pairs of observed days exactly `lag` calendar days apart
        j = np.searchsorted(days, days + lag)
        hit = (j < len(days)) & (days[np.minimum(j, len(days) - 1)] == days + lag)
        if not hit.any():
            continue
        g = u[hit].T @ u[j[hit]]
        meat += w * (g + g.T)
    dof = len(zz) / max(len(zz) - xx.shape[1], 1)
    cov = bread @ meat @ bread * dof
    fitted = np.full(len(z), np.nan)
    fitted[np.isfinite(x).all(1)] = x[np.isfinite(x).all(1)] @ coef
    return float(coef[-1]), float(math.sqrt(max(cov[-1, -1], 0.0))), coef, fitted


def estimate_step(z: np.ndarray, x: np.ndarray, step: np.ndarray, zq: float, lags: int) -> tuple[Estimate, np.ndarray]:
    """The step's size with its interval, and the expected level without it (per day)."""
    delta, se, coef, fitted = hac_step(z, np.column_stack([x, step]), lags)
    baseline = fitted - coef[-1] * step
    return Estimate(delta, delta - zq * se, delta + zq * se, se), baseline
