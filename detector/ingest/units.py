"""Power and energy units: everything becomes mean power in a power unit (W, kW, MW, GW).

Energy per interval (Wh, kWh, MWh, GWh) is divided by the interval length in hours, so a
15-minute reading of 2 kWh becomes 8 kW. The unit is always explicit; nothing is guessed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# Watts per unit; energy units map to the power unit with the same prefix.
_POWER_W: dict[str, float] = {"W": 1.0, "kW": 1e3, "MW": 1e6, "GW": 1e9}
_ENERGY_TO_POWER: dict[str, str] = {"Wh": "W", "kWh": "kW", "MWh": "MW", "GWh": "GW"}
_CANONICAL: dict[str, str] = {u.lower(): u for u in (*_POWER_W, *_ENERGY_TO_POWER)}

UNITS: tuple[str, ...] = (*_POWER_W, *_ENERGY_TO_POWER)


@dataclass(frozen=True, slots=True)
class Unit:
    """A parsed unit: the name as given, the power unit results are reported in, and its kind."""

    name: str
    power_unit: str
    is_energy: bool

    def to_power(self, values: object, interval_hours: float) -> object:
        """Mean power in ``power_unit`` for readings over intervals of ``interval_hours``."""
        return values / interval_hours if self.is_energy else values  # type: ignore[operator]


def parse_unit(name: object) -> Unit:
    """Parse a unit name case-insensitively ('kw' -> kW); raise ``ValueError`` for anything else."""
    key = str(name).strip().lower()
    if key not in _CANONICAL:
        raise ValueError(f"unknown unit; use one of {', '.join(UNITS)}")
    canon = _CANONICAL[key]
    if canon in _ENERGY_TO_POWER:
        return Unit(canon, _ENERGY_TO_POWER[canon], is_energy=True)
    return Unit(canon, canon, is_energy=False)


def watts_per(unit: str) -> float:
    """Watts in one ``unit`` of power (kW -> 1000)."""
    return _POWER_W[parse_unit(unit).power_unit]


def convert_power(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a power figure between power units (used for rig equivalents)."""
    return value * watts_per(from_unit) / watts_per(to_unit)


def display_unit(magnitude: float, unit: str) -> str:
    """The power unit (W, kW, MW, GW) in which ``magnitude`` (in ``unit``) reads as 1 to 999; ``unit`` for 0."""
    watts = abs(magnitude) * watts_per(unit)
    if not math.isfinite(watts) or watts == 0:
        return parse_unit(unit).power_unit
    return next((name for name, w in reversed(_POWER_W.items()) if watts >= w), "W")


def power_text(value: float, unit: str, digits: int = 3) -> str:
    """A power figure in the unit it reads best in, ``digits`` significant.

    2980 MW -> "2.98 GW", 0.704 GW -> "704 MW", 0 MW -> "0 MW".
    """
    to = display_unit(value, unit)
    text = f"{convert_power(value, unit, to):.{digits}g}"
    names = list(_POWER_W)
    if math.isfinite(value) and abs(float(text)) >= 1000 and to != names[-1]:  # rounded up to 1000: next unit
        to = names[names.index(to) + 1]
        text = f"{convert_power(value, unit, to):.{digits}g}"
    return f"{text} {to}"
