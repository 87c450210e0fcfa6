"""Plots a person can read: local-time month ticks in any zone, k/M/G units, Solar Hijri only for Iran."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from matplotlib.dates import num2date
from matplotlib.figure import Figure

import detector
from detector.service.plots import figure, render

GREGORIAN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SOLAR_HIJRI = ("Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar", "Mehr", "Aban", "Azar", "Dey")
HOUR = re.compile(r"\d\d:\d\d")


def _scored(tz: str, days: int = 365) -> tuple[detector.LoadSeries, detector.ScoreReport]:
    """A simulated GW-scale region with a mining block, read and scored in ``tz`` (country from the zone)."""
    fleet = detector.simulate.make_fleet(
        kind="region", n_series=1, days=days, seed=3, mining_share=1.0, spec=detector.CalendarSpec(tz=tz, country="US")
    )
    series = detector.load(fleet.loads, unit=fleet.unit, tz=tz)[0]
    return series, detector.score(fleet.loads, unit=fleet.unit, tz=tz, with_expected=True)[0]


@pytest.fixture(scope="module", params=["America/Chicago", "Asia/Tehran", "Australia/Melbourne"])
def year_plot(request: pytest.FixtureRequest) -> tuple[str, Figure, detector.ScoreReport, bytes]:
    series, report = _scored(request.param)
    fig = figure(series, report)
    fig.canvas.draw()
    return request.param, fig, report, render(series, report, "svg")


def _ticks(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]


def test_a_year_has_month_ticks_and_no_hours(year_plot: tuple[str, Figure, detector.ScoreReport, bytes]) -> None:
    tz, fig, _, _ = year_plot
    ticks = _ticks(fig)
    assert len(ticks) >= 10, ticks
    assert not [t for t in ticks if HOUR.search(t)], ticks  # "18:00, 19:00, ..." was a UTC tick in local time
    months = [t.split("\n")[0] for t in ticks]
    if tz == "Asia/Tehran":
        assert set(months) <= {*SOLAR_HIJRI, "Bahman", "Esfand"}, ticks
        assert len(set(months)) >= 10
        assert "1402" in " ".join(ticks)  # the Solar Hijri year under the first tick
    else:
        assert set(months) <= set(GREGORIAN_MONTHS), ticks
        assert len(set(months)) == 12  # every month once or twice: one tick a month
        assert not any(name in " ".join(ticks) for name in SOLAR_HIJRI)


def test_month_ticks_sit_at_local_midnights(year_plot: tuple[str, Figure, detector.ScoreReport, bytes]) -> None:
    tz, fig, _, _ = year_plot
    for where in fig.axes[0].get_xticks():
        local = num2date(where).astimezone(ZoneInfo(tz))
        assert (local.hour, local.minute) == (0, 0), (tz, local)


def test_load_in_gw_and_the_block_in_mw(year_plot: tuple[str, Figure, detector.ScoreReport, bytes]) -> None:
    tz, fig, report, svg = year_plot
    ax = fig.axes[0]
    assert report.unit == "MW"
    assert ax.get_ylabel() == "load (GW)"
    assert all(re.fullmatch(r"\d+(\.\d+)?", t.get_text()) for t in ax.get_yticklabels() if t.get_text())
    assert ax.yaxis.get_offset_text().get_text() == ""  # no "+2.98e+03" above the axis
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    block = next(t for t in legend if t.startswith("suspected block"))
    assert re.search(r"\(\+\d{2,3}(\.\d)? MW, p=", block), block
    assert "e+" not in " ".join(legend)
    text = svg.decode()
    assert "load (GW)" in text
    assert f"local time ({tz})" in text


def test_solar_hijri_ticks_follow_the_calendar_country_not_the_zone() -> None:
    """A Tehran series scored on the US calendar reads Gregorian; a Chicago one on IR's reads Solar Hijri."""
    fleet = detector.simulate.make_fleet(kind="region", n_series=1, days=200, seed=4)
    for tz, country, solar in (("Asia/Tehran", "US", False), ("America/Chicago", "IR", True)):
        series = detector.load(fleet.loads, unit=fleet.unit, tz=tz)[0]
        report = detector.score(fleet.loads, unit=fleet.unit, tz=tz, country=country)[0]
        fig = figure(series, report)
        fig.canvas.draw()
        ticks = " ".join(_ticks(fig))
        assert any(name in ticks for name in SOLAR_HIJRI) is solar, (tz, country, ticks)


def test_a_short_series_has_day_ticks_in_local_time() -> None:
    series, report = _scored("America/Chicago", days=35)
    fig = figure(series, report)
    fig.canvas.draw()
    ticks = _ticks(fig)
    assert ticks
    assert not [t for t in ticks if HOUR.search(t)], ticks


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [(2980.0, "MW", "2.98 GW"), (704.2, "MW", "704 MW"), (0.704, "GW", "704 MW"), (999.7, "MW", "1 GW"),
     (3.25, "kW", "3.25 kW"), (1500.0, "kW", "1.5 MW"), (0.0, "MW", "0 MW")],
)  # fmt: skip
def test_power_text_picks_the_unit_that_reads_best(value: float, unit: str, text: str) -> None:
    assert detector.power_text(value, unit) == text
