"""Known answers for the engine's core functions (issue 17): the shift search, its design, calibration, threshold.

In the style of ruptures' tests: signals built with a known breakpoint and size, so the answer is known exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from detector.models.changepoint import (
    Box,
    _best_box,
    box_scan,
    design,
    precursors,
    refit_against_each_other,
    refit_columns,
)
from detector.models.classifier import Calibrator
from detector.training import MAX_VALIDATION_FPR, _pick_threshold

N_DAYS = 365


def _calendar(n: int = N_DAYS, seed: int = 0) -> dict[str, np.ndarray]:
    """A year of days from 20 March: Fridays off, six holidays, a seasonal temperature with noise (°C)."""
    rng = np.random.default_rng(seed)
    day = np.arange(n)
    doy = (day + 79) % 365 + 1
    return {
        "off_day": day % 7 == 4,
        "holiday": np.isin(day, [0, 1, 12, 13, 80, 200]),
        "temp": 18 + 12 * np.sin(2 * np.pi * (doy - 110) / 365) + rng.normal(0, 2, n),
        "doy": doy,
    }


def _daily(start: int, end: int, delta: float, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Daily level = calendar and weather terms + ``delta`` on days [start, end) + noise (sd 0.05); its design."""
    cal = _calendar()
    x = design(N_DAYS, cal["off_day"], cal["holiday"], cal["temp"], cal["doy"])
    rng = np.random.default_rng(seed)
    beta = rng.normal(0, 0.3, x.shape[1])
    beta[0] = 10.0
    box = np.zeros(N_DAYS)
    box[start:end] = delta
    return x @ beta + box + rng.normal(0, 0.05, N_DAYS), x


@pytest.mark.parametrize(
    ("start", "end", "delta"),
    [(100, 160, 0.5), (30, 60, 1.0), (250, 330, 0.2), (200, N_DAYS, 0.3)],  # the last is still on at the end
)
def test_box_scan_finds_an_injected_box_exactly(start: int, end: int, delta: float) -> None:
    z, x = _daily(start, end, delta)
    box = box_scan(z, x)
    assert (box.start, box.end) == (start, end)
    assert box.delta == pytest.approx(delta, rel=0.08)
    assert box.t > 10


def test_box_scan_reports_days_of_the_input_when_days_are_missing() -> None:
    z, x = _daily(100, 160, 0.5)
    z[[5, 99, 120, 121, 300]] = np.nan  # dropped rows: the box is still named in the input's day numbers
    box = box_scan(z, x)
    assert (box.start, box.end) == (100, 160)


def test_box_scan_finds_only_positive_boxes_and_no_strong_one_in_noise() -> None:
    z, x = _daily(100, 160, -0.5)  # load that drops is no mining block: what is found is a rise, elsewhere
    dropped = box_scan(z, x)
    assert dropped.delta > 0
    assert (dropped.start, dropped.end) != (100, 160)
    quiet, _ = _daily(0, 0, 0.0)
    assert box_scan(quiet, x).t < 6


def test_box_scan_honours_min_days_and_edge() -> None:
    z, x = _daily(100, 105, 1.0)  # five days: shorter than the 14 a box needs
    box = box_scan(z, x, min_days=14, edge=7)
    assert box.end - box.start >= 14
    assert box.start >= 7
    assert box.end == N_DAYS or box.end <= N_DAYS - 7


def _best_pair_by_brute_force(z: np.ndarray, x: np.ndarray, min_days: int, edge: int) -> tuple[int, int]:
    """The definition: of every admissible box, the one whose own least-squares fit with ``x`` has a positive size
    and removes the most squared error (no penalty; ``z`` fully observed)."""
    m = len(z)
    base = np.linalg.lstsq(x, z, rcond=None)[1][0]
    best, pair = 0.0, (-1, -1)
    for a in range(edge, m - min_days + 1):
        for b in [*range(a + min_days, m - edge + 1), m]:
            if b - a < min_days or (b < m and b > m - edge):
                continue
            box = np.zeros(m)
            box[a:b] = 1.0
            coef, sse, *_ = np.linalg.lstsq(np.column_stack([x, box]), z, rcond=None)
            if coef[-1] > 0 and base - sse[0] > best * (1 + 1e-9):  # a tie keeps the first, as the scan does
                best, pair = base - sse[0], (a, b)
    return pair


@pytest.mark.parametrize("seed", range(8))
def test_box_scan_picks_the_box_least_squares_picks(seed: int) -> None:
    # Rises, falls and plain noise; in two the design holds a step of its own, so boxes that differ by that step tie.
    rng = np.random.default_rng(seed)
    n = 70
    x = np.column_stack([np.ones(n), np.sin(np.arange(n) / 9.0), rng.normal(size=n)])
    if seed >= 6:
        x[:, 2] = np.arange(n) >= 30
    x /= np.abs(x).max(0)
    z = x @ rng.normal(size=3) + rng.normal(0, 0.1, n)
    z[int(rng.integers(8, 40)) :] += (0.4, -0.6, 0.0)[seed % 3]
    box = box_scan(z, x, min_days=10, edge=5)
    assert (box.start, box.end) == _best_pair_by_brute_force(z, x, min_days=10, edge=5)


