"""Least-squares pieces of the signature: a given box's size and t, the baseline fitted with the boxes, each
hour's box sizes, and the shrunk hourly covariance. Plain NumPy on a design whose columns are scaled to at most 1.
"""

from __future__ import annotations

import numpy as np

# Where the Cholesky factor's smallest diagonal is under this share of its largest, the design is near rank
# deficient (the condition number is then 1e5 or more) and ``least_squares`` leaves it to ``np.linalg.lstsq``.
WELL_POSED = 1e-5


def least_squares(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Coefficients of ``y`` (n, or n × k) on ``x``: ``np.linalg.lstsq``'s answer at a fifth of its cost.

    The signature's designs are tall (a year of days) and narrow (10-40 columns scaled to at most 1), with
    condition numbers of 6 to 920 on real provinces (ERCOT 2021, GEFCom 2006). Their normal equations lose at
    most 1e-10 of a coefficient, and solving them costs 0.05 ms against ``lstsq``'s SVD at 0.34 (25 columns):
    the 17 solves of a series scored with peers took an eighth of its time (BENCHMARKS.md, stop 62). A design
    that is, or is nearly, rank deficient (a calendar column with no day in it, a box the design holds) gets
    ``lstsq``'s minimum-norm answer, as before.
    """
    gram = x.T @ x
    if not _well_posed(gram):
        return np.linalg.lstsq(x, y, rcond=None)[0]  # type: ignore[no-any-return]
    return np.linalg.solve(gram, x.T @ y)


def _well_posed(gram: np.ndarray) -> bool:
    """Whether the Gram matrix (p × p, or a stack of them: all of them) is positive definite with its Cholesky
    factor's smallest diagonal over ``WELL_POSED`` of its largest."""
    try:
        d = np.diagonal(np.linalg.cholesky(gram), axis1=-2, axis2=-1)
    except np.linalg.LinAlgError:
        return False
    return bool((d.min(axis=-1) > WELL_POSED * d.max(axis=-1)).all())


def fixed_box_fit(z: np.ndarray, x: np.ndarray, box: np.ndarray) -> tuple[float, float]:
    """δ and its t for a given box indicator (rows with NaN dropped)."""
    fits = fixed_box_fits(z[:, None], x, box)
    return float(fits[0, 0]), float(fits[0, 1])


def fixed_box_fits(zs: np.ndarray, x: np.ndarray, box: np.ndarray) -> np.ndarray:
    """(k, 2): δ and its t of a given box indicator in each column of ``zs`` (n × k), rows with NaN dropped per
    column; (0, 0) where too few rows remain, the box is constant over them or lies in the span of ``x``.

    Frisch-Waugh: the box and each column are freed of ``x`` in one least-squares solve, and δ is the slope of
    one residual on the other, its variance s²/|box residual|². The same numbers as the joint fit of [x, box]
    and the pseudo-inverse of its Gram matrix (equal within 1e-9: test_fixed_box_fits.py), at half the cost, and
    columns known on the same days (a day's mean, floor and peak) share the solve: the signature's fixed-box fits
    took 3.9 of 43 ms a series-year with peers (``benchmarks/speed.py``, stop 60).
    """
    out = np.zeros((zs.shape[1], 2))
    known = np.isfinite(zs)
    done = np.zeros(zs.shape[1], dtype=bool)
    for j in range(zs.shape[1]):
        if done[j]:
            continue
        group = np.flatnonzero(~done & (known == known[:, [j]]).all(axis=0))  # columns known on j's days
        done[group] = True
        ok = known[:, j]
        b = box[ok]
        if ok.sum() < x.shape[1] + 3 or b.std() == 0:
            continue
        xx = x[ok]
        targets = np.column_stack([zs[np.ix_(ok, group)], b])
        coef = least_squares(xx, targets)
        resid = targets - xx @ coef
        rb = resid[:, -1]
        norm = float(rb @ rb)
        if norm <= 1e-12 * len(rb):  # the box is (nearly) a combination of the design's columns
            continue
        delta = rb @ resid[:, :-1] / norm
        r = resid[:, :-1] - rb[:, None] * delta[None, :]
        s2 = np.einsum("ij,ij->j", r, r) / max(len(rb) - x.shape[1] - 1, 1)
        se = np.sqrt(np.maximum(s2 / norm, 1e-300))
        out[group, 0], out[group, 1] = delta, delta / se
    return out


def _with_boxes(z: np.ndarray, x: np.ndarray, inds: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Coefficients of ``z`` on ``x`` and the boxes (columns of ``inds``) together, over the rows where ``z`` is
    known, and those rows; None where too few remain."""
    ok = np.isfinite(z)
    if ok.sum() < x.shape[1] + inds.shape[1] + 3:
        return None
    coef = least_squares(np.column_stack([x[ok], inds[ok]]), z[ok])
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
    get 0. Hours that miss exactly the days all hours miss share one ``least_squares``. The others (metered series
    miss scattered hours, so often all 24) are solved together as normal equations in one batched solve
    (``_solve_grams``) rather than one ``lstsq`` each, which cost 8 of 28 ms per series-year
    (``benchmarks/speed.py``). The design's columns are scaled to at most 1, so squaring its condition number loses
    nothing that matters (equal to per-hour ``lstsq`` within 1e-9 on random designs, rank-deficient ones included:
    test_hourly_box_sizes.py).
    """
    out = np.zeros((matrix.shape[1], inds.shape[1]))
    a = np.column_stack([x, inds])
    valid = np.isfinite(matrix)
    common = valid.all(axis=1)
    shared = (valid == common[:, None]).all(axis=0)  # hours missing exactly the days every hour misses
    need = a.shape[1] + 2
    cols = np.flatnonzero(shared)
    if cols.size and common.sum() >= need and (inds[common].std(axis=0) > 0).all():
        coef = least_squares(a[common], matrix[np.ix_(common, cols)])
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
        coef = _solve_grams(gram, rhs)
        out[odd] = coef[:, x.shape[1] :]
    return out


def _solve_grams(gram: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """(h, p): each Gram system gram[i] · c = rhs[i] solved, batched. Where every Gram matrix is well posed
    (``WELL_POSED``) by a batched ``solve`` (the pseudo-inverse's eigendecompositions were a tenth of a series' time
    with peers on metered feeders: BENCHMARKS.md, stop 62); else by their pseudo-inverses, the minimum-norm answer."""
    if _well_posed(gram):
        return np.linalg.solve(gram, rhs[:, :, None])[:, :, 0]
    return np.einsum("hpq,hq->hp", np.linalg.pinv(gram, hermitian=True), rhs)  # type: ignore[no-any-return]


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
