"""Least-squares pieces of the signature: a given box's size and t, the baseline fitted with the boxes, each
hour's box sizes, and the shrunk hourly covariance. Plain NumPy on a design whose columns are scaled to at most 1.
"""

from __future__ import annotations

import numpy as np


def fixed_box_fit(z: np.ndarray, x: np.ndarray, box: np.ndarray) -> tuple[float, float]:
    """δ and its t for a given box indicator (rows with NaN dropped)."""
    ok = np.isfinite(z)
    if ok.sum() < x.shape[1] + 3 or box[ok].std() == 0:
        return 0.0, 0.0
    xx = np.column_stack([x[ok], box[ok]])
    coef, *_ = np.linalg.lstsq(xx, z[ok], rcond=None)
    resid = z[ok] - xx @ coef
    dof = max(len(resid) - xx.shape[1], 1)
    s2 = resid @ resid / dof
    cov = np.linalg.pinv(xx.T @ xx) * s2
    se = float(np.sqrt(max(cov[-1, -1], 1e-300)))
    return float(coef[-1]), float(coef[-1] / se)


def _with_boxes(z: np.ndarray, x: np.ndarray, inds: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Coefficients of ``z`` on ``x`` and the boxes (columns of ``inds``) together, over the rows where ``z`` is
    known, and those rows; None where too few remain."""
    ok = np.isfinite(z)
    if ok.sum() < x.shape[1] + inds.shape[1] + 3:
        return None
    coef, *_ = np.linalg.lstsq(np.column_stack([x[ok], inds[ok]]), z[ok], rcond=None)
    return coef, ok


def box_sizes(z: np.ndarray, x: np.ndarray, inds: np.ndarray) -> np.ndarray:
    """Least-squares size of each box (columns of ``inds``) in ``z`` over design ``x``, fitted jointly (rows with
    NaN dropped); zeros where too few rows remain."""
    fit = _with_boxes(z, x, inds)
    return fit[0][x.shape[1] :] if fit is not None else np.zeros(inds.shape[1])


def baseline_fit(z: np.ndarray, x: np.ndarray, inds: np.ndarray) -> np.ndarray:
    """Fitted X·β of ``z`` estimated together with the boxes, so the baseline does not absorb them (NaN where z is)."""
    out = np.full(len(z), np.nan)
    fit = _with_boxes(z, x, inds)
    if fit is not None:
        coef, ok = fit
        out[ok] = x[ok] @ coef[: x.shape[1]]
    return out


def hourly_box_sizes(matrix: np.ndarray, x: np.ndarray, inds: np.ndarray) -> np.ndarray:
    """Least-squares size of each box (columns of ``inds``) in each hour's series (columns of ``matrix``).

    Returns (24, n_boxes); rows with NaN are dropped per hour, and hours with too few rows or a constant box
    get 0. Hours that miss exactly the days all hours miss share one ``lstsq``. The others (metered series miss
    scattered hours, so often all 24) are solved together as normal equations with one batched pseudo-inverse
    rather than one ``lstsq`` each, which cost 8 of 28 ms per series-year (``benchmarks/speed.py``). The design's
    columns are scaled to at most 1, so squaring its condition number loses nothing that matters (equal to
    per-hour ``lstsq`` within 1e-9 on random designs, rank-deficient ones included: test_hourly_box_sizes.py).
    """
    out = np.zeros((matrix.shape[1], inds.shape[1]))
    a = np.column_stack([x, inds])
    valid = np.isfinite(matrix)
    common = valid.all(axis=1)
    shared = (valid == common[:, None]).all(axis=0)  # hours missing exactly the days every hour misses
    need = a.shape[1] + 2
    cols = np.flatnonzero(shared)
    if cols.size and common.sum() >= need and (inds[common].std(axis=0) > 0).all():
        coef, *_ = np.linalg.lstsq(a[common], matrix[np.ix_(common, cols)], rcond=None)
        out[cols] = coef[x.shape[1] :].T
    odd = np.flatnonzero(~shared)
    w = valid[:, odd].T.astype(np.float64)  # (hours, days)
    rows = w.sum(axis=1)
    on = w @ inds  # days each box is on, per hour: a box on all or none of an hour's days cannot be sized
    keep = (rows >= need) & ((on > 0) & (on < rows[:, None])).all(axis=1)
    odd, w = odd[keep], w[keep]
    if odd.size:
        gram = (w[:, :, None] * a[None]).transpose(0, 2, 1) @ a  # Aᵀ diag(valid_h) A, per hour
        rhs = (a.T @ np.where(valid[:, odd], matrix[:, odd], 0.0)).T  # Aᵀ y_h (missing days weigh 0)
        coef = np.einsum("hpq,hq->hp", np.linalg.pinv(gram, hermitian=True), rhs)
        out[odd] = coef[:, x.shape[1] :]
    return out


def ledoit_wolf(r: np.ndarray) -> np.ndarray:
    """Ledoit-Wolf shrunk covariance of the rows of ``r`` (as ``sklearn.covariance.ledoit_wolf``, centred).

    Written out because scikit-learn's version validates and loops in blocks: 1.6 ms against 0.2 ms here for
    a year of 24 hours, called once or twice per series; equal to it within 1e-10 (test_ledoit_wolf.py).
    """
    x = r - r.mean(axis=0)
    n, p = x.shape
    emp = x.T @ x / n
    mu = float(np.trace(emp)) / p
    x2 = x * x
    sum_sq = float(np.sum(emp * emp))
    beta = (float(np.sum(x2.T @ x2)) / n - sum_sq) / n
    delta = sum_sq - 2.0 * mu * float(np.trace(emp)) + p * mu * mu
    beta = min(beta, delta)
    shrink = 0.0 if beta == 0 else beta / delta
    out: np.ndarray = (1.0 - shrink) * emp
    out.flat[:: p + 1] += shrink * mu
    return out
