"""The night-and-day sentence says "same" only when the two measured steps are close, and always gives both."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from detector.models.signature import FEATURES
from detector.scoring.evidence import explain

NIGHT, DAY = np.arange(0, 6), np.arange(10, 18)


def _sentences(night_mw: float, day_mw: float) -> tuple[str, ...]:
    features = np.zeros(len(FEATURES))
    features[FEATURES.index("floor_ratio")] = 1.0
    hours = np.full(24, day_mw)
    hours[NIGHT] = night_mw
    return explain(
        features,
        excess=float(hours.mean()),
        level=4000.0,
        unit="MW",
        onset=pd.Timestamp("2023-06-09", tz="UTC"),
        end=None,
        tz="UTC",
        country="US",
        hour_deltas=hours,
        night_hours=NIGHT,
        day_hours=DAY,
    )


def test_close_steps_are_called_the_same() -> None:
    assert "same step at night as by day (night step 702 MW, day step 689 MW)" in _sentences(702.0, 689.0)


@pytest.mark.parametrize(("night", "day", "ratio"), [(494.0, 355.0, "1.39"), (260.0, 355.0, "0.73")])
def test_steps_apart_are_not_called_the_same(night: float, day: float, ratio: str) -> None:
    said = _sentences(night, day)
    assert not any(s.startswith("same step") for s in said)
    steps = f"night step {night:.0f} MW, {ratio} times the day step of {day:.0f} MW"
    assert f"a step at night as well as by day ({steps})" in said


def test_no_night_step_no_sentence() -> None:
    assert not any("at night" in s for s in _sentences(100.0, 355.0))
