"""Axes a person can read: dates in the series' local time (Solar Hijri in Iran), power in k/M/G units.

Shared by the service's figures (``service/plots.py``) and the claim figure, which lives here (``claim_figure``):
the command line and the notebooks draw it too, so it cannot live in the service; ``claims.render`` makes bytes.
Ticks are placed in the local zone (a tick at UTC midnight reads 18:00 in Chicago), months for long spans.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, DateFormatter, MonthLocator, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.ticker import FixedFormatter, FixedLocator, ScalarFormatter

from detector.features.calendar import solar_hijri
from detector.ingest.solar_hijri import MONTHS as SOLAR_HIJRI_MONTHS
from detector.ingest.units import display_unit, power_text, watts_per

if TYPE_CHECKING:
    from detector.claims import Verification

SOLAR_HIJRI_COUNTRIES = frozenset({"IR", "AF"})  # where dates read Solar Hijri first (as ``date_text``)
MONTH_TICKS_FROM_DAYS = 90  # spans at least this long get one tick per month (or every few months)


def power_scale(values: np.ndarray | pd.Series, unit: str) -> tuple[str, float]:
    """The unit to draw ``values`` (in ``unit``) in, and the factor that converts them: 2980 MW -> ("GW", 0.001)."""
    arr = np.asarray(values, dtype=float)
    finite = arr[np.isfinite(arr)]
    top = float(np.abs(finite).max()) if finite.size else 0.0
    shown = display_unit(top, unit)
    return shown, watts_per(unit) / watts_per(shown)


def plain_numbers(ax: Axes) -> None:
    """Y tick labels as plain numbers: no "+2.98e3" offset or "1e3" multiplier above the axis."""
    formatter = ScalarFormatter(useOffset=False)
    formatter.set_scientific(False)
    ax.yaxis.set_major_formatter(formatter)


def date_axis(ax: Axes, start: pd.Timestamp, end: pd.Timestamp, tz: str, country: str) -> None:
    """Date ticks for ``start``..``end`` at local midnights of ``tz``: months for long spans, days for short ones.

    Where ``country`` reads dates Solar Hijri (Iran), the ticks are the first days of Solar Hijri months
    (or every few days for short spans), labelled with the Solar Hijri date over the Gregorian one.
    """
    zone = ZoneInfo(tz)
    first, last = start.tz_convert(tz), end.tz_convert(tz)
    days = (last - first).days
    if country.upper() in SOLAR_HIJRI_COUNTRIES and _solar_hijri_ticks(ax, first, last, zone):
        return
    if days >= MONTH_TICKS_FROM_DAYS:
        every = 1 + days // 400  # a tick per month up to about a year, then every 2, 3, ... months
        ax.xaxis.set_major_locator(MonthLocator(interval=every, tz=zone))
        ax.xaxis.set_major_formatter(_MonthFormatter(zone))
        return
    locator = AutoDateLocator(tz=zone, minticks=4, maxticks=10)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator, tz=zone))


class _MonthFormatter(DateFormatter):
    """ "Apr", "May", ... with the year under January and under the first tick."""

    def __init__(self, zone: ZoneInfo) -> None:
        super().__init__("%b", tz=zone)  # type: ignore[no-untyped-call]  # matplotlib leaves it unannotated

    def format_ticks(self, values: list[float]) -> list[str]:
        stamps = [num2date(v, tz=self.tz) for v in values]
        return [f"{t:%b}\n{t.year}" if i == 0 or t.month == 1 else f"{t:%b}" for i, t in enumerate(stamps)]


def _solar_hijri_ticks(ax: Axes, first: pd.Timestamp, last: pd.Timestamp, zone: ZoneInfo) -> bool:
    """Fixed ticks at local midnights named in the Solar Hijri calendar; False when it has no dates for the span."""
    day, stop = first.date() + timedelta(days=1), last.date()
    span = (stop - day).days
    picked: list[tuple[date, tuple[int, int, int]]] = []
    step = max(1, span // 8)
    for i in range(span + 1):
        d = day + timedelta(days=i)
        sh = solar_hijri(d)
        if sh is None:
            return False
        if (span >= MONTH_TICKS_FROM_DAYS // 2 and sh[2] == 1) or (span < MONTH_TICKS_FROM_DAYS // 2 and i % step == 0):
            picked.append((d, sh))
    if len(picked) > 14:  # several years: every few months
        keep = 1 + len(picked) // 14
        picked = picked[::keep]
    if not picked:
        return False
    where = [float(date2num(pd.Timestamp(d).tz_localize(zone))) for d, _ in picked]
    labels, shown_year = [], None
    for d, (year, month, dom) in picked:
        name = SOLAR_HIJRI_MONTHS[month - 1] if dom == 1 else f"{dom} {SOLAR_HIJRI_MONTHS[month - 1]}"
        under = "" if year == shown_year else f"\n{year}"  # the year under the first tick and where it changes
        shown_year = year
        labels.append(f"{name}\n{d.day} {d:%b}{under}")
    ax.xaxis.set_major_locator(FixedLocator(where))
    ax.xaxis.set_major_formatter(FixedFormatter(labels))
    return True


def claim_figure(result: Verification) -> Figure:
    """A claim check in one picture: daily load, the expected load without the claimed fleet, expected + claimed
    (+ the observed interval) since the claimed start; the verdict in the title (``claims.render`` makes bytes)."""
    fig = Figure(figsize=(11, 4.2), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    if result.daily is not None:
        d = result.daily
        ax.plot(d.index, d["load"], color="#1f4e79", lw=1.1, label="load (daily mean)")
        after = d.index >= result.start.tz_convert(d.index.tz).normalize()
        if d["expected"].notna().any():
            ax.plot(d.index, d["expected"], color="#777777", lw=1.1, ls="--", label="expected without the fleet")
            claimed = d["expected"].where(after) + result.claimed
            ax.plot(
                d.index,
                claimed,
                color="#d62728",
                lw=1.3,
                label=f"expected + claimed ({power_text(result.claimed, result.unit)})",
            )
            if result.observed is not None:
                lo = d["expected"].where(after) + result.observed.low
                hi = d["expected"].where(after) + result.observed.high
                ax.fill_between(d.index, lo, hi, color="#2ca02c", alpha=0.25, label="expected + observed (interval)")
        else:
            ax.axhline(
                result.claimed, color="#d62728", lw=1.3, label=f"claimed ({power_text(result.claimed, result.unit)})"
            )
        ax.axvline(result.start.tz_convert(d.index.tz), color="black", lw=0.8, ls=":", label="claimed start")
        # Ticks at local midnights (Gregorian: the claim's country is not kept in the result)
        date_axis(ax, d.index[0], d.index[-1], str(d.index.tz), "")
    ax.set_title(f"{result.series_id}: claim {result.verdict}" + (f" ({result.finding})" if result.finding else ""))
    ax.set_ylabel(f"load ({result.unit})")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return fig
