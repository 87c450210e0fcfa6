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

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from detector.features.daily import pearson
from detector.models.regression import least_squares

# A box starts no earlier than this many observed days into the data (and, unless still on, ends as many before
# its end): the days either side are its reference. A box found on that first day may have been on before it.
EDGE_DAYS = 7


@dataclass(frozen=True, slots=True)
class Box:
    """The best-supported shift: days [start, end), size δ, t-statistic adjusted for autocorrelation."""

    start: int
    end: int  # == n_days when still on at the end of the data
    delta: float
    t: float
    sigma: float  # residual standard deviation of the daily series around the fit
    rho: float  # lag-1 autocorrelation of the residuals


def design(
    n: int,
    off_day: np.ndarray,
    holiday: np.ndarray,
    temp: np.ndarray | None,
    doy: np.ndarray,
    temp_max: np.ndarray | None = None,
    temp_min: np.ndarray | None = None,
    *,
    season: bool = True,
) -> np.ndarray:
    """Columns that explain the daily level: calendar flags and temperature hinges (or a smooth season).

    ``season=False`` leaves the smooth season out where there is no temperature: for a design whose other
    columns (peers) carry the season already (``signature.search``).
    """
    cols = [np.ones(n), off_day.astype(float), holiday.astype(float)]
    if temp is not None and has_weather(temp, n):
        t = _filled(temp)
        # Buildings store heat: load follows a blend of today's and the last two days' temperature.
        lag1, lag2 = np.concatenate([t[:1], t[:-1]]), np.concatenate([t[:2], t[:-2]])
        blend = 0.6 * t + 0.25 * lag1 + 0.15 * lag2
        # Piecewise-linear response with hinges at temperature quantiles: heating and cooling arms.
        for q in np.nanpercentile(blend, [10, 25, 40, 60, 75, 90]):
            cols.append(np.clip(blend - q, 0, None))
        cols += [blend, t - blend]
        # The day's extremes: afternoon heat drives cooling, the night's cold drives heating. On the
        # held-out loads with temperature they cut the residual noise by 6-10 % (GEFCom, BigDEAL).
        for extreme in (temp_max, temp_min):
            if extreme is not None and np.isfinite(extreme).sum() > 0.8 * n:
                e = _filled(extreme)
                cols += [np.clip(e - q, 0, None) for q in np.percentile(e, [20, 50, 80])]
    elif season:
        cols += _harmonics(doy)
    x = np.column_stack(cols)
    return x / np.maximum(np.abs(x).max(0), 1e-12)  # type: ignore[no-any-return]  # numpy types ndarray.max(axis) as Any


def has_weather(temp: np.ndarray | None, n: int) -> bool:
    """Whether ``design`` explains the level by temperature (known on over 80 % of the ``n`` days), not a season."""
    return temp is not None and int(np.isfinite(temp).sum()) > 0.8 * n


def _harmonics(doy: np.ndarray) -> list[np.ndarray]:
    return [f(2 * np.pi * k * doy / 365.25) for k in (1, 2) for f in (np.cos, np.sin)]


def with_season(x: np.ndarray, doy: np.ndarray) -> np.ndarray:
    """``x``, a ``design(..., season=False)`` without weather, with the smooth season's columns after it: equal to
    the bit to ``design(..., season=True)``, which scales each column alone (the alone search needs both)."""
    h = np.column_stack(_harmonics(doy))
    return np.column_stack([x, h / np.maximum(np.abs(h).max(0), 1e-12)])


def _filled(values: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(values), values, np.nanmean(values))


_BLOCK_ROWS = 48  # rows of τ1 per block: a block's arrays (~48 × 340 doubles) stay in the core's cache


