"""Inject labelled events into any base load, real or simulated (for benchmarks on real series)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from detector.features.calendar import CalendarSpec, calendar_features
from detector.simulate.events import GENERATORS, SCENARIOS, Context, Event


@dataclass(frozen=True, slots=True, eq=False)
class Injected:
    """A base load with one event applied, and the event's truth."""

    load: np.ndarray
    temperature: np.ndarray | None
    event: Event


def apply_event(base: np.ndarray, event: Event, *, zero_outages: bool = True) -> np.ndarray:
    """Base load with ``event`` applied (scale, frozen reading, additive component, outages)."""
    load = base * event.scale if event.scale is not None else base.copy()
    if event.frozen is not None:
        first = int(np.argmax(event.frozen))
        load[event.frozen] = round(float(load[max(first - 1, 0)]), 3)  # exact repeats of the last reading
    load = load + event.component
    if event.scale is not None or event.frozen is not None or event.temp_delta is not None:
        stop = event.end if event.end is not None else len(load)
        event.excess = float(np.mean(load[event.start : stop] - base[event.start : stop]))
    if event.zero is not None:  # a feeder or meter goes dark; a region keeps 60 % in an outage
        load = np.where(event.zero, 0.0 if zero_outages else 0.6 * load, load)
    return np.maximum(load, 0.0)


def _heat_wave_proxy(base: np.ndarray, event: Event, rng: np.random.Generator) -> None:
    """Without a weather model, a heat wave inflates the part of the load above each day's floor."""
    assert event.temp_delta is not None
    floor = pd.Series(base).rolling(24, center=True, min_periods=1).min().to_numpy()
    gain = rng.uniform(0.02, 0.05)  # per °C of extra heat: 5-9 °C -> 10-45 % more weather-driven load
    event.component = gain * event.temp_delta * np.clip(base - floor, 0, None)


def inject(
    base: np.ndarray,
    index: pd.DatetimeIndex,
    scenario: str,
    *,
    size: float,
    rng: np.random.Generator,
    spec: CalendarSpec | None = None,
    temperature: np.ndarray | None = None,
    onset_range: tuple[float, float] = (0.3, 0.7),
    onset: int | None = None,
) -> Injected:
    """Apply ``scenario`` to a base load; ``size`` is the event power relative to the base's mean.

    ``onset`` (an hour index) fixes the start, as when every farm of a province switches on the same day;
    otherwise it is drawn from ``onset_range`` (shares of the window).
    """
    if scenario not in GENERATORS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, got {scenario!r}")
    n = len(base)
    cal = calendar_features(index, spec or CalendarSpec())
    level = float(np.nanmean(base))
    drawn = int(rng.integers(int(onset_range[0] * n), int(onset_range[1] * n)))  # either way: same stream after
    start = drawn if onset is None else int(onset)
    if not 0 <= start < n:
        raise ValueError(f"onset must be an hour index in [0, {n}), got {onset!r}")
    ctx = Context(n=n, cal=cal, level=level, size=size * level, onset=start, rng=rng)
    event = GENERATORS[scenario](ctx)
    temp = temperature
    if event.temp_delta is not None:
        _heat_wave_proxy(base, event, rng)
        temp = temperature + event.temp_delta if temperature is not None else None
    return Injected(apply_event(base, event), temp, event)
