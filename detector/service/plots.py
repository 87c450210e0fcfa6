"""Plots for a person: hourly load, expected load and the flagged segments (matplotlib, Agg, no pyplot state)."""

from __future__ import annotations

import html
import io
from typing import Literal

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import detector


def figure(series: detector.LoadSeries, report: detector.ScoreReport) -> Figure:
    """Daily means of load and expected load in local time, flagged segments shaded, score in the title.

    Dates tick at local midnights of the series' zone (Solar Hijri months where its holiday calendar is
    Iran's); load is drawn in the unit it reads best in (GW for a region, kW for a meter).
    """
    tz = series.tz
    country = str(report.quality.get("country") or detector.calendar_country(None, tz)[0])
    index = series.index.tz_convert(tz)
    load = pd.Series(series.load, index=index).resample("D").mean()
    shown, factor = detector.plotting.power_scale(load.to_numpy(), report.unit)
    fig = Figure(figsize=(11, 4.2), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot(load.index, load.to_numpy() * factor, color="#1f4e79", lw=1.2, label="load (daily mean)")
    if report.expected is not None:
        expected = report.expected.tz_convert(tz).resample("D").mean()
        ax.plot(expected.index, expected.to_numpy() * factor, color="#999999", lw=1.2, ls="--", label="expected load")
    last = index[-1]
    for i, seg in enumerate(report.segments):
        end = seg.end.tz_convert(tz) if seg.end is not None else last
        colour = "#d62728" if report.flagged else "#ff7f0e"
        excess = detector.power_text(seg.excess_load, report.unit)
        label = f"suspected block (+{excess}, p={seg.score:.2f})" if i == 0 else None
        ax.axvspan(seg.start.tz_convert(tz), end, color=colour, alpha=0.18, label=label)
    verdict = "FLAGGED" if report.flagged else "not flagged"
    ax.set_title(
        f"{report.series_id}: score {report.score:.2f} (threshold {report.threshold:.2f}), {verdict}", loc="left"
    )
    ax.set_ylabel(f"load ({shown})")
    ax.set_xlabel(f"local time ({tz}), holiday calendar {country}")
    detector.plotting.plain_numbers(ax)
    detector.plotting.date_axis(ax, index[0], last, tz, country)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8, frameon=False)
    return fig


def render(series: detector.LoadSeries, report: detector.ScoreReport, fmt: Literal["png", "svg"]) -> bytes:
    """``figure`` as PNG or SVG bytes (SVG without a date stamp, so the same plot gives the same bytes)."""
    buf = io.BytesIO()
    figure(series, report).savefig(buf, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
    return buf.getvalue()


def render_html(series: detector.LoadSeries, report: detector.ScoreReport) -> str:
    """A self-contained page: the SVG plot, the verdict, the segments with their evidence, data quality."""
    esc = html.escape
    svg = render(series, report, "svg").decode()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog: the SVG is inlined
    rows = "".join(
        f"<tr><td>{esc(seg.start.isoformat())}</td><td>{esc(seg.end.isoformat()) if seg.end is not None else 'ongoing'}"
        f"</td><td>{esc(detector.power_text(seg.excess_load, report.unit))}</td><td>{seg.score:.3f}</td>"
        f"<td><ul>{''.join(f'<li>{esc(e)}</li>' for e in seg.evidence)}</ul></td></tr>"
        for seg in report.segments
    )
    q = report.quality
    verdict = "flagged for inspection" if report.flagged else "not flagged"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(report.series_id)}: {verdict}</title>
<style>body{{font-family:sans-serif;margin:1.5em;max-width:72em}}td,th{{border-bottom:1px solid #ddd;
padding:.3em .6em;text-align:left;vertical-align:top}}table{{border-collapse:collapse}}</style></head><body>
<h1>{esc(report.series_id)}: {verdict}</h1>
<p>Score {report.score:.3f} against threshold {report.threshold:.3f}; excess load
{esc(detector.power_text(report.excess_load, report.unit))}{esc(_rig_text(report))};
model {esc(report.model_version)}.</p>
{svg}
<h2>Segments</h2>
<table><tr><th>start (UTC)</th><th>end (UTC)</th><th>excess load</th><th>score</th><th>evidence</th></tr>{rows}</table>
<h2>Data quality</h2>
<p>{esc(str(q.get("resolution", "?")))} data, {esc(str(q.get("hours", "?")))} hours, coverage
{float(q.get("coverage", 0)):.1%}, {esc(str(q.get("gaps_filled", 0)))} h filled,
{esc(str(q.get("missing_hours", 0)))} h missing; local zone {esc(str(q.get("timezone", "")))}.</p>
</body></html>
"""


def _rig_text(report: detector.ScoreReport) -> str:
    """The rig count with its 90 % interval, for a flagged series only (a count on an unflagged rise reads as a
    finding)."""
    if not report.flagged:
        return " (not flagged: no rig count)"
    if report.rigs <= 0:
        return ""
    interval = report.rigs_interval
    spread = f", 90 % interval {interval[0]:,.0f} to {interval[1]:,.0f}" if interval else ""
    return f" (about {report.rigs:,.0f} S19-class rigs{spread})"