def _best_box(
    qs: np.ndarray,
    c: np.ndarray,
    diag: np.ndarray,
    m: int,
    t1: np.ndarray,
    t2: np.ndarray,
    min_days: int,
    pen: np.ndarray,
) -> tuple[int, int, float, float] | None:
    """Row and column of the admissible (τ1, τ2) with the largest penalised gain, with its numerator and norm.

    Boxes need τ2 > τ1, so (S̃ᵀS̃)[τ1, τ2] = m − τ2 − qs[τ1]·qs[τ2] and the box's squared norm is
    diag[τ1] + diag[τ2] − 2·that. The rectangle is walked in blocks of τ1, each from the first τ2 that can
    close a box: half the rectangle is never built and each block stays in cache (the whole rectangle at once
    cost 3-5 ms a scan, the largest share of a series' scoring). Ties go to the first in row-major order, as
    ``argmax`` over the whole rectangle would.
    """
    qs2 = 2.0 * qs[t2].T
    col_add = diag[t2] - 2.0 * (m - t2)
    c2 = c[t2]
    best = (-np.inf, -1, -1, 0.0, 0.0)
    penalised = bool(pen.any())
    with np.errstate(divide="ignore", invalid="ignore"):  # entered once, not per block: ~5 µs each time
        for lo in range(0, len(t1), _BLOCK_ROWS):
            rows = t1[lo : lo + _BLOCK_ROWS]
            j0 = int(np.searchsorted(t2, rows[0] + min_days))
            if j0 >= len(t2):
                break
            den = qs[rows] @ qs2[:, j0:]
            den += diag[rows, None]
            den += col_add[None, j0:]
            num = c[rows, None] - c2[None, j0:]
            # Pairs that are no box get -inf: a fall (num <= 0: mining adds load) and a pair too short. A
            # degenerate den (<= 1e-9: a box the design nearly holds) is masked only when the argmax lands on one:
            # the same pair as masking it first, ties included, with three fewer passes over the block.
            gain = num * num
            gain /= den
            np.copyto(gain, -np.inf, where=num <= 0)  # num is finite: c sums finite residuals
            near = t2[None, j0 : j0 + min_days + len(rows)] - rows[:, None] < min_days
            gain[:, : near.shape[1]][near] = -np.inf
            if penalised:
                gain -= pen[None, j0:]
            k = int(np.argmax(gain))
            bi, bj = divmod(k, gain.shape[1])
            if not den[bi, bj] > 1e-9:
                np.copyto(gain, -np.inf, where=~(den > 1e-9))
                k = int(np.argmax(gain))
                bi, bj = divmod(k, gain.shape[1])
            if gain[bi, bj] > best[0]:
                best = (float(gain[bi, bj]), lo + bi, j0 + bj, float(num[bi, bj]), float(den[bi, bj]))
    if best[1] < 0:
        return None
    return best[1], best[2], best[3], best[4]


def box_scan(
    z: np.ndarray,
    x: np.ndarray,
    min_days: int = 14,
    edge: int = EDGE_DAYS,
    interior_penalty: float = 0.0,
    *,
    end: int | None = None,
    longest: int | None = None,
    already_on: bool = False,
) -> Box:
    """Best positive box [τ1, τ2) for ``z`` given design ``x`` (rows with NaN z are dropped).

    ``end`` (a day index) scans only the boxes that end on that day, at most ``longest`` observed days long
    (``precursors``). ``already_on``: a box may also start on the first observed day (a block on before the
    data begins, switched off inside it).
    """
    _, pair_on, box_of = _scan(z, x, min_days, edge, interior_penalty, end, longest, already_on)
    return box_of(pair_on)


def box_scans(z: np.ndarray, x: np.ndarray, interior_penalty: float = 0.0) -> tuple[Box, Box]:
    """``box_scan`` without and with ``already_on``, from one scan (the box inside the data is searched once).
    The search with peers scores the first and tells the second (``signature.search``)."""
    pair, pair_on, box_of = _scan(z, x, 14, EDGE_DAYS, interior_penalty, None, None, True)
    plain = box_of(pair)
    return plain, (plain if pair_on is pair else box_of(pair_on))


_Pair = tuple[int, int, float, float] | None  # a box's first and end observed day, its s'r and s's


