"""Synthetic hourly temperature with a real climate's shape (annual cycle, weather spells, diurnal cycle)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detector.features.calendar import Calendar


@dataclass(frozen=True, slots=True)
class Climate:
    """Daily-mean temperature cycle and diurnal range, °C."""

    annual_mean: float
    annual_amplitude: float  # half the difference between the warmest and coldest month
    warmest_doy: int
    diurnal_range_summer: float
    diurnal_range_winter: float
    spell_sd: float = 2.5  # day-to-day weather anomalies, AR(1)


# Tehran (Mehrabad normals): January ~4 °C, July ~31 °C mean; dry, so wide diurnal ranges.
TEHRAN = Climate(17.5, 13.5, 200, 13.0, 8.0)
TEMPERATE = Climate(11.0, 11.0, 200, 10.0, 6.0)
CLIMATES: dict[str, Climate] = {"tehran": TEHRAN, "temperate": TEMPERATE}


def temperature(cal: Calendar, climate: Climate, rng: np.random.Generator) -> np.ndarray:
    """Hourly °C for the grid of ``cal``: annual sinusoid + AR(1) daily spells + diurnal cycle."""
    n_days = int(cal.day.max()) + 1
    spells = np.empty(n_days)
    shocks = rng.normal(0.0, climate.spell_sd * np.sqrt(1 - 0.75**2), n_days)
    spells[0] = rng.normal(0.0, climate.spell_sd)
    for d in range(1, n_days):  # one step per day, not per hour
        spells[d] = 0.75 * spells[d - 1] + shocks[d]
    season = np.cos(2 * np.pi * (cal.doy - climate.warmest_doy) / 365.25)
    daily = climate.annual_mean + climate.annual_amplitude * season + spells[cal.day]
    span = climate.diurnal_range_winter + (climate.diurnal_range_summer - climate.diurnal_range_winter) * (
        (season + 1) / 2
    )
    diurnal = 0.5 * span * np.cos(2 * np.pi * (cal.hour - 15) / 24)  # warmest mid-afternoon
    temp_c: np.ndarray = daily + diurnal + rng.normal(0.0, 0.4, len(cal.hour))
    return temp_c