def test_best_box_never_picks_a_pair_without_size_to_fit() -> None:
    # The scan's kernel on inputs where one pair's squared norm is 0 (a box the design holds) and would win on
    # num²/den: the pair chosen is the definition's, the best num²/den - pen over pairs with num > 0, den > 1e-9 and
    # at least min_days apart.
    m, min_days = 120, 10
    rng = np.random.default_rng(3)
    idx = np.arange(m + 1)
    qs = rng.normal(0, 0.3, (m + 1, 2))
    diag = (m - idx) - np.einsum("ij,ij->i", qs, qs)
    c = np.concatenate([np.cumsum(rng.normal(0, 1, m)[::-1])[::-1], [0.0]])
    t1, t2 = idx[5 : m - min_days + 1], np.unique(np.concatenate([idx[5 + min_days : m - 5 + 1], [m]]))
    pen = 0.5 * (t2 < m)
    a, b = 40, 70  # den(a, b) = 0 and num(a, b) > 0
    diag[a] = 2.0 * (m - b) + 2.0 * qs[a] @ qs[b] - diag[b]
    c[a] = c[b] + 5.0
    den = diag[t1, None] + diag[None, t2] - 2.0 * (m - t2[None, :]) - 2.0 * qs[t1] @ qs[t2].T
    num = c[t1, None] - c[None, t2]
    assert abs(den[list(t1).index(a), list(t2).index(b)]) < 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        gain = np.where((num > 0) & (den > 1e-9) & (t2[None, :] - t1[:, None] >= min_days), num**2 / den, -np.inf)
    i, j = np.unravel_index(np.argmax(gain - pen[None, :]), gain.shape)
    found = _best_box(qs, c, diag, m, t1, t2, min_days, pen)
    assert found is not None
    assert (found[0], found[1]) == (i, j) != (list(t1).index(a), list(t2).index(b))


def test_design_with_temperature_has_the_documented_columns_and_no_nan() -> None:
    cal = _calendar()
    temp = cal["temp"].copy()
    temp[::10] = np.nan  # 10 % missing: filled, not spread as NaN
    x = design(N_DAYS, cal["off_day"], cal["holiday"], temp, cal["doy"])
    # intercept, off day, holiday, six hinges, the blended temperature, today minus the blend
    assert x.shape == (N_DAYS, 11)
    assert np.isfinite(x).all()
    np.testing.assert_array_equal(x[:, 0], 1.0)
    np.testing.assert_array_equal(x[:, 1], cal["off_day"].astype(float))
    np.testing.assert_array_equal(x[:, 2], cal["holiday"].astype(float))
    assert np.abs(x).max(0) == pytest.approx(np.ones(11))  # each column scaled to max |value| 1
    assert (x[:, 3:9] >= 0).all()  # hinges are clipped at zero
    extremes = design(N_DAYS, cal["off_day"], cal["holiday"], temp, cal["doy"], cal["temp"] + 5, cal["temp"] - 5)
    assert extremes.shape == (N_DAYS, 17)  # three hinges each for the day's maximum and minimum
    assert np.isfinite(extremes).all()


@pytest.mark.parametrize("temp", [None, "mostly missing"])
def test_design_without_temperature_uses_a_smooth_season(temp: str | None) -> None:
    cal = _calendar()
    t = None if temp is None else np.where(np.arange(N_DAYS) % 3 == 0, cal["temp"], np.nan)
    x = design(N_DAYS, cal["off_day"], cal["holiday"], t, cal["doy"])
    assert x.shape == (N_DAYS, 7)  # intercept, off day, holiday, cos/sin of the year and of half a year
    assert np.isfinite(x).all()
    season = np.cos(2 * np.pi * cal["doy"] / 365.25)
    np.testing.assert_allclose(x[:, 3], season / np.abs(season).max())
    np.testing.assert_allclose(np.abs(x[:, 3:]).max(0), 1.0)


def test_design_can_leave_the_season_to_peers_but_never_drops_temperature() -> None:
    cal = _calendar()
    bare = design(N_DAYS, cal["off_day"], cal["holiday"], None, cal["doy"], season=False)
    assert bare.shape == (N_DAYS, 3)  # intercept, off day, holiday: the peers' columns carry the season
    with_temp = design(N_DAYS, cal["off_day"], cal["holiday"], cal["temp"], cal["doy"], season=False)
    np.testing.assert_array_equal(with_temp, design(N_DAYS, cal["off_day"], cal["holiday"], cal["temp"], cal["doy"]))