def _scan(
    z: np.ndarray,
    x: np.ndarray,
    min_days: int,
    edge: int,
    interior_penalty: float,
    end: int | None,
    longest: int | None,
    already_on: bool,
) -> tuple[_Pair, _Pair, Callable[[_Pair], Box]]:
    """The best box inside the data, the best with ``already_on`` (the same pair unless a box from the first
    day beats it), and the function that turns a pair into a ``Box`` (its t and residual spread)."""
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
    # Admissible boxes: τ1 ≥ edge, τ2 ≥ τ1 + min_days, τ2 ≤ m − edge or τ2 = m (still on); see ``_best_box``.
    idx = np.arange(m + 1)
    t1 = idx[edge : max(m - min_days + 1, edge)]
    t2 = idx[edge + min_days : max(m - edge + 1, edge + min_days)]  # sorted: m is at most its last
    t2 = t2 if t2.size and t2[-1] == m else np.concatenate([t2, [m]])
    if end is not None:  # one closing day: the first observed day at or after ``end``
        close = int(np.searchsorted(pos, end))
        first = max(edge, close - longest) if longest is not None else edge
        t1, t2 = idx[first : max(close - min_days + 1, first)], np.array([close])
    diag = (m - idx) - np.einsum("ij,ij->i", qs, qs)
    pen = np.zeros(len(t2))
    if interior_penalty:
        # A box that ends inside the data has a second change point: it must pay for it (BIC, with the
        # residuals' autocorrelation inflating the variance), or a weather spell or a storm's eve beats a
        # real switch-on that lasts to the end of the data.
        rho_r = float(np.clip(pearson(r[:-1], r[1:]), 0.0, 0.95)) if m > 3 else 0.0
        s2 = float(r @ r / max(m - q.shape[1], 1)) * (1 + rho_r) / (1 - rho_r)
        pen = interior_penalty * s2 * np.log(m) * (t2 < m)
    found = _best_box(qs, c, diag, m, t1, t2, min_days, pen)
    pair = None if found is None else (int(t1[found[0]]), int(t2[found[1]]), found[2], found[3])
    pair_on = pair
    if already_on and end is None and m > 2 * edge + min_days:
        # A block already on when the data begins and switched off inside it: one change point, as a box
        # still on at the end (so no interior penalty).
        gain = -np.inf if found is None else found[2] ** 2 / found[3] - float(pen[found[1]])
        t2_on = idx[min_days : m - edge + 1]
        from_start = _best_box(qs, c, diag, m, idx[:1], t2_on, min_days, np.zeros(len(t2_on)))
        if from_start is not None and from_start[2] ** 2 / from_start[3] > gain:
            pair_on = 0, int(t2_on[from_start[1]]), from_start[2], from_start[3]

    def box_of(chosen: _Pair) -> Box:
        if chosen is None:
            return Box(0, n, 0.0, 0.0, float(np.std(r)), 0.0)
        a, b, num_ij, den_ij = chosen
        delta = num_ij / den_ij
        box = np.zeros(m)
        box[a:b] = 1.0
        resid = r - delta * (box - q @ (q.T @ box))
        dof = max(m - q.shape[1] - 1, 1)
        sigma = float(np.sqrt(resid @ resid / dof))
        rho = float(np.clip(pearson(resid[:-1], resid[1:]), 0.0, 0.95)) if m > 3 else 0.0
        inflation = np.sqrt((1 + rho) / (1 - rho))
        t = float(delta * np.sqrt(den_ij) / max(sigma, 1e-12) / inflation)
        begin = int(pos[a]) if a < m else n
        stop = int(pos[b]) if b < m else n
        return Box(begin, stop, float(delta), t, sigma, rho)

    return pair, pair_on, box_of


def indicator(n: int, box: Box) -> np.ndarray:
    """0/1 column that is on during ``box``."""
    ind = np.zeros(n)
    ind[box.start : box.end] = 1.0
    return ind


def refit(z: np.ndarray, x: np.ndarray, box: Box) -> Box:
    """``box`` with δ and its autocorrelation-adjusted t re-estimated over ``x`` (e.g. with other boxes in it)."""
    return refit_columns(z[:, None], x, box)[0]


def refit_columns(zs: np.ndarray, x: np.ndarray, box: Box) -> list[Box]:
    """``refit`` of ``box`` for each column of ``zs`` (n × k), in one least-squares solve when they share rows.

    Scoring with peers refits the target's box in every candidate peer's level (``features.peers``): twelve
    separate solves were a tenth of a series' time. Columns missing different days fall back to one solve each.
    A column whose rows cannot size the box (too few, or the box on all or none of them) keeps ``box``.
    """
    rows_ok = np.isfinite(x).all(1)
    finite = np.isfinite(zs)
    if zs.shape[1] > 1 and not (finite == finite[:, :1]).all():
        return [refit_columns(zs[:, [k]], x, box)[0] for k in range(zs.shape[1])]
    ok = rows_ok & finite[:, 0]
    ind = indicator(len(zs), box)[ok]
    xx = np.column_stack([x[ok], ind])
    if ok.sum() < xx.shape[1] + 3 or ind.std() == 0:
        return [box] * zs.shape[1]
    coef = least_squares(xx, zs[ok])  # (p, k)
    resid = zs[ok] - xx @ coef
    var = np.full(zs.shape[1], np.linalg.pinv(xx.T @ xx)[-1, -1])
    return _boxes(box, coef[-1], resid, max(len(resid) - xx.shape[1], 1), var)


