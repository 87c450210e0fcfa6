"""The night-and-day sentence says "same" only when the two measured steps are close, and always gives both."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from detector.models.signature import FEATURES
from detector.scoring.evidence import explain

NIGHT, DAY = np.arange(0, 6), np.arange(10, 18)


def _explain(hours: np.ndarray, *, floor_ratio: float = 0.0, night_and_day: bool = False) -> tuple[str, ...]:
    """The evidence for a rise of ``hours`` (24 hourly steps, MW) on a 4 GW series."""
    features = np.zeros(len(FEATURES))
    features[FEATURES.index("floor_ratio")] = floor_ratio
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
        night_hours=NIGHT if night_and_day else None,
        day_hours=DAY if night_and_day else None,
    )


def _sentences(night_mw: float, day_mw: float) -> tuple[str, ...]:
    hours = np.full(24, day_mw)
    hours[NIGHT] = night_mw
    return _explain(hours, floor_ratio=1.0, night_and_day=True)


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


def _hours(low_mw: float, high_mw: float) -> tuple[str, ...]:
    """Sentences for a rise whose 24 hourly steps run evenly from ``low_mw`` to ``high_mw``."""
    return _explain(np.linspace(low_mw, high_mw, 24))


def test_a_narrow_spread_of_hourly_steps_is_called_flat_and_given() -> None:
    said = _hours(300.0, 360.0)
    assert "added load is flat across the day (hourly steps 306 MW to 354 MW)" in said


def test_a_wide_spread_of_hourly_steps_is_not_called_flat() -> None:
    """10th and 90th percentile 135 and 255 MW (1.9 times): every hour rose, and that is what is said."""
    said = _hours(120.0, 270.0)
    assert not any("flat across the day" in s for s in said)
    assert "added load in every hour, not flat (hourly steps 135 MW to 255 MW)" in said


def test_an_hour_without_a_rise_is_not_called_every_hour() -> None:
    """As above, but one hour's step is 0: neither flat nor in every hour, so no hourly sentence."""
    hours = np.linspace(120.0, 270.0, 24)
    hours[0] = 0.0
    assert not any("hourly steps" in s for s in _explain(hours))


def test_hours_without_a_common_rise_get_no_hourly_sentence() -> None:
    said = _hours(-20.0, 400.0)
    assert not any("hourly steps" in s for s in said)
