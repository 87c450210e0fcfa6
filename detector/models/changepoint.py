"""Level-shift search on a daily series against a global expected-load regression.

Model:  z_d = X_d·β + δ·[τ1 ≤ d < τ2] + ε_d   (τ2 = end of data for an ongoing shift)

X holds what explains the daily level without any shift: intercept, off-day and holiday flags and
a temperature response (or, without temperature, a smooth season). Every (τ1, τ2) box is scored
at once with the Frisch-Waugh projection: with r the residual of z on X and S̃ the step
indicators made orthogonal to X, the box's least-squares δ and its reduction in squared error
come from cumulative sums of r and one n×n Gram matrix — a year of days costs about a
millisecond. Written here, not with ruptures, because ruptures' costs carry no covariates: a
summer's cooling load would be a change point, and a flat mining block must be a change
*relative to* calendar and weather.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class Box:
    """The best-supported shift: days [start, end), size δ, t-statistic adjusted for autocorrelation."""

    start: int
    end: int  # == n_days when still on at the end of the data
    delta: float
    t: float
    sigma: float  # residual standard deviation of the daily series around the fit
    rho: float  # lag-1 autocorrelation of the residuals


def design(n: int, off_day: np.ndarray, holiday: np.ndarray, temp: np.ndarray | None, doy: np.ndarray) -> np.ndarray:
    """Columns that explain the daily level: calendar flags and temperature hinges (or a smooth season)."""
    cols = [np.ones(n), off_day.astype(float), holiday.astype(float)]
    if temp is not None and np.isfinite(temp).sum() > 0.8 * n:
        t = np.where(np.isfinite(temp), temp, np.nanmean(temp))
        # Buildings store heat: load follows a blend of today's and the last two days' temperature.
        lag1, lag2 = np.concatenate([t[:1], t[:-1]]), np.concatenate([t[:2], t[:-2]])
        blend = 0.6 * t + 0.25 * lag1 + 0.15 * lag2
        # Piecewise-linear response with hinges at temperature quantiles: heating and cooling arms.
        for q in np.nanpercentile(blend, [10, 25, 40, 60, 75, 90]):
            cols.append(np.clip(blend - q, 0, None))
        cols += [blend, t - blend]
    else:
        for k in (1, 2):
            cols += [np.cos(2 * np.pi * k * doy / 365.25), np.sin(2 * np.pi * k * doy / 365.25)]
    x = np.column_stack(cols)
    return x / np.maximum(np.abs(x).max(0), 1e-12)


def box_scan(z: np.ndarray, x: np.ndarray, min_days: int = 14, edge: int = 7) -> tuple[Box, np.ndarray]:
    """Best box [τ1, τ2) for ``z`` given design ``x`` (rows with NaN z are dropped); also the fit.

    Returns the box and the fitted baseline X·β (NaN where z is NaN) estimated *with* the box, so
    the expected load does not absorb the shift.
    """
    n = len(z)
    ok = np.isfinite(z) & np.isfinite(x).all(1)
    pos = np.flatnonzero(ok)
    zz, xx = z[ok], x[ok]
    m = len(zz)
    q, _ = np.linalg.qr(xx)
    r = zz - q @ (q.T @ zz)
    # Step s_τ = 1 for observations at or after τ (τ indexes observed days 0..m).
    qs = np.cumsum(q[::-1], axis=0)[::-1]  # (m, k): column τ of QᵀS is Σ_{i≥τ} q_i
    qs = np.vstack([qs, np.zeros((1, q.shape[1]))])  # τ = m: empty step
    c = np.concatenate([np.cumsum(r[::-1])[::-1], [0.0]])  # s_τᵀ r
    idx = np.arange(m + 1)
    g = (m - np.maximum.outer(idx, idx)).astype(float) - qs @ qs.T  # S̃ᵀS̃
    diag = np.diag(g)
    num = c[:, None] - c[None, :]
    den = diag[:, None] - 2 * g + diag[None, :]
    t1, t2 = np.meshgrid(idx, idx, indexing="ij")
    valid = (t2 - t1 >= min_days) & (t1 >= edge) & ((t2 <= m - edge) | (t2 == m)) & (den > 1e-9)
    gain = np.where(valid, num**2 / np.where(den > 1e-9, den, 1.0), -np.inf)
    gain = np.where(num > 0, gain, -np.inf)  # mining adds load: positive boxes only
    if not np.isfinite(gain).any():
        return Box(0, n, 0.0, 0.0, float(np.std(r)), 0.0), np.full(n, np.nan)
    a, b = np.unravel_index(int(np.argmax(gain)), gain.shape)
    delta = num[a, b] / den[a, b]
    box = np.zeros(m)
    box[a:b] = 1.0
    resid = r - delta * (box - q @ (q.T @ box))
    dof = max(m - q.shape[1] - 1, 1)
    sigma = float(np.sqrt(resid @ resid / dof))
    rho = float(np.clip(np.corrcoef(resid[:-1], resid[1:])[0, 1], 0.0, 0.95)) if m > 3 else 0.0
    inflation = np.sqrt((1 + rho) / (1 - rho))
    t = float(delta * np.sqrt(den[a, b]) / max(sigma, 1e-12) / inflation)
    fit = np.full(n, np.nan)
    fit[pos] = zz - resid - delta * box
    start = int(pos[a]) if a < m else n
    end = int(pos[b]) if b < m else n
    return Box(start, end, float(delta), t, sigma, rho), fit
