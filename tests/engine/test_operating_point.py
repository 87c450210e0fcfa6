"""The per-context operating point: at most 1 % of clean windows and 5 % of each look-alike kind flagged."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import detector
from detector import simulate
from detector.artifacts import MiningModel, length_context
from detector.models.signature import FEATURES
from detector.models.trees import Calibrator
from detector.training import (
    LabelledSet,
    OutOfFold,
    _context_threshold,
    false_alarm_table,
    fit_model,
    threshold_needs,
    training_matrix,
)


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


def test_small_lookalike_kinds_are_held_to_the_limit_together_not_by_their_single_highest_window() -> None:
    # Two-year inputs with peers: 18 growth windows, one of them on a base with a real flat shift (0.995). Held
    # apart, 5 % of 18 allows none, and that one window set the threshold; pooled with the other small kinds
    # (150 windows, 7 allowed) it is one false alarm among them.
    rng = np.random.default_rng(1)
    clean = rng.uniform(0.0, 0.6, 300)
    growth = np.r_[rng.uniform(0.0, 0.5, 17), 0.995]
    others = rng.uniform(0.0, 0.7, 132)
    p = np.concatenate([clean, growth, others, rng.uniform(0.5, 1.0, 50)])
    y = np.r_[np.zeros(450, int), np.ones(50, int)]
    counts = {"clean": 300, "growth": 18, "outages": 30, "heat_wave": 20, "ev_charging": 82, "step": 50}
    kind = np.repeat(np.array(list(counts), dtype=object), list(counts.values()))
    t = _context_threshold(p, y, kind, fallback=0.5)
    assert t < 0.995  # the one growth window no longer sets it
    small = np.isin(kind, ["growth", "outages", "heat_wave"])
    assert (p[small] >= t).mean() <= 0.05  # the small kinds together stay within 5 %
    assert (p[kind == "ev_charging"] >= t).mean() <= 0.05  # a kind of 82 is still held on its own
    assert (clean >= t).mean() <= 0.01


def test_pooled_splits_count_windows_not_rows() -> None:
    """Five out-of-fold splits of the same windows, stacked: a kind of 18 windows is still small (pooled with the
    other small kinds), and the threshold is where the windows' flag rates across the splits meet the limits."""
    rng = np.random.default_rng(1)
    counts = {"clean": 300, "growth": 18, "outages": 30, "heat_wave": 20, "ev_charging": 82, "step": 50}
    kind = np.repeat(np.array(list(counts), dtype=object), list(counts.values()))
    y = (kind == "step").astype(int)
    base = np.where(y == 1, rng.uniform(0.5, 1.0, len(y)), rng.uniform(0.0, 0.6, len(y)))
    base[np.flatnonzero(kind == "growth")[-1]] = 0.995  # one growth window on a base with a real flat shift
    splits = np.clip(base + rng.normal(0, 0.02, (5, len(y))), 0, 1)  # each split scores the windows a bit apart
    t = _context_threshold(splits.ravel(), np.tile(y, 5), np.tile(kind, 5), fallback=0.5, repeats=5)
    assert t < 0.9  # 90 rows of growth, but 18 windows: not held on their own by the one shifted base
    needs = threshold_needs(splits.ravel(), np.tile(y, 5), np.tile(kind, 5), repeats=5)
    assert set(needs) == {"clean", "ev_charging", "small kinds"}  # growth, outages, heat wave held together
    assert max(needs.values()) == t
    rows = np.tile(kind, 5)
    assert (splits.ravel()[rows == "clean"] >= t).mean() <= 0.01
    assert (splits.ravel()[np.isin(rows, ["growth", "outages", "heat_wave"])] >= t).mean() <= 0.05
    assert _context_threshold(splits.ravel()[:300], np.zeros(300, int), np.tile(kind, 5)[:300], 0.42, 10) == 0.42


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
    found = training_matrix(rounds)
    y, ids, scenarios = found.y, found.ids, found.scenarios
    assert ids == [f"feeders-peers/{sid}" for r in rounds for sid in r.truth.series_id]
    assert scenarios == [s for r in rounds for s in r.truth.scenario]
    assert list(y) == [int(s in simulate.MINING) for s in scenarios]


