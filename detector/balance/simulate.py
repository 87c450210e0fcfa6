"""Labelled feeders with their billed meters and mapping, for tests, sample data and benchmarks.

Each feeder (an LV transformer, kW) supplies ``n_meters`` households drawn with the package
simulator's shapes (``detector.simulate.profiles``: daily, weekly and annual cycles, Iranian
calendar, cooling and heating, AR(1) noise) under one shared weather series. The feeder meter reads
the true total: households + I²R-like technical losses (resistance rising with temperature) +
street lights at night (unbilled all year) + any unmetered load, with 0.2 % metering noise (settable);
rolling blackouts cut the feeder and all its meters together.

Scenarios: ``clean``; ``tap`` (a rig block tapped before the meters: label 1); ``bypass`` (the largest
household's meter records 15 % of its use from the onset: label 1, shaped, not flat); ``remap`` (a
meter moves to another feeder mid-year, mapping updated: label 0); ``missing`` (meters with long and
short read gaps: label 0); ``join`` (a new household joins mid-year, its meter with it: label 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from detector.features.calendar import Calendar, CalendarSpec, calendar_features
from detector.simulate import profiles
from detector.simulate.events import RIG_KW
from detector.simulate.weather import TEHRAN, temperature

SCENARIOS: tuple[str, ...] = ("clean", "tap", "bypass", "remap", "missing", "join")


@dataclass(frozen=True, slots=True, eq=False)
class BalanceSet:
    """Feeder and meter loads (long form, UTC, kW), the mapping and one truth row per feeder."""

    feeders: pd.DataFrame
    meters: pd.DataFrame
    mapping: pd.DataFrame
    truth: pd.DataFrame
    tz: str


@dataclass(slots=True)
class _Feeder:
    feeder_id: str
    meters: dict[str, np.ndarray]  # billed load, NaN where unread
    consumption: np.ndarray  # true household consumption behind this feeder
    extra: np.ndarray  # unmetered load (tap), street lights
    truth: dict[str, object]


def make_balance_set(
    scenarios: tuple[str, ...] = ("tap", "bypass", "remap", "missing", "join", "clean"),
    *,
    n_meters: int | tuple[int, int] = (24, 40),
    days: int = 365,
    start: str = "2023-03-21",
    tz: str = "Asia/Tehran",
    rigs: int | tuple[int, int] = (2, 6),
    feeder_noise: float = 0.002,
    meter_noise: float = 0.0,
    onset_range: tuple[float, float] = (0.3, 0.7),
    tap_end: float | None = None,
    late_share: float = 0.0,
    seed: int = 0,
) -> BalanceSet:
    """One feeder per scenario (ids ``feeder-01``...); a ``remap`` meter moves to the next feeder.

    ``feeder_noise`` and ``meter_noise`` are the relative standard deviations of independent hourly
    metering errors on the feeder and on each billing meter (0.2 % and none by default). Taps,
    bypasses and joins start at a share of the period drawn uniformly from ``onset_range``; taps stop
    at the share ``tap_end`` if given (still on at the end otherwise). A share ``late_share`` of the
    billing meters have clocks an hour behind (each read is the previous hour's).
    """
    rng = np.random.default_rng(seed)
    spec = CalendarSpec(tz=tz, country="IR")
    index = pd.date_range(pd.Timestamp(start, tz=tz).tz_convert("UTC"), periods=days * 24, freq="h", name="timestamp")
    cal = calendar_features(index, spec)
    temp = temperature(cal, TEHRAN, rng)
    n = len(index)
    night = (cal.hour >= 19) | (cal.hour < 5)
    feeders: list[_Feeder] = []
    mapping: list[dict[str, object]] = []
    for f, scenario in enumerate(scenarios):
        fid = f"feeder-{f + 1:02d}"
        k = n_meters if isinstance(n_meters, int) else int(rng.integers(n_meters[0], n_meters[1] + 1))
        loads = {f"{fid}-m{j + 1:02d}": _household(cal, temp, rng) for j in range(k)}
        true = sum(loads.values(), np.zeros(n))
        extra = np.where(night, rng.uniform(0.5, 1.5), 0.0)  # street lights, unbilled all year
        onset = int(rng.integers(int(onset_range[0] * n), int(onset_range[1] * n)))
        truth: dict[str, object] = {"feeder_id": fid, "scenario": scenario, "label": 0, "start": pd.NaT, "end": pd.NaT}
        truth |= {"excess_kw": 0.0, "rigs": 0.0, "meter_id": ""}
        billed = dict(loads)
        for mid in loads:
            mapping.append({"meter_id": mid, "feeder_id": fid, "valid_from": "", "valid_to": ""})
        if scenario == "tap":
            r = rigs if isinstance(rigs, int) else int(rng.integers(rigs[0], rigs[1] + 1))
            block = np.zeros(n)
            block[onset:] = r * RIG_KW * (1 + rng.normal(0, 0.01, n - onset))
            if tap_end is not None:  # the rigs go (a raid, a move) at this share of the period
                stop = max(int(tap_end * n), onset + 1)
                block[stop:] = 0.0
                truth["end"] = index[stop] if stop < n else pd.NaT
            extra = extra + block
            truth |= {"label": 1, "start": index[onset], "excess_kw": r * RIG_KW, "rigs": float(r)}
        elif scenario == "bypass":
            mid = max(loads, key=lambda m: float(loads[m].mean()))
            billed[mid] = np.where(np.arange(n) >= onset, 0.15 * loads[mid], loads[mid])
            lost = float((loads[mid] - billed[mid])[onset:].mean())
            truth |= {"label": 1, "start": index[onset], "excess_kw": lost, "rigs": lost / RIG_KW, "meter_id": mid}
        elif scenario == "missing":
            for mid in list(billed)[:4]:
                b = billed[mid].copy()
                g0 = int(rng.integers(0, n - 20 * 24))
                b[g0 : g0 + int(rng.integers(5, 20)) * 24] = np.nan  # a long outage of the reader
                for _ in range(8):  # short gaps, interpolated by ingest
                    s = int(rng.integers(0, n - 3))
                    b[s : s + int(rng.integers(1, 4))] = np.nan
                billed[mid] = b
            truth["meter_id"] = ",".join(list(billed)[:4])
        elif scenario == "join":
            mid = f"{fid}-m{k + 1:02d}"
            new = _household(cal, temp, rng)
            new[:onset] = 0.0
            true = true + new
            billed[mid] = np.where(np.arange(n) >= onset, new, np.nan)
            when = index[onset].isoformat()
            mapping.append({"meter_id": mid, "feeder_id": fid, "valid_from": when, "valid_to": ""})
            truth |= {"start": index[onset], "meter_id": mid}
        feeders.append(_Feeder(fid, billed, true, extra, truth))
    for f, feeder in enumerate(feeders):
        if feeder.truth["scenario"] != "remap" or len(feeders) < 2:
            continue
        onset = int(rng.integers(int(0.3 * n), int(0.7 * n)))
        to = feeders[(f + 1) % len(feeders)]
        mid = next(iter(feeder.meters))
        moved = np.where(np.arange(n) >= onset, feeder.meters[mid], 0.0)
        feeder.consumption = feeder.consumption - moved
        to.consumption = to.consumption + moved
        when = index[onset].isoformat()
        row = next(r for r in mapping if r["meter_id"] == mid)
        row["valid_to"] = when
        mapping.append({"meter_id": mid, "feeder_id": to.feeder_id, "valid_from": when, "valid_to": ""})
        feeder.truth |= {"start": index[onset], "meter_id": f"{mid} -> {to.feeder_id}"}
    dark = profiles.blackout_hours(cal, temp, rng, 0.15)
    feeder_rows, meter_rows, truth_rows = [], [], []
    for feeder in feeders:
        through = feeder.consumption + feeder.extra
        level = float(through.mean())
        # Technical losses: no-load (iron) + I²R, resistance +0.4 %/°C above 20 °C.
        loss = 0.01 * level + (0.05 / level) * through**2 * (1 + 0.004 * (temp - 20.0))
        feed = (through + loss) * (1 + rng.normal(0, feeder_noise, n))
        feed = np.where(dark, 0.0, feed)
        feeder_rows.append(pd.DataFrame({"series_id": feeder.feeder_id, "timestamp": index, "load": feed}))
        for mid, b in feeder.meters.items():
            b = np.where(dark, 0.0, b)
            if meter_noise > 0:
                b = b * (1 + rng.normal(0, meter_noise, n))
            if late_share > 0 and rng.random() < late_share:  # the meter's clock is an hour behind
                b = np.concatenate([b[:1], b[:-1]])
            keep = np.isfinite(b)
            meter_rows.append(pd.DataFrame({"series_id": mid, "timestamp": index[keep], "load": b[keep]}))
        truth_rows.append({**feeder.truth, "n_meters": len(feeder.meters), "mean_load_kw": level})
    loads = pd.concat(feeder_rows, ignore_index=True).assign(unit="kW")
    meters = pd.concat(meter_rows, ignore_index=True).assign(unit="kW")
    loads["load"], meters["load"] = loads["load"].round(3), meters["load"].round(3)
    return BalanceSet(loads, meters, pd.DataFrame(mapping), pd.DataFrame(truth_rows), tz)


def _household(cal: Calendar, temp: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One household's hourly kW: the package simulator's meter shape under the shared weather."""
    kind = profiles.KINDS["meter"]
    return profiles.base_load(cal, temp, profiles.draw_params(kind, rng), profiles.noise(len(temp), kind, rng))
