"""Events injected into real loads for the headline benchmark, written apart from ``detector.simulate``.

Nothing here imports the detector: the events are built from the issue's description of what mining and
its look-alikes do to a load, so the engine is not graded on its own simulator's assumptions.

Mining (label 1), power ``P = size x mean load`` while the whole fleet runs:
- ``step``: switched on at a random hour, on to the end of the window;
- ``staircase``: 3-5 batches of rigs arriving 1-3 weeks apart, adding up to ``P``;
- ``seasonal``: on from mid-May to October (cheap hydro or cool-season farms switched the other way round);
- ``curtailed``: a step that sheds the whole fleet from 17:00 to 22:00 local on the hottest days;
- ``raided``: on for 4-13 weeks, then off for good.
Every farm has rig-level noise (each hour +-2 % of ``P``, a slow drift of +-3 %) and outages (about one a
month, 2-24 h, 30-100 % of the fleet down).

Look-alikes (label 0), sized so that their mean added load over the window they touch is ``size x mean``:
``new_factory`` (working days 07:00-19:00), ``growth`` (the whole profile scales up over 2-6 months),
``ev_charging`` (22:00-06:00, adoption growing over three months), ``heat_wave`` (1-3 summer weeks, afternoon
heavy, temperature raised where there is one), ``stuck_meter`` (1-4 weeks of one repeated reading),
``spikes`` (isolated hours x1.3-2.5), ``outages`` (rolling blackouts of 2-6 h), and ``clean``.

``whole_units``: a base in whole units (PJM's MW, GEFCom's kW) gets its injected load rounded to whole units, as
a meter reports a farm's load with the rest. Added in fractions, a block leaves no two equal readings where the
base repeats one now and then (PJM zones: 0.04-0.75 % of hours), a trace real mining cannot leave, and the trees
split on it (stop 42: the January headline with it, province AP 0.860 -> 0.856). On by default since stop 43,
when the engine stopped reading it (``repeat_share`` counts runs of 4 or more equal readings); ``whole_units=False``
gives the fractional blocks of stops 1-42.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MINING = ("step", "staircase", "seasonal", "curtailed", "raided")
LOOKALIKES = ("new_factory", "growth", "ev_charging", "heat_wave", "stuck_meter", "spikes", "outages")
REGION_SIZES = (0.02, 0.03, 0.05, 0.10, 0.20)
SMALL_ZONE_SIZES = (0.03, 0.05, 0.10, 0.20, 0.50)


@dataclass(frozen=True, slots=True)
class Injected:
    load: np.ndarray
    temperature: np.ndarray | None
    scenario: str
    label: int
    size: float  # the grid value: nominal added power over mean load
    start: pd.Timestamp | None  # UTC, first hour of the event
    end: pd.Timestamp | None  # UTC, first hour after it (None: on to the end of the window)
    excess: float  # the fleet's full power P (mining), in the load's unit; 0 for look-alikes


def _local(index: pd.DatetimeIndex, tz: str) -> pd.DatetimeIndex:
    return index.tz_convert(tz)


def _farm_power(n: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Hourly power of a farm running flat out: rig noise, slow drift and outages."""
    drift = np.cumsum(rng.normal(0, 1, n))
    drift = 0.03 * drift / max(np.abs(drift).max(), 1e-9)
    power = p * (1 + drift + rng.normal(0, 0.02, n))
    t = 0
    while True:
        t += int(rng.exponential(30 * 24))
        if t >= n:
            break
        length = int(rng.integers(2, 25))
        power[t : t + length] *= 1 - rng.uniform(0.3, 1.0)
    return np.clip(power, 0, None)


def _hottest_days(local: pd.DatetimeIndex, base: np.ndarray, temp: np.ndarray | None, share: float) -> np.ndarray:
    """Boolean per hour: the day is among the hottest ``share`` of days (by temperature, else by peak load)."""
    day = local.normalize()
    driver = temp if temp is not None else base
    daily = pd.Series(driver).groupby(np.asarray(day)).max()
    hot = daily >= daily.quantile(1 - share)
    return np.asarray(pd.Series(np.asarray(day)).map(hot).fillna(False), dtype=bool)