def test_inputs_of_other_lengths_get_their_own_operating_point() -> None:
    """Two-year inputs give the shift search twice the days: clean windows score higher than one-year ones.

    A long context learns its own threshold from its own windows; a length with too few keeps the year's.
    """
    rng = np.random.default_rng(1)
    n_year, n_long, n_short = 300, 300, 20
    days = np.r_[np.full(n_year, 365), np.full(n_long, 730), np.full(n_short, 60)]
    y = np.r_[np.zeros(200, int), np.ones(100, int), np.zeros(200, int), np.ones(100, int), np.zeros(n_short, int)]
    margin = np.r_[rng.normal(-2, 1, 200), rng.normal(2, 1, 100), rng.normal(-0.5, 1, 200), rng.normal(2.5, 1, 100)]
    margin = np.r_[margin, rng.normal(-2, 1, n_short)]
    x = np.zeros((len(y), len(FEATURES)))
    x[:, 0] = margin  # t_box: the trees find it
    ids = [f"real/base{i}/w" for i in range(len(y))]
    model = fit_model(x, y, ids, scenarios=["clean" if v == 0 else "step" for v in y], days=days, repeats=2)
    table = model.metadata["thresholds"]
    assert set(table) == {"alone", "peers", "alone/long"}  # 20 short windows are too few
    assert table["peers"] == model.threshold  # no window scored with peers: the model-wide threshold
    p = model.probability(x)
    long_clean = p[(days == 730) & (y == 0)]
    assert (long_clean >= table["alone/long"]).mean() <= 0.01
    assert (long_clean >= table["alone"]).mean() > 0.01  # the year's threshold would flag too many of them
    features = x[0]
    assert model.threshold_for(features, 730) == table["alone/long"]
    assert model.threshold_for(features, 365) == model.threshold_for(features) == table["alone"]
    assert model.threshold_for(features, 60) == table["alone"]
    assert length_context(299) == "short"
    assert length_context(300) == length_context(400) == ""
    assert length_context(401) == "long"


