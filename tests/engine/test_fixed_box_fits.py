"""The fixed-box fits behind the signature's mean, floor and peak t: Frisch-Waugh equals the joint fit."""

from __future__ import annotations

import numpy as np
import pytest

from detector.models.regression import fixed_box_fit, fixed_box_fits


def _joint_fit(z: np.ndarray, x: np.ndarray, box: np.ndarray) -> tuple[float, float]:
    """The definition: least squares of z on [x, box] over z's known days, t from the pseudo-inverse of the Gram."""
    ok = np.isfinite(z)
    if ok.sum() < x.shape[1] + 3 or box[ok].std() == 0:
        return 0.0, 0.0
    a = np.column_stack([x[ok], box[ok]])
    coef, *_ = np.linalg.lstsq(a, z[ok], rcond=None)
    resid = z[ok] - a @ coef
    s2 = resid @ resid / max(len(resid) - a.shape[1], 1)
    se = float(np.sqrt(np.linalg.pinv(a.T @ a)[-1, -1] * s2))
    return float(coef[-1]), float(coef[-1] / se)


@pytest.mark.parametrize("seed", range(16))
def test_equals_the_joint_fit_column_by_column(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(90, 740)), int(rng.integers(4, 30))
    x = rng.normal(size=(n, k))
    x[:, 0] = 1.0
    if seed % 3 == 0:
        x[:, 1] = 0.0  # a flag that never fires in this window: rank-deficient design
    if seed % 4 == 0:
        x[:, 2] = 2.0 * x[:, 3]  # two temperature hinges at one quantile: collinear columns
    x /= np.maximum(np.abs(x).max(0), 1e-12)
    box = np.zeros(n)
    start = int(rng.integers(10, n - 30))
    box[start : start + int(rng.integers(14, n))] = 1.0
    z = x @ rng.normal(size=k) * 0.1 + 0.05 * box + rng.normal(0, 0.02, n)
    zs = np.column_stack([z, 0.7 * z + rng.normal(0, 0.01, n), z + 0.2])
    if seed % 2:
        zs[rng.random(n) < 0.05] = np.nan  # days every band misses: one shared solve
        zs[rng.random(n) < 0.02, 1] = np.nan  # and a band's own missing days: a solve of its own
    fits = fixed_box_fits(zs, x, box)
    for j in range(zs.shape[1]):
        np.testing.assert_allclose(fits[j], _joint_fit(zs[:, j], x, box), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fixed_box_fit(zs[:, 1], x, box), _joint_fit(zs[:, 1], x, box), rtol=1e-9, atol=1e-12)


def test_a_box_the_design_already_holds_is_not_sized() -> None:
    n = 200
    box = np.zeros(n)
    box[120:] = 1.0
    x = np.column_stack([np.ones(n), box])  # the design holds the box itself
    z = 1.0 + 0.1 * box + np.random.default_rng(0).normal(0, 0.01, n)
    assert fixed_box_fit(z, x, box) == (0.0, 0.0)
    assert fixed_box_fit(z, x[:, :1], np.ones(n)) == (0.0, 0.0)  # on every day: constant
    assert fixed_box_fit(np.full(n, np.nan), x[:, :1], box) == (0.0, 0.0)  # no known day
