"""Labelled events: mining (label 1) and its look-alikes (label 0), each with ground truth.

Every event returns an additive component on top of the clean base load (or rewrites the
load, for outages, stuck meters and spikes) and its truth: start, end, excess power.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from detector.features.calendar import Calendar

MINING = ("step", "staircase", "seasonal", "curtailed", "raided", "mining_outages")
LOOKALIKES = (
    "heat_wave",
    "new_factory",
    "growth",
    "ev_charging",
    "stuck_meter",
    "spikes",
    "outages",
    "holidays",
    "clean",
)
SCENARIOS = MINING + LOOKALIKES
RIG_KW = 3.25  # S19-class ASIC miner at the wall


@dataclass(slots=True)
class Event:
    """What an event did: additive component, rewritten hours, temperature change and truth."""

    scenario: str
    start: int | None  # hour index, inclusive
    end: int | None  # hour index, exclusive; None while ongoing
    excess: float  # rig block power for mining; mean added load over the event for look-alikes
    component: np.ndarray  # added to the clean base load
    temp_delta: np.ndarray | None = None  # heat waves act through the weather
    scale: np.ndarray | None = None  # multiplicative (growth)
    zero: np.ndarray | None = None  # hours with no supply (outages): load 0
    frozen: np.ndarray | None = None  # stuck meter: hours that repeat the last good reading

    @property
    def label(self) -> int:
        return int(self.scenario in MINING)


@dataclass(frozen=True, slots=True)
class Context:
    n: int
    cal: Calendar
    level: float
    size: float  # event power, in the series unit
    onset: int  # hour index where the event starts
    rng: np.random.Generator


def _flat_block(ctx: Context, mask: np.ndarray, power: float) -> np.ndarray:
    # Rigs draw near-constant power: +-0.3 % ripple, nothing like the base load's swings.
    ripple = 1 + ctx.rng.normal(0.0, 0.003, ctx.n)
    return np.where(mask, power * ripple, 0.0)


def _after(ctx: Context) -> np.ndarray:
    return np.arange(ctx.n) >= ctx.onset


def step(ctx: Context) -> Event:
    return Event("step", ctx.onset, None, ctx.size, _flat_block(ctx, _after(ctx), ctx.size))


def staircase(ctx: Context) -> Event:
    batches = int(ctx.rng.integers(2, 5))
    gaps = ctx.rng.integers(10 * 24, 35 * 24, batches - 1)
    starts = ctx.onset + np.concatenate(([0], np.cumsum(gaps)))
    starts = starts[starts < ctx.n]
    share = ctx.rng.dirichlet(np.ones(len(starts)) * 3)
    idx = np.arange(ctx.n)
    power = sum(ctx.size * s * (idx >= t) for s, t in zip(share, starts, strict=True))
    ripple = 1 + ctx.rng.normal(0.0, 0.003, ctx.n)
    return Event("staircase", ctx.onset, None, ctx.size, power * ripple)


def seasonal(ctx: Context) -> Event:
    # Cheap-power season: on from the onset for 3-6 months, off, and on again a year later.
    on_days = int(ctx.rng.integers(90, 180))
    idx = np.arange(ctx.n)
    phase = (idx - ctx.onset) % (365 * 24)
    mask = (idx >= ctx.onset) & (phase < on_days * 24)
    last_on = int(np.flatnonzero(mask)[-1]) + 1
    end = last_on if last_on < ctx.n else None
    return Event("seasonal", ctx.onset, end, ctx.size, _flat_block(ctx, mask, ctx.size))


def curtailed(ctx: Context) -> Event:
    # A miner that switches off in the local evening peak (18:00-22:00) to dodge detection or rules.
    peak = (ctx.cal.hour >= 18) & (ctx.cal.hour < 22)
    return Event("curtailed", ctx.onset, None, ctx.size, _flat_block(ctx, _after(ctx) & ~peak, ctx.size))


def raided(ctx: Context) -> Event:
    end = min(ctx.n, ctx.onset + int(ctx.rng.integers(30, 120)) * 24)
    mask = _after(ctx) & (np.arange(ctx.n) < end)
    return Event("raided", ctx.onset, end if end < ctx.n else None, ctx.size, _flat_block(ctx, mask, ctx.size))


def _outage_mask(ctx: Context, count: int, hours: tuple[int, int], start_from: int = 0) -> np.ndarray:
    mask = np.zeros(ctx.n, dtype=bool)
    for _ in range(count):
        length = int(ctx.rng.integers(*hours))
        t = int(ctx.rng.integers(start_from, max(start_from + 1, ctx.n - length)))
        mask[t : t + length] = True
    return mask


def mining_outages(ctx: Context) -> Event:
    ev = step(ctx)
    ev.scenario = "mining_outages"
    ev.zero = _outage_mask(ctx, int(ctx.rng.integers(3, 8)), (3, 30), start_from=ctx.onset)
    return ev


def heat_wave(ctx: Context) -> Event:
    days = int(ctx.rng.integers(5, 15))
    delta = np.zeros(ctx.n)
    t = np.arange(days * 24)
    delta[ctx.onset : ctx.onset + len(t)] = (ctx.rng.uniform(5, 9) * np.sin(np.pi * t / len(t)) ** 0.5)[
        : ctx.n - ctx.onset
    ]
    end = min(ctx.n, ctx.onset + days * 24)
    return Event("heat_wave", ctx.onset, end, 0.0, np.zeros(ctx.n), temp_delta=delta)


def new_factory(ctx: Context) -> Event:
    work = ~ctx.cal.weekend & ~ctx.cal.holiday & (ctx.cal.hour >= 7) & (ctx.cal.hour < 17)
    comp = np.where(_after(ctx) & work, ctx.size * (1 + ctx.rng.normal(0, 0.05, ctx.n)), 0.0)
    return Event("new_factory", ctx.onset, None, ctx.size, comp)


def growth(ctx: Context) -> Event:
    # New housing connected over ~2 months: the whole profile scales up.
    g = ctx.size / ctx.level
    ramp = np.clip((np.arange(ctx.n) - ctx.onset) / (60 * 24), 0, 1)
    return Event("growth", ctx.onset, None, 0.0, np.zeros(ctx.n), scale=1 + g * ramp)


def ev_charging(ctx: Context) -> Event:
    night = (ctx.cal.hour >= 23) | (ctx.cal.hour < 5)
    plugged = ctx.rng.random(int(ctx.cal.day.max()) + 2) < 0.8
    comp = np.where(_after(ctx) & night & plugged[ctx.cal.day], ctx.size, 0.0)
    return Event("ev_charging", ctx.onset, None, ctx.size, comp)


def stuck_meter(ctx: Context) -> Event:
    end = min(ctx.n, ctx.onset + int(ctx.rng.integers(7, 60)) * 24)
    frozen = np.zeros(ctx.n, dtype=bool)
    frozen[ctx.onset : end] = True
    return Event("stuck_meter", ctx.onset, end if end < ctx.n else None, 0.0, np.zeros(ctx.n), frozen=frozen)


def spikes(ctx: Context) -> Event:
    comp = np.zeros(ctx.n)
    for _ in range(int(ctx.rng.integers(5, 20))):
        t = int(ctx.rng.integers(0, ctx.n - 3))
        comp[t : t + int(ctx.rng.integers(1, 4))] = ctx.size * ctx.rng.uniform(1, 4)
    return Event("spikes", None, None, 0.0, comp)


def outages(ctx: Context) -> Event:
    return Event(
        "outages", None, None, 0.0, np.zeros(ctx.n), zero=_outage_mask(ctx, int(ctx.rng.integers(3, 9)), (4, 72))
    )


def holidays(ctx: Context) -> Event:
    # Deeper-than-usual holiday lull (e.g. the Nowruz fortnight): load drops, then steps back up.
    start = ctx.onset
    end = min(ctx.n, start + 14 * 24)
    comp = np.zeros(ctx.n)
    comp[start:end] = -ctx.rng.uniform(0.15, 0.3) * ctx.level
    return Event("holidays", start, end, 0.0, comp)


def clean(ctx: Context) -> Event:
    return Event("clean", None, None, 0.0, np.zeros(ctx.n))


GENERATORS: dict[str, Callable[[Context], Event]] = {
    "step": step,
    "staircase": staircase,
    "seasonal": seasonal,
    "curtailed": curtailed,
    "raided": raided,
    "mining_outages": mining_outages,
    "heat_wave": heat_wave,
    "new_factory": new_factory,
    "growth": growth,
    "ev_charging": ev_charging,
    "stuck_meter": stuck_meter,
    "spikes": spikes,
    "outages": outages,
    "holidays": holidays,
    "clean": clean,
}
