"""``max_false_alarm``: flag where the answer's false-alarm rate is within the analyst's budget."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import detector
from detector.models.signature import FEATURES
from detector.scoring import ALONE_BUDGET_WARNING

REGIONS = Path(__file__).resolve().parents[2] / "sample_data" / "tehran_regions.parquet"


@pytest.fixture(scope="module")
def default_and_budget() -> tuple[list[detector.ScoreReport], dict[float, list[detector.ScoreReport]]]:
    default = detector.score(REGIONS, tz="Asia/Tehran")
    return default, {b: detector.score(REGIONS, tz="Asia/Tehran", max_false_alarm=b) for b in (0.01, 0.05, 0.2)}


def test_a_budget_flags_the_series_whose_false_alarm_rate_is_within_it(
    default_and_budget: tuple[list[detector.ScoreReport], dict[float, list[detector.ScoreReport]]],
) -> None:
    default, by_budget = default_and_budget
    for budget, reports in by_budget.items():
        assert [r.score for r in reports] == [r.score for r in default]  # the budget moves flags, not scores
        for r in reports:
            assert r.false_alarm_rate is not None
            assert r.flagged == (r.false_alarm_rate <= budget), (budget, r.series_id)
            assert (r.rigs > 0) <= r.flagged  # rig counts follow the flag
    counts = [sum(r.flagged for r in by_budget[b]) for b in sorted(by_budget)]
    assert counts == sorted(counts)  # a larger budget never flags fewer
    assert counts[0] < counts[-1]  # and on this province it flags more
    assert {r.threshold for r in by_budget[0.05]} != {r.threshold for r in default}


def test_without_a_false_alarm_table_the_answer_says_it_was_flagged_at_the_operating_point() -> None:
    model = detector.load_model()
    bare = dataclasses.replace(model, metadata={**model.metadata, "false_alarm": {}}, alone=None)
    reports = detector.score(REGIONS, tz="Asia/Tehran", model=bare, peers="none", max_false_alarm=0.05)
    for r in reports:
        assert r.false_alarm_rate is None
        assert r.threshold == bare.threshold_for(np.zeros(len(FEATURES)))
        assert (
            "no false-alarm rate is known for inputs like this one (its length, with or without peers, or a "
            f"recalibrated model), so it is flagged at the model's operating point {r.threshold:.3f}, not at the "
            "false-alarm budget of 5.0%"
        ) in r.warnings


def test_a_budget_on_answers_scored_alone_says_how_far_such_rates_held(
    default_and_budget: tuple[list[detector.ScoreReport], dict[float, list[detector.ScoreReport]]],
) -> None:
    _, by_budget = default_and_budget
    assert all(r.peers for r in by_budget[0.05])  # a province: scored with peers, its rates roughly hold
    assert not any(ALONE_BUDGET_WARNING in r.warnings for r in by_budget[0.05])
    alone = detector.score(REGIONS, tz="Asia/Tehran", peers="none", max_false_alarm=0.05)
    for r in alone:
        assert ALONE_BUDGET_WARNING in r.warnings
        assert r.flagged == (r.false_alarm_rate is not None and r.false_alarm_rate <= 0.05)


def test_a_budget_under_the_lowest_rate_its_context_can_tell_says_why_nothing_is_flagged() -> None:
    """A rate is never under 1 / (n + 1) of its context's n clean windows: a budget under that flags nothing, and
    each answer says so with the lowest rate its context reads (at a score of 1), not a silent empty list."""
    model = detector.load_model()
    reports = detector.score(REGIONS, tz="Asia/Tehran", max_false_alarm=0.001)
    assert reports
    assert all(r.peers for r in reports)
    for r in reports:
        assert not r.flagged
        assert r.threshold > 1.0
        assert r.rigs == 0.0
        row = np.zeros(len(FEATURES))  # its context: a year, with peers and with temperature (the file has it)
        row[FEATURES.index("n_peers")] = len(r.peers)
        row[FEATURES.index("has_temp")] = 1.0
        (note,) = [w for w in r.warnings if w.startswith("the false-alarm budget of 0.10% is under the lowest rate")]
        least = float(note.split("(")[1].split("%")[0]) / 100
        assert least > 0.001
        assert least == pytest.approx(model.false_alarm_rate(row, 1.0), abs=5e-5)
        assert note.endswith("so nothing is flagged within it")
