"""The stuck-meter feature counts frozen readings, not the repeats of a meter that reports whole units.

A load metered in whole MW or kW (PJM's zones, GEFCom's) equals the hour before now and then; a frozen meter
holds one value for hours or weeks. Until stop 43 ``repeat_share`` was the share of readings equal to the one
before, so a block added in fractions to such a load (no repeat at all) read as mining (BENCHMARKS.md, stop 42).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import detector
from detector import simulate
from detector.models.signature import STUCK_RUN, stuck_share


@pytest.mark.parametrize(
    ("values", "share"),
    [
        ([1, 2, 2, 3, 4], 0.0),  # a pair: rounding, not a frozen meter
        ([1, 2, 2, 2, 3], 0.0),  # three equal readings: still under the run of 4
        ([5, 5, 5, 5, 1], 4 / 5),
        ([1, 7, 7, 7, 7], 4 / 5),  # a run that reaches the end of the box
        ([3, 3, 3, 3, 3, 3, 1, 2, 2, 2, 2, 9], 10 / 12),  # two runs, each counted whole
        ([4, 4, 4], 0.0),  # shorter than a run
    ],
)
def test_only_runs_of_four_or_more_equal_readings_count(values: list[float], share: float) -> None:
    assert STUCK_RUN == 4
    assert stuck_share(np.array(values, dtype=float)) == pytest.approx(share)


def test_a_whole_unit_load_that_repeats_now_and_then_is_not_stuck() -> None:
    rng = np.random.default_rng(3)
    hours = np.arange(24 * 365)
    load = np.round(1500 + 200 * np.sin(2 * np.pi * hours / 24) + rng.normal(0, 4, hours.size))
    assert np.mean(np.diff(load) == 0) > 0.001  # the repeats the old feature read
    assert stuck_share(load) < 0.001


def test_a_frozen_meter_is_counted_and_told_in_the_evidence() -> None:
    # A meter frozen for 12 days inside the box the search finds (simulate's stuck_meter, seed 0).
    s = simulate.make_series("m", kind="meter", scenario="stuck_meter", days=365, rng=np.random.default_rng(0))
    frozen = s.load[s.event.start : s.event.end]
    assert stuck_share(frozen) == 1.0
    frame = pd.DataFrame({"series_id": "m", "timestamp": s.index, "load": s.load, "temperature": s.temperature})
    report = detector.score(frame, unit="kW", tz="Asia/Tehran")[0]
    assert not report.flagged
    told = [e for e in report.evidence if e.endswith("sit in runs of 4 or more identical values (stuck meter?)")]
    assert told, report.evidence
