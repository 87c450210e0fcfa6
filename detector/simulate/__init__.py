"""Labelled synthetic load: regions (MW, GW-scale), feeders (MW) and meters (kW).

``make_fleet`` returns long-form loads (with temperature) and a truth table with one row per
series: scenario, label (1 mining, 0 not), start, end and excess power in the series' unit.
Deterministic by ``seed``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from detector.features.calendar import CalendarSpec, calendar_features
from detector.simulate import profiles
from detector.simulate.events import GENERATORS, LOOKALIKES, MINING, RIG_KW, SCENARIOS, Context, Event
from detector.simulate.inject import Injected, apply_event, inject
from detector.simulate.weather import CLIMATES, Climate, temperature

__all__ = [
    "LOOKALIKES",
    "MINING",
    "RIG_KW",
    "SCENARIOS",
    "Fleet",
    "Injected",
    "SimulatedSeries",
    "inject",
    "iter_fleet",
    "make_fleet",
    "make_series",
]

# Event power relative to the series' mean load, by kind (log-uniform draws).
DEFAULT_SIZE: dict[str, tuple[float, float]] = {"region": (0.02, 0.12), "feeder": (0.05, 0.5), "meter": (1.0, 8.0)}


@dataclass(frozen=True, slots=True, eq=False)
class SimulatedSeries:
    """One simulated series with its parts, so tests can check the truth against the injection."""

    series_id: str
    kind: str
    index: pd.DatetimeIndex
    load: np.ndarray
    base: np.ndarray  # clean load, no event
    temperature: np.ndarray
    event: Event
    unit: str
    mean_load: float


@dataclass(frozen=True, slots=True, eq=False)
class Fleet:
    """Long-form loads (series_id, timestamp, load, temperature) and the truth table."""

    loads: pd.DataFrame
    truth: pd.DataFrame
    unit: str
    tz: str


def make_series(
    series_id: str,
    *,
    kind: str = "feeder",
    scenario: str = "clean",
    start: str = "2023-03-21",
    days: int = 365,
    spec: CalendarSpec | None = None,
    climate: str | Climate = "tehran",
    size: float | None = None,
    blackout_rate: float = 0.15,
    rng: np.random.Generator | None = None,
    temperature_c: np.ndarray | None = None,
) -> SimulatedSeries:
    """Simulate one series of ``kind`` with one ``scenario``; ``size`` is the event power relative to mean load.

    ``temperature_c`` (hourly °C, ``days * 24`` long) replaces the simulated weather: places of one
    province share it, as the peers of a claim check do.
    """
    if kind not in profiles.KINDS:
        raise ValueError(f"kind must be one of {', '.join(profiles.KINDS)}, got {kind!r}")
    if scenario not in GENERATORS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, got {scenario!r}")
    rng = rng if rng is not None else np.random.default_rng(0)
    spec = spec or CalendarSpec()
    k = profiles.KINDS[kind]
    clim = CLIMATES[climate] if isinstance(climate, str) else climate
    local0 = pd.Timestamp(start, tz=spec.tz)
    index = pd.date_range(local0.tz_convert("UTC"), periods=days * 24, freq="h", name="timestamp")
    cal = calendar_features(index, spec)
    n = len(index)
    temp = temperature(cal, clim, rng)
    if temperature_c is not None:
        if len(temperature_c) != n:
            raise ValueError(f"temperature_c needs {n} hourly values, got {len(temperature_c)}")
        temp = np.asarray(temperature_c, dtype=np.float64)
    p = profiles.draw_params(k, rng)
    mult = profiles.noise(n, k, rng)
    base = profiles.base_load(cal, temp, p, mult)
    mean_load = float(base.mean())
    lo, hi = DEFAULT_SIZE[kind]
    rel = size if size is not None else float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    onset = int(rng.integers(int(0.3 * n), int(0.7 * n)))
    if scenario == "holidays":
        later = np.flatnonzero(cal.holiday & (np.arange(n) >= int(0.2 * n)))
        onset = int(later[0] - cal.hour[later[0]]) if later.size else onset
    power = rel * mean_load
    if kind == "meter" and size is None and scenario in MINING:
        power = RIG_KW * int(rng.integers(1, 7))  # a home holds whole rigs
    ctx = Context(n=n, cal=cal, level=mean_load, size=power, onset=onset, rng=rng)
    event = GENERATORS[scenario](ctx)
    if event.temp_delta is not None:  # a heat wave acts through the weather model
        temp = temp + event.temp_delta
        event.component = event.component + profiles.base_load(cal, temp, p, mult) - base
    load = apply_event(base, event, zero_outages=k.blackout_zero)
    off = profiles.blackout_hours(cal, temp, rng, blackout_rate)
    # A feeder or meter goes dark; a region sheds 8 % of its load in a rolling blackout.
    load = np.where(off, 0.0 if k.blackout_zero else 0.92 * load, load)
    return SimulatedSeries(series_id, kind, index, np.maximum(load, 0.0), base, temp, event, k.unit, mean_load)


def make_fleet(
    *,
    kind: str = "feeder",
    n_series: int = 40,
    days: int = 365,
    mining_share: float = 0.3,
    scenarios: tuple[str, ...] | None = None,
    start: str = "2023-03-21",
    spec: CalendarSpec | None = None,
    climate: str | Climate = "tehran",
    size_range: tuple[float, float] | None = None,
    seed: int = 0,
) -> Fleet:
    """Simulate ``n_series`` of one kind: ``mining_share`` mining (kinds cycled), the rest look-alikes."""
    parts = iter_fleet(
        kind=kind,
        n_series=n_series,
        days=days,
        mining_share=mining_share,
        scenarios=scenarios,
        start=start,
        spec=spec,
        climate=climate,
        size_range=size_range,
        seed=seed,
        part_size=max(n_series, 1),
    )
    return next(parts)


def iter_fleet(
    *,
    kind: str = "feeder",
    n_series: int = 40,
    days: int = 365,
    mining_share: float = 0.3,
    scenarios: tuple[str, ...] | None = None,
    start: str = "2023-03-21",
    spec: CalendarSpec | None = None,
    climate: str | Climate = "tehran",
    size_range: tuple[float, float] | None = None,
    seed: int = 0,
    part_size: int = 5_000,
) -> Iterator[Fleet]:
    """``make_fleet`` in parts of ``part_size`` whole series, so a fleet of any size fits in memory.

    The parts put together are exactly ``make_fleet``'s fleet (same ids, loads and truth): each series
    draws from its own seeded generator. Ids are zero-padded to the fleet's size, so they sort in order.
    """
    if part_size < 1:
        raise ValueError(f"part_size must be >= 1, got {part_size!r}")
    rng = np.random.default_rng(seed)
    spec = spec or CalendarSpec()
    n_mining = round(n_series * mining_share)
    if scenarios is None:
        picks = [MINING[i % len(MINING)] for i in range(n_mining)]
        picks += [LOOKALIKES[i % len(LOOKALIKES)] for i in range(n_series - n_mining)]
    else:
        picks = [scenarios[i % len(scenarios)] for i in range(n_series)]
    sizes: list[float | None] = [None] * n_series
    if size_range is not None:  # one draw per series, in order, as before parts existed
        lo, hi = np.log(size_range[0]), np.log(size_range[1])
        sizes = [float(np.exp(rng.uniform(lo, hi))) for _ in range(n_series)]
    width = max(4, len(str(n_series - 1)))
    for first in range(0, n_series, part_size):
        frames, truth = [], []
        for i in range(first, min(first + part_size, n_series)):
            s = make_series(
                f"{kind}-{i:0{width}d}",
                kind=kind,
                scenario=picks[i],
                start=start,
                days=days,
                spec=spec,
                climate=climate,
                size=sizes[i],
                rng=np.random.default_rng([seed, i]),
            )
            frames.append(
                pd.DataFrame(
                    {
                        "series_id": s.series_id,
                        "timestamp": s.index,
                        "load": s.load,
                        "temperature": np.round(s.temperature, 2),
                    }
                )
            )
            truth.append(_truth_row(s, kind, picks[i]))
        loads = pd.concat(frames, ignore_index=True)
        loads["load"] = loads["load"].round(4 if kind != "region" else 2)
        truth_df = pd.DataFrame(truth)
        for col in ("start", "end"):
            truth_df[col] = pd.to_datetime(truth_df[col], utc=True)
        yield Fleet(loads=loads, truth=truth_df, unit=profiles.KINDS[kind].unit, tz=spec.tz)


def _truth_row(s: SimulatedSeries, kind: str, scenario: str) -> dict[str, object]:
    """One series' truth: scenario, label, event span, excess power and rig equivalents."""
    ev = s.event
    return {
        "series_id": s.series_id,
        "kind": kind,
        "scenario": scenario,
        "label": ev.label,
        "start": s.index[ev.start] if ev.start is not None else pd.NaT,
        "end": s.index[ev.end - 1] + pd.Timedelta(hours=1) if ev.end is not None else pd.NaT,
        "excess": ev.excess,
        "relative_size": ev.excess / s.mean_load if s.mean_load else 0.0,
        "unit": s.unit,
        "mean_load": s.mean_load,
        "rigs": ev.excess * (1000.0 if s.unit == "MW" else 1.0) / RIG_KW if ev.label else 0.0,
    }