def _half_alone_rows(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """``n`` real training rows, a third mining: the first half scored alone, the rest with three peers;
    ``t_box`` separates mining from the rest with some overlap."""
    y = (np.arange(n) % 3 == 0).astype(int)
    x = np.zeros((n, len(FEATURES)))
    x[:, 0] = rng.normal(2.0 * y - 1.0, 1.0)
    x[:, FEATURES.index("n_peers")] = np.where(np.arange(n) < n // 2, 0.0, 3.0)
    return x, y, [f"real/base{i}/w" for i in range(n)]


def test_per_mode_fit_splits_the_operating_points_and_needs_rows_alone() -> None:
    """``x_alone`` gives the rows scored alone trees of their own, with the operating points alone; a training
    set whose every window was scored with peers has none to fit them on and gets one model for all."""
    rng = np.random.default_rng(2)
    n = 400
    x, y, ids = _half_alone_rows(n, rng)
    x_alone = x.copy()
    x_alone[: n // 2, 0] += rng.normal(0, 0.3, n // 2)  # the day-shape search's rows differ where scored alone
    kinds = ["clean" if v == 0 else "step" for v in y]
    model = fit_model(x, y, ids, scenarios=kinds, days=np.full(n, 365), x_alone=x_alone, repeats=2)
    assert model.alone is not None
    assert set(model.metadata["thresholds"]) == {"peers"}
    assert set(model.alone.metadata["thresholds"]) == {"alone"}
    assert model.alone.metadata["n_series"] == n // 2
    assert model.threshold_for(x[0]) == model.alone.metadata["thresholds"]["alone"]
    assert model.threshold_for(x[-1]) == model.metadata["thresholds"]["peers"]
    with_peers = x[n // 2 :]
    single = fit_model(with_peers, y[n // 2 :], ids[n // 2 :], x_alone=with_peers.copy(), repeats=2)
    assert single.alone is None
    assert not single.day_shape_alone


def test_windows_only_the_alone_trees_see_leave_the_province_as_it_was() -> None:
    """``alone_only`` rows train the alone trees and feed their operating point and false-alarm tables; the main
    trees, their calibrator and the thresholds with peers are those of a fit without them."""
    rng = np.random.default_rng(5)
    n, m = 400, 200
    x, y, ids = _half_alone_rows(n, rng)
    more, more_y, _ = _half_alone_rows(2 * m, rng)
    more, more_y = more[:m], more_y[:m]  # scored alone only
    more[:, 0] += 0.5 * (more_y == 0)  # clean windows that start anywhere: harder than the calendar years
    kinds = ["clean" if v == 0 else "step" for v in np.r_[y, more_y]]
    days = np.full(n + m, 365)
    without = fit_model(x, y, ids, scenarios=kinds[:n], days=days[:n], x_alone=x.copy(), repeats=2)
    both = np.vstack([x, more])
    extra = np.r_[np.zeros(n, bool), np.ones(m, bool)]
    ids_more = ids + [f"real/more{i}/w" for i in range(m)]
    model = fit_model(
        both, np.r_[y, more_y], ids_more, scenarios=kinds, days=days, x_alone=both.copy(), alone_only=extra, repeats=2
    )
    with_peers = x[n // 2 :]
    assert np.array_equal(model.probability(with_peers), without.probability(with_peers))
    assert model.metadata["thresholds"] == without.metadata["thresholds"]
    assert model.metadata["validation"]["n"] == n  # validated on the rows the main trees answer
    assert model.metadata["n_alone_only"] == m
    assert model.alone is not None
    assert without.alone is not None
    assert model.alone.metadata["n_series"] == n // 2 + m
    tables = model.alone.metadata["false_alarm"]["contexts"]
    assert tables["alone"]["clean_windows"] == without.alone.metadata["false_alarm"]["contexts"]["alone"][
        "clean_windows"
    ] + int((more_y == 0).sum())
    assert model.alone.metadata["thresholds"]["alone"] != without.alone.metadata["thresholds"]["alone"]
    peers_of_one = both.copy()
    peers_of_one[n, FEATURES.index("n_peers")] = 3.0
    with pytest.raises(ValueError, match="alone_only rows must be scored alone"):
        fit_model(both, np.r_[y, more_y], ids_more, x_alone=peers_of_one, alone_only=extra)


def test_each_answer_reads_how_often_clean_loads_of_its_context_score_as_high() -> None:
    """``false_alarm_rate``: the share of real clean windows of the answer's context (alone or with peers, and
    its length) scoring at or above its score, out of fold. It falls with the score, it is about 1 % at the
    threshold the clean limit sets, and each context reads its own windows."""
    n = 600
    x, y, ids = _half_alone_rows(n, np.random.default_rng(3))
    x[n // 2 :, 0] += 0.7 * (y[n // 2 :] == 0)  # with peers, clean windows score higher: a context of their own
    model = fit_model(x, y, ids, scenarios=["clean" if v == 0 else "step" for v in y], days=np.full(n, 365), repeats=2)
    tables = model.metadata["false_alarm"]["contexts"]
    assert set(tables) == {"alone", "peers", "alone+no-temperature", "peers+no-temperature"}  # none had temperature
    assert tables["alone"]["clean_windows"] == tables["peers"]["clean_windows"] == 200
    alone_row, peers_row = x[0], x[-1]
    rates = [model.false_alarm_rate(alone_row, p) for p in (0.0, 0.2, 0.5, 0.8, 1.0)]
    assert rates[0] == 1.0
    assert rates[-1] <= 0.01
    assert all(a >= b for a, b in itertools.pairwise(rates))  # never rises with the score
    at_threshold = model.false_alarm_rate(peers_row, model.threshold_for(peers_row))
    assert at_threshold is not None
    assert at_threshold <= 0.05
    assert model.false_alarm_rate(peers_row, 0.5) >= model.false_alarm_rate(alone_row, 0.5)  # its own windows
    stripped = type(model)(model.classifier, model.calibrator, model.threshold, model.version, model.features, {})
    assert stripped.false_alarm_rate(alone_row, 0.5) is None  # a model trained before the tables says nothing


def test_answers_with_and_without_temperature_read_their_own_clean_windows() -> None:
    """Without temperature clean windows score higher: an answer scored without it reads the table of the clean
    windows scored without it, not one pooled with the easier windows that had it."""
    rng = np.random.default_rng(4)
    n = 400
    with_temp = np.arange(n) % 2 == 0
    p = np.where(with_temp, rng.uniform(0.0, 0.5, n), rng.uniform(0.2, 0.9, n))  # clean windows, out of fold
    oof = OutOfFold(
        p=p,
        y=np.zeros(n, int),
        kinds=np.full(n, "clean", dtype=object),
        with_peers=np.zeros(n, bool),
        real=np.ones(n, bool),
        lengths=np.full(n, ""),
        with_temperature=with_temp,
        calibrator=Calibrator(np.array([0.0, 1.0]), np.array([0.0, 1.0])),
        folds=5,
        repeats=1,
    )
    tables = false_alarm_table(oof, ["alone"])
    assert {k: v["clean_windows"] for k, v in tables.items()} == {
        "alone": 400,
        "alone+temperature": 200,
        "alone+no-temperature": 200,
    }
    assert tables["alone+temperature"]["share_at_or_above"][60] == 0.0  # none of them reaches 0.6
    assert tables["alone+no-temperature"]["share_at_or_above"][60] == (p[~with_temp] >= 0.6).mean().round(4)
    bundled = detector.load_model().alone
    assert bundled is not None
    model = MiningModel(
        bundled.classifier, bundled.calibrator, 0.5, "test", FEATURES, {"false_alarm": {"contexts": tables}}
    )
    without, with_ = np.zeros(len(FEATURES)), np.zeros(len(FEATURES))
    with_[FEATURES.index("has_temp")] = 1
    assert model.false_alarm_rate(with_, 0.65) == pytest.approx(1 / 201)  # none of 200 reached it: 1 / (n + 1)
    share = tables["alone+no-temperature"]["share_at_or_above"][65]
    assert share > 0.3
    assert model.false_alarm_rate(without, 0.65) == pytest.approx((share * 200 + 1) / 201)


def test_the_budget_threshold_flags_exactly_the_probabilities_whose_rate_is_within_it() -> None:
    n = 600
    x, y, ids = _half_alone_rows(n, np.random.default_rng(3))
    model = fit_model(x, y, ids, scenarios=["clean" if v == 0 else "step" for v in y], repeats=2)
    grid = np.r_[np.linspace(0.0, 1.0, 2001), np.nextafter(np.arange(1, 101) / 100, -1.0)]  # and just below each point
    for row in (x[0], x[-1]):  # alone and with peers: each context its own table
        for budget in (0.0, 0.005, 0.01, 0.05, 0.2, 1.0):
            cut = model.threshold_within(row, budget)
            assert cut is not None
            rates = np.array([model.false_alarm_rate(row, p) for p in grid])
            assert np.array_equal(grid >= cut, rates <= budget), (budget, cut)
    stripped = type(model)(model.classifier, model.calibrator, model.threshold, model.version, model.features, {})
    assert stripped.threshold_within(x[0], 0.05) is None  # no tables: no budget can be read
