"""The per-context operating point: at most 1 % of clean windows and 5 % of each look-alike kind flagged."""

from __future__ import annotations

import numpy as np

from detector.pipeline import _context_threshold


def test_threshold_meets_the_clean_and_the_lookalike_limits() -> None:
    rng = np.random.default_rng(0)
    clean = rng.uniform(0.0, 0.5, 200)
    growth = rng.uniform(0.2, 0.9, 40)  # a hard look-alike: it sets the threshold
    mining = rng.uniform(0.4, 1.0, 100)
    p = np.concatenate([clean, growth, mining])
    y = np.concatenate([np.zeros(240, int), np.ones(100, int)])
    kind = np.array(["clean"] * 200 + ["growth"] * 40 + ["step"] * 100, dtype=object)
    t = _context_threshold(p, y, kind, fallback=0.5)
    assert (clean >= t).mean() <= 0.01
    assert (growth >= t).mean() <= 0.05
    assert (growth >= np.nextafter(t, -1)).mean() > 0.05  # the lowest such threshold: one step down breaks it


def test_too_few_negatives_keep_the_model_wide_threshold() -> None:
    p, y = np.linspace(0, 1, 60), np.r_[np.zeros(30, int), np.ones(30, int)]
    assert _context_threshold(p, y, np.array(["clean"] * 60, dtype=object), fallback=0.42) == 0.42
