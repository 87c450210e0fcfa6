"""Solar Hijri texts for tests, written from first principles rather than by the converter under test.

Nowruz (1 Farvardin) of each year is taken from the official calendar of the Iranian Calendar Center
(University of Tehran's Institute of Geophysics); the months after it have 31 days (1-6), 30 (7-11), then Esfand.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

NOWRUZ = {
    1399: date(2020, 3, 20),
    1400: date(2021, 3, 21),
    1401: date(2022, 3, 21),
    1402: date(2023, 3, 21),
    1403: date(2024, 3, 20),
    1404: date(2025, 3, 21),
    1405: date(2026, 3, 21),
    1406: date(2027, 3, 21),
}
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def solar_hijri_day(day: date) -> tuple[int, int, int]:
    """(year, month, day) of a Gregorian date between Nowruz 1399 and Nowruz 1406."""
    year = max(y for y, first in NOWRUZ.items() if first <= day)
    offset = (day - NOWRUZ[year]).days
    if offset < 186:
        return year, offset // 31 + 1, offset % 31 + 1
    return year, (offset - 186) // 30 + 7, (offset - 186) % 30 + 1


def solar_hijri_texts(utc: pd.Series, tz: str, persian: bool = False) -> list[str]:
    """Each UTC instant as a local ``YYYY/MM/DD HH:MM`` Solar Hijri text (Persian digits if ``persian``)."""
    out = []
    for ts in pd.DatetimeIndex(utc).tz_convert(tz):
        y, m, d = solar_hijri_day(ts.date())
        text = f"{y:04d}/{m:02d}/{d:02d} {ts.hour:02d}:{ts.minute:02d}"
        out.append(text.translate(PERSIAN_DIGITS) if persian else text)
    return out