def _boxes(box: Box, delta: np.ndarray, resid: np.ndarray, dof: int, var: np.ndarray) -> list[Box]:
    """``box`` re-sized by each column's ``delta``, with its residual σ, lag-1 autocorrelation and adjusted t.

    ``resid`` (n × k) are the fits' residuals, ``dof`` their degrees of freedom, ``var`` each box coefficient's
    entry of (XᵀX)⁻¹ (the standard error is σ times its root).
    """
    sigma = np.sqrt(np.einsum("ij,ij->j", resid, resid) / dof)
    a, b = resid[:-1] - resid[:-1].mean(0), resid[1:] - resid[1:].mean(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lag1 = np.einsum("ij,ij->j", a, b) / np.sqrt(np.einsum("ij,ij->j", a, a) * np.einsum("ij,ij->j", b, b))
    rho = np.clip(lag1, 0.0, 0.95)  # NaN (a constant residual) stays NaN, as np.corrcoef gives
    se = sigma * np.sqrt(np.maximum(var, 1e-300))
    t = delta / np.maximum(se, 1e-12) / np.sqrt((1 + rho) / (1 - rho))
    return [
        Box(box.start, box.end, float(delta[k]), float(t[k]), float(sigma[k]), float(rho[k]))
        for k in range(resid.shape[1])
    ]


def refit_against_each_other(zs: np.ndarray, x: np.ndarray, box: Box) -> list[Box]:
    """``refit`` of ``box`` for each column of ``zs`` (n × k) with ``x`` and the OTHER columns as regressors.

    The same numbers as k solves of ``refit_columns(zs[:, [j]], [x, zs without column j], box)``, in one pass
    (Frisch-Waugh: the columns and the box are freed of ``x`` once, then each column's fit is a k × k system
    from one Gram matrix). The k separate solves added about 12 ms to a series scored with twelve candidate
    peers, half its time (``features.peers.drop_stepping``; BENCHMARKS.md, stop 21). Columns with missing days
    take the separate solves.
    """
    n, k = zs.shape
    if k < 2 or not (np.isfinite(zs).all() and np.isfinite(x).all()):
        return [refit_columns(zs[:, [j]], np.column_stack([x, np.delete(zs, j, axis=1)]), box)[0] for j in range(k)]
    ind = indicator(n, box)
    if n < x.shape[1] + k + 3 or ind.std() == 0:
        return [box] * k
    m = np.column_stack([zs, ind])
    beta = least_squares(x, m)
    r = m - x @ beta  # every column and the box, freed of x
    gram = r.T @ r
    delta, var, resid = np.empty(k), np.empty(k), np.empty((n, k))
    others = [[c for c in range(k + 1) if c != j] for j in range(k)]  # the box last
    # One stacked pseudo-inverse for the k systems: LAPACK runs per matrix as in k calls, without k calls' overhead.
    invs = np.linalg.pinv(np.stack([gram[np.ix_(o, o)] for o in others]))
    for j in range(k):
        coef = invs[j] @ gram[others[j], j]
        delta[j], var[j] = coef[-1], invs[j][-1, -1]
        resid[:, j] = r[:, j] - r[:, others[j]] @ coef
    return _boxes(box, delta, resid, max(n - (x.shape[1] + k), 1), var)  # dof: x, the k - 1 others, the box


def precursors(
    z: np.ndarray,
    x: np.ndarray,
    first: Box,
    *,
    min_t: float,
    max_steps: int = 4,
    min_days: int = 7,
    max_days: int = 42,
) -> list[Box]:
    """Earlier, smaller steps that lead into ``first``: a staircase's first batches, latest first.

    Rigs often arrive in batches weeks apart, and the scan's best box starts where most of the power has
    arrived, not at the first batch, which is when the theft began. Each round scans only the boxes that end
    on the day the earliest step so far starts (the design holding ``x`` and the steps found), and keeps one
    only if it is positive, below the level that follows it and reaches ``min_t``: one closing day instead of
    every pair of days is far fewer chances for weather to pass as a step. A batch holds at most ``max_days``
    before the next: a level that held for a season is a shift of its own, or the base's.
    """
    cols = [x, indicator(len(z), first)[:, None]]
    found: list[Box] = []
    nxt = first
    while len(found) < max_steps and nxt.start > min_days:
        box = box_scan(z, np.hstack(cols), min_days=min_days, end=nxt.start, longest=max_days)
        # δ is the step's level with the later steps in the design: a staircase climbs, so it must be lower.
        if box.t < min_t or box.end != nxt.start or not 0 < box.delta < nxt.delta:
            break
        found.append(box)
        cols.append(indicator(len(z), box)[:, None])
        nxt = box
    return found


def more_boxes(
    z: np.ndarray, x: np.ndarray, first: Box, *, max_boxes: int = 4, min_t: float = 8.0, already_on: bool = False
) -> list[Box]:
    """``first`` (re-fitted) and any further positive shifts the data support once the earlier ones are explained.

    Each round adds the boxes found so far to the design and scans again, so a staircase of
    arrivals yields one box per step and two mining seasons yield two boxes. A box must reach
    ``min_t`` (autocorrelation-adjusted) to count: weather leaves smaller, spurious boxes.
    """
    n = len(z)
    boxes = [first]
    while len(boxes) < max_boxes:
        cols = [x, *(indicator(n, b)[:, None] for b in boxes)]
        nxt = box_scan(z, np.hstack(cols), already_on=already_on)
        if nxt.t < min_t or nxt.delta <= 0 or any((nxt.start, nxt.end) == (b.start, b.end) for b in boxes):
            break
        boxes.append(nxt)
    if len(boxes) > 1:  # the first box's support once the others no longer inflate its noise
        others = np.column_stack([x, *(indicator(n, b) for b in boxes[1:])])
        boxes[0] = refit(z, others, first)
    return boxes
