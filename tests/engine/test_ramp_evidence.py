"""The ramp test that tells growth (a rise over weeks to months) from a farm switched on in a day."""

from __future__ import annotations

import numpy as np
import pytest

from detector.models.changepoint import Box
from detector.models.signature import ramp_evidence

N = 365
DAYS = np.arange(N)
X = np.ones((N, 1))  # the level only: the shapes below are all there is


def _noise(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, 0.01, N)


def test_a_step_is_not_a_ramp_and_growth_is() -> None:
    box = Box(start=180, end=N, delta=0.05, t=20.0, sigma=0.01, rho=0.0)
    step = 1.0 + 0.05 * (DAYS >= 180) + _noise(1)
    growth = 1.0 + 0.05 * np.clip((DAYS - 135) / 90, 0, 1) + _noise(1)  # 90 days of new connections
    assert ramp_evidence(step, X, box) < 3.0
    assert ramp_evidence(growth, X, box) > 30.0


def test_a_staircase_found_as_two_boxes_stays_steps() -> None:
    """Batches of rigs weeks apart: with the scan's second box in both fits, no ramp beats the steps."""
    first, second = Box(120, N, 0.04, 15.0, 0.01, 0.0), Box(200, N, 0.04, 15.0, 0.01, 0.0)
    stairs = 1.0 + 0.04 * (DAYS >= 120) + 0.04 * (DAYS >= 200) + _noise(2)
    alone = ramp_evidence(stairs, X, first)
    assert ramp_evidence(stairs, X, first, (second,)) < 3.0 < alone


def test_persistence_discounts_the_evidence() -> None:
    growth = 1.0 + 0.05 * np.clip((DAYS - 135) / 90, 0, 1) + _noise(3)
    free = Box(180, N, 0.05, 20.0, 0.01, 0.0)
    sticky = Box(180, N, 0.05, 20.0, 0.01, 0.6)
    assert ramp_evidence(growth, X, sticky) == pytest.approx(ramp_evidence(growth, X, free) * 0.4 / 1.6)
