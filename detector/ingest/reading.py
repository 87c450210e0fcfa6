"""Reading arguments checked once (``Reading``), so a file read in many blocks is not checked again per block."""

from __future__ import annotations

from dataclasses import dataclass

from detector.errors import ErrorCode, InputValidationError
from detector.ingest.series import MIN_DAYS
from detector.ingest.solar_hijri import check_calendar
from detector.ingest.table import check_zone
from detector.ingest.units import Unit, parse_unit


def unit_arg_of(unit: str | None) -> Unit | None:
    """The parsed ``unit`` argument (None: none given); an unknown unit is an ``InputValidationError`` on ``unit``."""
    if unit is None:
        return None
    try:
        return parse_unit(unit)
    except ValueError as exc:
        raise InputValidationError(code=ErrorCode.BAD_UNIT, field="unit", value=unit, reason=str(exc)) from exc


@dataclass(frozen=True, slots=True)
class Reading:
    """Reading arguments checked once: the unit (None: a ``unit`` column), the zone, the calendar, the days needed.

    ``Reading.check`` raises on a bad argument; the ``*_checked`` readers of ``detector.ingest.reader`` trust
    what it returns.
    """

    unit: Unit | None = None
    tz: str | None = None
    calendar: str = "gregorian"
    min_days: float = MIN_DAYS

    @classmethod
    def check(
        cls, unit: str | None = None, tz: str | None = None, calendar: str = "gregorian", min_days: float = MIN_DAYS
    ) -> Reading:
        """The arguments checked in the order the readers always have: ``unit``, then ``tz``, then ``calendar``."""
        unit_arg = unit_arg_of(unit)
        zone = check_zone(tz)
        return cls(unit_arg, zone, check_calendar(calendar, zone), min_days)
