"""Local calendar for a UTC hourly grid: hour, weekday, weekend, public holidays, Ramadan.

Holidays and the weekend come from the ``holidays`` package for any country: Iran (``IR``)
gives the Friday weekend, Solar Hijri dates (Nowruz) and Islamic dates (estimated).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import holidays
import numpy as np
import pandas as pd

from detector.errors import ErrorCode, InputValidationError
from detector.ingest.solar_hijri import MONTHS as SOLAR_HIJRI_MONTHS

# Countries where Ramadan changes daily load shapes enough to model; a parameter elsewhere.
_RAMADAN_COUNTRIES = frozenset({"IR", "SA", "AE", "EG", "PK", "ID", "MY", "TR", "MA", "DZ", "IQ", "AF"})


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """Which calendar to use: time zone for local time, holiday country, Ramadan on/off."""

    tz: str = "Asia/Tehran"
    country: str = "IR"
    ramadan: bool | None = None  # None: on where the country observes it widely

    @property
    def uses_ramadan(self) -> bool:
        return self.country.upper() in _RAMADAN_COUNTRIES if self.ramadan is None else self.ramadan


@dataclass(frozen=True, slots=True, eq=False)
class Calendar:
    """Per-hour calendar arrays (local time), all the length of the grid."""

    hour: np.ndarray  # 0..23
    dow: np.ndarray  # 0 = Monday .. 6 = Sunday
    weekend: np.ndarray  # bool
    holiday: np.ndarray  # bool
    ramadan: np.ndarray  # bool
    day: np.ndarray  # local day number since the grid's first local day
    doy: np.ndarray  # 1..366

    @property
    def day_type(self) -> np.ndarray:
        """0 working day, 1 weekend, 2 holiday (holiday wins)."""
        return np.where(self.holiday, 2, np.where(self.weekend, 1, 0))


def check_country(country: str) -> str:
    """``country`` in capitals when the ``holidays`` package has its calendar, else an ``InputValidationError``."""
    if country.upper() not in holidays.list_supported_countries():
        raise InputValidationError(
            code=ErrorCode.BAD_COUNTRY,
            field="country",
            value=country,
            reason="unknown holiday country; use an ISO 3166 code such as 'IR' or 'US'",
        )
    return country.upper()


@lru_cache(maxsize=64)
def _holiday_dates(country: str, years: tuple[int, ...]) -> tuple[frozenset[date], frozenset[int]]:
    cal = holidays.country_holidays(country, years=years)
    return frozenset(cal.keys()), frozenset(getattr(cal, "weekend", {5, 6}))


@lru_cache(maxsize=64)
def _ramadan_dates(years: tuple[int, ...]) -> frozenset[date]:
    # holidays' Islamic lunar tables (estimated dates); private module, so failure means "no Ramadan".
    try:
        from holidays.calendars.islamic import _IslamicLunar
    except ImportError:  # pragma: no cover - depends on the holidays release
        return frozenset()
    lunar = _IslamicLunar()
    days: set[date] = set()
    for year in years:
        for begin, _ in lunar.ramadan_beginning_dates(year):
            days.update(begin + timedelta(days=i) for i in range(29))
    return frozenset(days)


def calendar_features(index_utc: pd.DatetimeIndex, spec: CalendarSpec) -> Calendar:
    """Calendar arrays for ``index_utc`` seen from ``spec.tz`` (weekend and holidays of ``spec.country``).

    Hour, day and weekday come from integer arithmetic on local wall-clock seconds, and dates are looked
    up once per distinct day: pandas' per-element field accessors cost more than the whole mining scan.
    """
    local = index_utc.tz_convert(spec.tz)
    wall = local.tz_localize(None).as_unit("s").asi8  # local wall-clock seconds since 1970-01-01
    day_num = wall // 86_400
    uniq, inv = np.unique(day_num, return_inverse=True)
    uniq_index = pd.to_datetime(uniq, unit="D")
    uniq_dates = uniq_index.date
    years = tuple(range(int(uniq_index.year.min()) - 1, int(uniq_index.year.max()) + 1)) if len(uniq) else (1970,)
    hol, weekend_days = _holiday_dates(spec.country.upper(), years)
    dow = ((day_num + 3) % 7).astype(np.int64)  # 1970-01-01 was a Thursday; Monday = 0
    is_hol = np.fromiter((d in hol for d in uniq_dates), dtype=bool, count=len(uniq))[inv]
    if spec.uses_ramadan:
        ram = _ramadan_dates(years)
        is_ram = np.fromiter((d in ram for d in uniq_dates), dtype=bool, count=len(uniq))[inv]
    else:
        is_ram = np.zeros(len(local), dtype=bool)
    day0 = uniq[0] if len(uniq) else 0
    return Calendar(
        hour=((wall // 3_600) % 24).astype(np.int64),
        dow=dow,
        weekend=np.isin(dow, list(weekend_days)),
        holiday=is_hol,
        ramadan=is_ram,
        day=(day_num - day0).astype(np.int64),
        doy=uniq_index.day_of_year.to_numpy()[inv].astype(np.int64),
    )


@lru_cache(maxsize=64)
def _grid_calendar(start_ns: int, hours: int, spec: CalendarSpec) -> Calendar:
    index = pd.date_range(pd.Timestamp(start_ns, tz="UTC"), periods=hours, freq="h")
    cal = calendar_features(index, spec)
    for arr in (cal.hour, cal.dow, cal.weekend, cal.holiday, cal.ramadan, cal.day, cal.doy):
        arr.flags.writeable = False  # shared by every caller with the same grid: nobody may change it
    return cal


def grid_calendar(start: pd.Timestamp, hours: int, spec: CalendarSpec) -> Calendar:
    """``calendar_features`` of the hourly UTC grid of ``hours`` hours from ``start``, cached (read-only arrays).

    The calendar is a pure function of the grid and the spec, and requests for one region and year share
    both: the cache turns ~3 ms of holiday and date work per series into a lookup (64 grids, ~0.3 MB a year).
    """
    return _grid_calendar(int(pd.Timestamp(start).value), int(hours), spec)


_SOLAR_HIJRI_COUNTRIES = frozenset({"IR", "AF"})


def solar_hijri(day: date) -> tuple[int, int, int] | None:
    """(year, month, day) of ``day`` in the Solar Hijri calendar (Iran's civil calendar); None outside 1901-2100.

    Uses the Nowruz dates of ``holidays``' Persian calendar (a private module, like the Ramadan tables):
    months 1-6 have 31 days, 7-11 have 30, Esfand 29 or 30.
    """
    try:
        from holidays.calendars.persian import _Persian
    except ImportError:  # pragma: no cover - depends on the holidays release
        return None
    persian = _Persian()
    year = day.year
    nowruz = persian.new_year_date(year)
    if nowruz is not None and day < nowruz:
        year -= 1
        nowruz = persian.new_year_date(year)
    if nowruz is None:
        return None
    offset = (day - nowruz).days
    if offset < 186:
        return year - 621, offset // 31 + 1, offset % 31 + 1
    return year - 621, (offset - 186) // 30 + 7, (offset - 186) % 30 + 1


def date_text(day: date, country: str) -> str:
    """A date as an analyst of ``country`` reads it: Solar Hijri first in Iran and Afghanistan."""
    gregorian = f"{day.day:02d} {day:%b} {day.year}"
    hijri = solar_hijri(day) if country.upper() in _SOLAR_HIJRI_COUNTRIES else None
    if hijri is None:
        return gregorian
    year, month, d = hijri
    return f"{d} {SOLAR_HIJRI_MONTHS[month - 1]} {year} ({gregorian})"