def inject(
    base: np.ndarray,
    index: pd.DatetimeIndex,
    tz: str,
    scenario: str,
    size: float,
    rng: np.random.Generator,
    temperature: np.ndarray | None = None,
    onset: int | None = None,
    whole_units: bool = True,
) -> Injected:
    """``scenario`` of ``size`` injected into the hourly ``base`` (UTC ``index``); ``onset`` forces the start hour;
    ``whole_units``: the result rounded to whole units where the base is in whole units (module docstring)."""
    n = len(base)
    load = base.astype(float).copy()
    temp = None if temperature is None else temperature.astype(float).copy()
    mean = float(np.nanmean(base))
    p = size * mean
    local = _local(index, tz)
    hour = np.asarray(local.hour)
    working = np.asarray(local.day_of_week) < 5
    t0 = int(onset) if onset is not None else int(rng.integers(int(0.1 * n), int(0.8 * n)))
    start: int | None = t0
    end: int | None = None
    excess = 0.0
    label = 1 if scenario in MINING else 0
    if scenario == "clean":
        start = None
    elif scenario in ("step", "curtailed"):
        on = np.zeros(n)
        on[t0:] = 1
        if scenario == "curtailed":
            shed = _hottest_days(local, base, temp, 0.25) & (hour >= 17) & (hour < 22)
            on[shed] = 0
        load += on * _farm_power(n, p, rng)
        excess = p
    elif scenario == "staircase":
        k = int(rng.integers(3, 6))
        t = t0
        on = np.zeros(n)
        for _ in range(k):
            on[min(t, n) :] += 1 / k
            t += int(rng.integers(7, 22)) * 24 + int(rng.integers(0, 24))
        load += on * _farm_power(n, p, rng)
        excess = p
    elif scenario == "seasonal":
        year = local[n // 2].year
        a = pd.Timestamp(year=year, month=5, day=int(rng.integers(10, 26)), hour=int(rng.integers(0, 24)), tz=tz)
        b = pd.Timestamp(year=year, month=10, day=int(rng.integers(1, 31)), hour=int(rng.integers(0, 24)), tz=tz)
        t_a, t_b = int(np.searchsorted(local, a)), int(np.searchsorted(local, b))
        if t_b - t_a < 24 * 30:  # the window does not hold the season: a plain step instead
            t_a, t_b = t0, n
        on = np.zeros(n)
        on[t_a:t_b] = 1
        load += on * _farm_power(n, p, rng)
        start, end, excess = t_a, (t_b if t_b < n else None), p
    elif scenario == "raided":
        t1 = min(t0 + int(rng.integers(28, 92)) * 24, n)
        on = np.zeros(n)
        on[t0:t1] = 1
        load += on * _farm_power(n, p, rng)
        end, excess = (t1 if t1 < n else None), p
    elif scenario == "new_factory":
        shift = working & (hour >= 7) & (hour < 19)
        ramp = np.clip((np.arange(n) - t0) / (14 * 24), 0, 1)  # commissioning over two weeks
        q = p * n / max(int(shift[t0:].sum()), 1) * (n - t0) / n  # mean over the on-period = p
        load += ramp * shift * q * (1 + rng.normal(0, 0.05, n))
    elif scenario == "growth":
        months = int(rng.integers(2, 7))
        ramp = np.clip((np.arange(n) - t0) / (months * 30 * 24), 0, 1)
        load *= 1 + size * ramp
    elif scenario == "ev_charging":
        night = (hour >= 22) | (hour < 6)
        adoption = np.clip((np.arange(n) - t0) / (90 * 24), 0, 1)
        load += adoption * night * 3 * p * rng.uniform(0.7, 1.3, n)
    elif scenario == "heat_wave":
        year = local[n // 2].year
        day0 = pd.Timestamp(year=year, month=int(rng.integers(6, 9)), day=int(rng.integers(1, 20)), tz=tz)
        a = int(np.searchsorted(local, day0))
        b = min(a + int(rng.integers(7, 22)) * 24, n)
        shape = 1 + 0.8 * np.sin(np.pi * np.clip(hour - 8, 0, 12) / 12)  # afternoon heavy
        bump = np.zeros(n)
        bump[a:b] = 1
        load += bump * base * size * 2 * shape / shape.mean()
        if temp is not None:
            temp[a:b] += rng.uniform(5, 8)
        start, end = a, (b if b < n else None)
    elif scenario == "stuck_meter":
        b = min(t0 + int(rng.integers(7, 31)) * 24, n)
        load[t0:b] = load[t0]
        end = b if b < n else None
    elif scenario == "spikes":
        hours = rng.choice(n, size=int(rng.integers(10, 41)), replace=False)
        load[hours] *= rng.uniform(1.3, 2.5, len(hours))
        start = None
    elif scenario == "outages":
        for _ in range(int(rng.integers(3, 11))):
            a = int(rng.integers(0, n - 6))
            load[a : a + int(rng.integers(2, 7))] *= 0.05
        start = None
    else:
        raise ValueError(f"unknown scenario {scenario!r}")
    finite = np.isfinite(base)
    if whole_units and finite.any() and np.array_equal(base[finite], np.round(base[finite])):
        load = np.round(load)
    return Injected(
        load=load,
        temperature=temp,
        scenario=scenario,
        label=label,
        size=size,
        start=index[start] if start is not None else None,
        end=index[end] if end is not None else None,
        excess=excess,
    )
