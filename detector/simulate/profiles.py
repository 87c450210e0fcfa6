"""Expected-load shapes for regions, feeders and meters: daily, weekly and annual cycles,
holidays and Ramadan, temperature response, AR(1) noise and summer rolling blackouts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from detector.features.calendar import Calendar


@dataclass(frozen=True, slots=True)
class Kind:
    """A level of the grid: its unit, typical mean load and how noisy one series is."""

    name: str
    unit: str
    mean_range: tuple[float, float]
    noise_sd: float  # multiplicative, log scale
    noise_phi: float  # hourly AR(1) coefficient
    blackout_zero: bool  # rolling blackouts cut the whole series (feeder, meter) or shed a share (region)


KINDS: dict[str, Kind] = {
    "region": Kind("region", "MW", (1500.0, 9000.0), 0.012, 0.9, blackout_zero=False),
    "feeder": Kind("feeder", "MW", (1.5, 9.0), 0.035, 0.8, blackout_zero=True),
    "meter": Kind("meter", "kW", (0.4, 2.5), 0.30, 0.5, blackout_zero=True),
}


@dataclass(frozen=True, slots=True)
class Params:
    """Per-series draws: level, shape and weather sensitivity."""

    level: float
    night: float  # night trough relative to the evening peak
    evening_hour: float
    morning: float
    weekend_factor: float
    holiday_factor: float
    cooling: float  # share of level per 10 °C above 22 °C
    heating: float  # share of level per 10 °C below 12 °C
    trend_per_year: float


def draw_params(kind: Kind, rng: np.random.Generator) -> Params:
    lo, hi = kind.mean_range
    meter = kind.name == "meter"
    return Params(
        level=float(np.exp(rng.uniform(np.log(lo), np.log(hi)))),
        night=float(rng.uniform(0.35, 0.55) if meter else rng.uniform(0.55, 0.75)),
        evening_hour=float(rng.uniform(19.5, 22.0)),
        morning=float(rng.uniform(0.1, 0.3)),
        weekend_factor=float(rng.uniform(0.8, 0.95)),
        holiday_factor=float(rng.uniform(0.7, 0.88)),
        cooling=float(rng.uniform(0.25, 0.6)),
        heating=float(rng.uniform(0.02, 0.12)),
        trend_per_year=float(rng.uniform(-0.01, 0.04)),
    )


def _bump(hour: np.ndarray, centre: float, width: float) -> np.ndarray:
    d = (hour - centre + 12) % 24 - 12  # circular distance in hours
    return np.exp(-0.5 * (d / width) ** 2)


def shape(cal: Calendar, p: Params) -> np.ndarray:
    """Relative load by hour of day and day type (before weather), peak near 1."""
    h = cal.hour.astype(float)
    day = p.night + (1 - p.night) * (0.55 * _bump(h, 12.5, 3.5) + 0.45 * _bump(h, p.evening_hour, 2.0))
    day += p.morning * _bump(h, 8.0, 1.5)
    off_day = np.where(cal.holiday, p.holiday_factor, np.where(cal.weekend, p.weekend_factor, 1.0))
    # Off days lose mostly daytime load; nights barely change.
    daytime = _bump(h, 13.0, 4.0)
    factor = 1 - (1 - off_day) * (0.4 + 0.6 * daytime)
    # Ramadan: quieter days, later and livelier nights.
    ramadan = np.where(cal.ramadan, 1 - 0.06 * daytime + 0.08 * _bump(h, 1.0, 2.0), 1.0)
    return day * factor * ramadan


def weather_response(temp_c: np.ndarray, p: Params) -> np.ndarray:
    """Relative extra load from cooling above 22 °C and heating below 12 °C."""
    return p.cooling * np.clip(temp_c - 22.0, 0, None) / 10 + p.heating * np.clip(12.0 - temp_c, 0, None) / 10


def noise(n: int, kind: Kind, rng: np.random.Generator) -> np.ndarray:
    """Multiplicative AR(1) noise, mean about 1."""
    e = rng.normal(0.0, kind.noise_sd * np.sqrt(1 - kind.noise_phi**2), n)
    noise: np.ndarray = np.exp(lfilter([1.0], [1.0, -kind.noise_phi], e))
    return noise


def base_load(cal: Calendar, temp_c: np.ndarray, p: Params, multiplier: np.ndarray) -> np.ndarray:
    """Load explained by calendar and weather, times a noise/scale ``multiplier``."""
    years = np.arange(len(temp_c)) / 8766.0
    trend = 1 + p.trend_per_year * years
    load: np.ndarray = p.level * (shape(cal, p) + weather_response(temp_c, p)) * trend * multiplier
    return load


def blackout_hours(cal: Calendar, temp_c: np.ndarray, rng: np.random.Generator, rate: float) -> np.ndarray:
    """Rolling blackouts: on hot days, a 2-hour afternoon cut with probability ``rate``."""
    n_days = int(cal.day.max()) + 1
    tmax = np.full(n_days, -np.inf)
    np.maximum.at(tmax, cal.day, temp_c)
    hit = (tmax > 36.0) & (rng.random(n_days) < rate)
    slot = rng.integers(12, 18, n_days)  # local start hour
    on: np.ndarray = hit[cal.day] & (cal.hour >= slot[cal.day]) & (cal.hour < slot[cal.day] + 2)
    return on
