"""The per-context operating point: at most 1 % of clean windows and 5 % of each look-alike kind flagged."""

from __future__ import annotations

import numpy as np

from detector import simulate
from detector.pipeline import LabelledSet, _context_threshold, training_matrix


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


def test_each_training_row_keeps_its_own_scenario_when_sets_share_a_name() -> None:
    """Rounds of one source share a set name and series ids; the kinds that set the thresholds must not mix.

    They did: a dict keyed by ``set/series_id`` kept the last round's scenario for every round, so clean
    windows were counted as "mining_outages" and a mining window's kind could be "clean".
    """
    rounds = []
    for seed, share in ((1, 0.5), (2, 0.0)):
        fleet = simulate.make_fleet(kind="feeder", n_series=4, days=60, mining_share=share, seed=seed)
        rounds.append(LabelledSet("feeders-peers", fleet.loads, fleet.truth, fleet.unit, fleet.tz, "IR"))
    assert list(rounds[0].truth.scenario) != list(rounds[1].truth.scenario)
    _, y, ids, scenarios = training_matrix(rounds)
    assert ids == [f"feeders-peers/{sid}" for r in rounds for sid in r.truth.series_id]
    assert scenarios == [s for r in rounds for s in r.truth.scenario]
    assert list(y) == [int(s in simulate.MINING) for s in scenarios]