@pytest.mark.parametrize("twins", [False, True])
def test_refit_against_each_other_gives_the_separate_solves_numbers(twins: bool) -> None:
    rng = np.random.default_rng(7)
    cal = _calendar()
    x = design(N_DAYS, cal["off_day"], cal["holiday"], None, cal["doy"])
    weather = np.cumsum(rng.normal(0, 0.02, N_DAYS))
    zs = np.column_stack([1 + g * weather + rng.normal(0, 0.01, N_DAYS) for g in (0.7, 1.0, 1.2, 0.9, 1.1)])
    zs[200:, 2] += 0.04  # one column steps inside the box
    if twins:
        zs[:, 1] = zs[:, 0] + rng.normal(0, 1e-4, N_DAYS)
    box = Box(180, N_DAYS, 0.0, 0.0, 0.0, 0.0)
    fast = refit_against_each_other(zs, x, box)
    for j, got in enumerate(fast):
        want = refit_columns(zs[:, [j]], np.column_stack([x, np.delete(zs, j, axis=1)]), box)[0]
        for field in ("delta", "t", "sigma", "rho"):
            assert getattr(got, field) == pytest.approx(getattr(want, field), rel=1e-6, abs=1e-12)
    assert max(range(5), key=lambda j: fast[j].t) == 2  # the column with its own step stands out


def test_calibrator_is_monotone_maps_into_0_1_and_matches_observed_rates() -> None:
    rng = np.random.default_rng(4)
    margin = rng.normal(0, 2, 4000)
    labels = (rng.random(4000) < 1 / (1 + np.exp(-margin))).astype(int)
    cal = Calibrator.fit(margin, labels)
    grid = np.concatenate([[-700.0, -50.0], np.linspace(-8, 8, 2001), [50.0, 700.0]])
    p = cal(grid)
    assert ((p >= 0) & (p <= 1)).all()
    assert (np.diff(p) >= 0).all()
    assert p[0] < 0.05
    assert p[-1] > 0.95
    fitted = cal(margin)
    for lo, hi in [(-9, -2), (-2, 0), (0, 2), (2, 9)]:
        sel = (margin >= lo) & (margin < hi)
        assert fitted[sel].mean() == pytest.approx(labels[sel].mean(), abs=0.02)


def test_calibrator_breaks_ties_inside_a_step_by_less_than_a_thousandth() -> None:
    cal = Calibrator(np.array([-1.0, 1.0]), np.array([0.2, 0.2]))  # one flat step
    p = cal(np.array([-0.5, 0.0, 0.5]))
    assert p[0] < p[1] < p[2]
    assert np.abs(p - 0.2).max() <= 1e-3


def test_pick_threshold_keeps_the_false_positive_rate_within_its_limit() -> None:
    rng = np.random.default_rng(5)
    y = np.r_[np.zeros(500, int), np.ones(100, int)]
    p = np.r_[rng.beta(2, 5, 500), rng.beta(5, 2, 100)]
    t = _pick_threshold(p, y)
    flag = p >= t
    assert flag[y == 0].mean() <= MAX_VALIDATION_FPR
    # and it is the best F1 among the thresholds that keep to the limit
    f1 = {}
    for c in np.unique(p):
        f = p >= c
        if f[y == 0].mean() <= MAX_VALIDATION_FPR:
            f1[c] = 2 * (f & (y == 1)).sum() / (f.sum() + (y == 1).sum())
    assert t == max(f1, key=lambda c: (f1[c], -c))


def test_pick_threshold_known_answer() -> None:
    # 100 negatives at 0.1..0.6 (two of them high, at 0.9 and 0.95), 10 positives at 0.7..0.99.
    y = np.r_[np.zeros(100, int), np.ones(10, int)]
    p = np.r_[np.linspace(0.1, 0.6, 98), [0.9, 0.95], np.linspace(0.7, 0.99, 10)]
    # 0.7 flags all 10 miners and the two high negatives (FPR 2 %, at the limit): F1 = 20 / 22
    assert _pick_threshold(p, y) == pytest.approx(0.7)


def _staircase(steps: list[tuple[int, float]], seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """``_daily`` with batches that stay on to the end: (first day, added level) each."""
    z, x = _daily(0, 0, 0.0, seed=seed)
    for start, delta in steps:
        z[start:] += delta
    return z, x


def test_precursors_find_a_staircases_first_batches_the_scan_starts_later() -> None:
    z, x = _staircase([(120, 0.1), (155, 0.1), (190, 0.3)], seed=5)  # batches five weeks apart
    main = box_scan(z, x)
    assert main.start == 190  # where most of the power arrived, not when the theft began
    lead = precursors(z, x, main, min_t=5.0)
    assert [b.end for b in lead] == [190, lead[0].start]  # each ends where the next step starts
    assert [b.start for b in lead] == pytest.approx([155, 120], abs=3)
    assert lead[0].delta == pytest.approx(0.2, rel=0.15)  # the level each batch held, below the next
    assert lead[1].delta == pytest.approx(0.1, rel=0.25)


@pytest.mark.parametrize("seed", range(5))
def test_precursors_find_nothing_before_a_single_step(seed: int) -> None:
    z, x = _staircase([(150, 0.3)], seed=seed)
    main = box_scan(z, x)
    assert main.start == 150
    assert precursors(z, x, main, min_t=5.0) == []
