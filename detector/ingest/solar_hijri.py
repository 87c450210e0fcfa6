"""Solar Hijri (Iran's civil calendar) timestamps in and out: ``1402/08/17 14:00`` <-> naive local Gregorian time.

Iranian meter and SCADA exports write local Solar Hijri date-times, often with Persian digits
(``۱۴۰۲/۰۸/۱۷ ۱۴:۰۰``). They are read here into the naive local times that ISO input without offsets gives,
so the zone's DST rules are applied by the same code for both (``ingest._utc_times``).

The converter is jdatetime: the most widely used Solar Hijri library for Python, maintained, pure Python,
with ``datetime``'s API, and it raises ``ValueError`` for impossible dates. Its leap years follow the 33-year
arithmetic rule, which gives the official calendar's 1399, 1403 and 1408 (Esfand 30, 1403 = 20 March 2025);
persiantools (the other candidate) gave the same date for every day 1901-2099 when this was chosen.
"""

from __future__ import annotations

import re
from datetime import date

import jdatetime
import numpy as np
import pandas as pd

from detector.errors import ErrorCode, InputValidationError

CALENDARS: tuple[str, ...] = ("gregorian", "solar-hijri")
MONTHS: tuple[str, ...] = (
    "Farvardin",
    "Ordibehesht",
    "Khordad",
    "Tir",
    "Mordad",
    "Shahrivar",
    "Mehr",
    "Aban",
    "Azar",
    "Dey",
    "Bahman",
    "Esfand",
)
# The Solar Hijri years wholly inside ingest.table.TIME_RANGE (1900-01-01 is 1278/10/11, 2199-12-31 is 1578/10/10).
YEARS: tuple[int, int] = (1279, 1578)
EXAMPLE = "1402/08/17 14:00"
NOT_A_DATE = f"timestamp is not a Solar Hijri date-time such as {EXAMPLE}"
# Persian (U+06F0..) and Arabic-Indic (U+0660..) digits -> ASCII; exports use either.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# year/month/day (or with '-'), a space or 'T', hour:minute[:second]
_LAYOUT = re.compile(r"(\d{4})[/-](\d{1,2})[/-](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII)


def check_calendar(calendar: str, tz: str | None) -> str:
    """``calendar`` if known; Solar Hijri timestamps are local times, so they need a zone."""
    if calendar not in CALENDARS:
        raise InputValidationError(
            code=ErrorCode.BAD_CALENDAR,
            field="calendar",
            value=calendar,
            reason=f"calendar must be one of {', '.join(CALENDARS)}",
        )
    if calendar == "solar-hijri" and tz is None:
        raise InputValidationError(
            code=ErrorCode.BAD_CALENDAR,
            field="calendar",
            value=calendar,
            reason="Solar Hijri timestamps are local time: give tz (e.g. tz='Asia/Tehran')",
        )
    return calendar


def _month_days(year: int, month: int) -> int:
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


def _date_problem(year: int, month: int, day: int) -> str | None:
    """Why (year, month, day) is no Solar Hijri date, or None for a real one."""
    if not 1 <= month <= 12:
        return "Solar Hijri months are 1 to 12"
    if not YEARS[0] <= year <= YEARS[1]:
        return f"Solar Hijri years must be {YEARS[0]} to {YEARS[1]}; Gregorian timestamps need calendar gregorian"
    days = _month_days(year, month)
    if not 1 <= day <= days:
        return f"{MONTHS[month - 1]} {year} has {days} days"
    return None


def parse_timestamps(raw: pd.Series) -> tuple[pd.Series, list[tuple[str, np.ndarray]]]:
    """Naive local Gregorian times (``datetime64[us]``) of Solar Hijri texts, and the rows that are no date.

    A text not in the layout (see ``NOT_A_DATE``) is NaT and not in the problems: the caller reports it
    as any unreadable timestamp. A text in the layout naming no real date or time is NaT and listed as
    ``(reason, rows)``, e.g. ``("Esfand 1402 has 29 days", mask)``. Each distinct text is read once.
    """
    codes, texts = pd.factorize(raw)  # exports repeat each timestamp once per series: read each text once
    seconds = np.full(len(texts) + 1, np.nan)  # local seconds since 1970; the last slot is a missing value's
    why = np.full(len(texts) + 1, "", dtype=object)
    days: dict[tuple[int, int, int], int | str] = {}  # Gregorian day number, or why it is no date
    for i, text in enumerate(texts):
        found = _LAYOUT.fullmatch(str(text).strip().translate(_DIGITS))
        if found is None:
            continue  # not in the layout: the caller's unreadable-timestamp problem
        year, month, day, hh, mm, ss = (int(g) if g else 0 for g in found.groups())
        if hh > 23 or mm > 59 or ss > 59:
            why[i] = "time of day must be 00:00 to 23:59:59"
            continue
        key = (year, month, day)
        if key not in days:
            problem = _date_problem(year, month, day)
            days[key] = problem or (jdatetime.date(year, month, day).togregorian() - date(1970, 1, 1)).days
        if isinstance(days[key], str):
            why[i] = days[key]
        else:
            seconds[i] = int(days[key]) * 86_400 + hh * 3_600 + mm * 60 + ss
    at = seconds[codes]  # codes of missing values are -1: the last slot
    reasons = why[codes]
    valid = np.isfinite(at)
    micros = np.where(valid, at, 0).astype(np.int64) * 1_000_000
    naive = pd.Series(np.where(valid, micros, np.iinfo(np.int64).min).view("datetime64[us]"), index=raw.index)
    problems = [(str(r), reasons == r) for r in pd.unique(why[why != ""])]
    return naive, problems


def local_text(ts: pd.Timestamp | None, tz: str) -> str | None:
    """A UTC instant as a Solar Hijri local date-time in ``tz`` (``1402/08/17 14:00``); None for None."""
    if ts is None:
        return None
    local = pd.Timestamp(ts).tz_convert(tz)
    day = jdatetime.date.fromgregorian(date=local.date())
    return f"{day.year:04d}/{day.month:02d}/{day.day:02d} {local.hour:02d}:{local.minute:02d}"


def solar_hijri_date(day: date) -> tuple[int, int, int]:
    """(year, month, day) of a Gregorian date in the Solar Hijri calendar."""
    sh = jdatetime.date.fromgregorian(date=day)
    return sh.year, sh.month, sh.day


# Month names as Iranian exports and rules write them: the transliterations in common use, and Persian script.
_MONTH_SPELLINGS: dict[str, int] = {
    **{name.lower(): i for i, name in enumerate(MONTHS, start=1)},
    **dict.fromkeys(("ordibehesht", "ordibehasht", "ordibahesht"), 2),
    **dict.fromkeys(("khordad", "khordaad", "khurdad"), 3),
    **dict.fromkeys(("mordad", "mordaad", "amordad", "amurdad"), 5),
    **dict.fromkeys(("shahrivar", "shahriwar", "shahrewar"), 6),
    **dict.fromkeys(("aban", "aaban", "abaan", "aabaan"), 8),
    **dict.fromkeys(("azar", "aazar", "azer"), 9),
    **dict.fromkeys(("dey", "dei", "day"), 10),
    **dict.fromkeys(("esfand", "isfand", "espand"), 12),
    **{
        name: i
        for i, name in enumerate(
            ("فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"),
            start=1,
        )
    },
}


def month_number(name: str) -> int | None:
    """1..12 for a Solar Hijri month name (case-insensitive, common spellings, Persian script); else None."""
    return _MONTH_SPELLINGS.get(name.strip().lower().replace("ي", "ی"))


def months_of(local: pd.DatetimeIndex) -> np.ndarray:
    """The Solar Hijri month (1..12) of each local time; each distinct date converted once."""
    days = local.tz_localize(None).normalize() if local.tz is not None else local.normalize()
    uniq, inverse = np.unique(days.to_numpy(), return_inverse=True)
    months = [solar_hijri_date(pd.Timestamp(d).date())[1] for d in uniq]
    return np.asarray(months, dtype=np.int64)[inverse]
