"""The build-up before a rise: measured on the residual, and told only where it holds, with its numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import detector
from detector.models.changepoint import Box
from detector.models.signature import FEATURES, build_up
from detector.scoring.evidence import BUILD_UP_TOLD, explain
from tests.conftest import benchmark_module

growth_cases = benchmark_module("growth_cases")

SAID = "load had already risen by"


def _box(start: int, delta: float = 0.10, sigma: float = 0.02, rho: float = 0.0) -> Box:
    return Box(start=start, end=365, delta=delta, t=10.0, sigma=sigma, rho=rho)


def test_a_ramp_into_the_box_is_measured_as_its_share_of_the_rise() -> None:
    """Residual 0 until day 100, rising linearly to the box's 0.10 at day 200: over days 158-196 it averages 0.077,
    over the eight weeks before those (102-157) 0.029, so the lead rose by 0.048, 48 % of the box."""
    resid = np.clip((np.arange(365) - 100) / 100, 0, 1) * 0.10
    got = build_up(resid, _box(200))
    assert got is not None
    rise, share, t = got
    lead, prior = np.arange(158, 197), np.arange(102, 158)
    expected = (np.clip((lead - 100) / 100, 0, 1).mean() - np.clip((prior - 100) / 100, 0, 1).mean()) * 0.10
    assert rise == pytest.approx(expected)
    assert share == pytest.approx(expected / 0.10)
    assert t == pytest.approx(expected / (0.02 * np.sqrt(1 / 39 + 1 / 56)))


def test_persistence_widens_the_t() -> None:
    resid = np.r_[np.zeros(142), np.full(58, 0.03), np.zeros(165)]
    plain, persistent = build_up(resid, _box(200)), build_up(resid, _box(200, rho=0.5))
    assert plain is not None
    assert persistent is not None
    assert persistent[2] == pytest.approx(plain[2] / np.sqrt(3))


def test_a_box_without_three_weeks_before_each_window_is_not_measured() -> None:
    assert build_up(np.zeros(365), _box(60)) is None  # 18 days before the lead window
    gappy = np.zeros(365)
    gappy[160:190] = np.nan  # 9 days left of the lead window
    assert build_up(gappy, _box(200)) is None


def _said(build: tuple[float, float, float] | None) -> tuple[str, ...]:
    """The evidence for a rise of 400 MW on a 4 GW series with the build-up ``build`` before it."""
    onset = pd.Timestamp("2023-06-09", tz="UTC")
    return explain(
        np.zeros(len(FEATURES)),
        excess=400.0,
        level=4000.0,
        unit="MW",
        onset=onset,
        end=None,
        tz="UTC",
        country="US",
        build_up=build,
    )


def test_the_build_up_is_told_with_its_numbers_from_a_fifth_at_t_3() -> None:
    share, t = BUILD_UP_TOLD
    said = [s for s in _said((0.025, 0.25, 4.2)) if s.startswith(SAID)]
    assert said == [
        "load had already risen by 100 MW in the six weeks before, 25% of the rise found (t = 4.2): growth, and rigs "
        "brought in by batches, build up like this; a farm switched on at once does not"
    ]
    assert any(s.startswith(SAID) for s in _said((0.02, share, t)))
    for weak in ((0.019, share - 0.01, 9.0), (0.03, 0.3, t - 0.01), None):
        assert not any(s.startswith(SAID) for s in _said(weak))


def _province(kind: str, weeks: int = 16) -> detector.ScoreReport:
    """PJM's seven zones in 2017 (sample data) with DUQ's load grown 15 % over ``weeks`` from 1 May, or a flat
    block of 15 % of its mean switched on then; DUQ's answer, scored with the others as peers (the cases of
    ``benchmarks/growth_cases.py``)."""
    return growth_cases.report(growth_cases.sample_2017(), "PJM-DUQ", kind, weeks, "2017-05-01")


def test_growth_over_four_months_is_told_as_a_build_up_and_a_step_is_not() -> None:
    """A real zone grown 15 % over 16 weeks is flagged with peers (growth is the look-alike that binds the
    operating point), and its answer says how far the load had risen before the rise it reports; the same zone
    with a farm of that size switched on at once is not told so."""
    grown = _province("growth")
    said = [s for s in grown.evidence if s.startswith(SAID)]
    assert len(said) == 1, grown.evidence
    assert "MW in the six weeks before" in said[0]
    block = _province("step")
    assert block.flagged
    assert not any(s.startswith(SAID) for s in block.evidence), block.evidence


@pytest.mark.xfail(
    strict=True,
    reason="known weakness (issue 14): growth of 15 % over 8-16 weeks on real PJM zones with peers is read as a "
    "staircase and flagged in 10 of 18 cases (benchmarks/growth_cases.py, BENCHMARKS.md stop 61); here DUQ grown "
    "over 12 weeks from 1 May scores 0.961 with model 132dc45e. Neither scale_share nor build_up as features beat "
    "what the trees have (proportionality, ramp_lr) on the training screen",
)
def test_growth_over_three_months_is_not_flagged() -> None:
    assert not _province("growth", weeks=12).flagged


def test_the_share_told_is_of_the_rise_the_answer_reports() -> None:
    """The test reads the box's daily size (here 0.05 of the level: 200 MW); the answer reports 400 MW, and the
    sentence's share is of that: 100 MW before is 25 %, as its first line would lead a reader to compute."""
    said = [s for s in _said((0.025, 0.5, 4.2)) if s.startswith(SAID)]
    assert said[0].startswith("load had already risen by 100 MW in the six weeks before, 25% of the rise found")


def test_a_build_up_larger_than_the_rise_is_told_as_times_the_rise() -> None:
    """A held-out clean window alone read "already risen by 111 MW ..., 212% of the rise found" beside a reported rise
    of 52.6 MW: over the rise found, the sentence gives the multiple."""
    said = [s for s in _said((0.2125, 2.0, 3.3)) if s.startswith(SAID)]
    assert said[0].startswith("load had already risen by 850 MW in the six weeks before, 2.1 times the rise found (t")
