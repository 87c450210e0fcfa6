"""Solar Hijri texts for tests, written from first principles rather than by the converter under test.

Nowruz (1 Farvardin) of each year is taken from the official calendar of the Iranian Calendar Center
(University of Tehran's Institute of Geophysics); the months after it have 31 days (1-6), 30 (7-11), then Esfand.
"""

from __future__ import annotations

from datetime import date

import numpy as np
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
EVENING = (19, 20, 21, 22)  # the curtailment hours of ``mehr_site``


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


def mehr_site(tz: str = "Asia/Tehran") -> pd.DataFrame:
    """A dedicated 10 MW farm (3,077 S19s) that switches off 19:00-23:00 (``EVENING``) exactly on the days of
    Mehr 1402 (23 September to 22 October 2023), May to December 2023; ISO timestamps with offsets, MW."""
    idx = pd.date_range(
        pd.Timestamp("2023-05-01", tz=tz), pd.Timestamp("2024-01-01", tz=tz), freq="h", inclusive="left"
    )
    load = 10.0 + np.random.default_rng(0).normal(0, 0.1, len(idx))
    mehr = np.array([solar_hijri_day(t.date())[1] == 7 for t in idx])
    load[mehr & np.isin(idx.hour, EVENING)] = 0.2
    return pd.DataFrame({"series_id": "site", "timestamp": idx.map(lambda t: t.isoformat()), "load": load})
