"""What an analyst checks about a feeder's unbilled step: its daily shape, the meters that moved, the words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from detector.balance.report import GapShape, MeterChange

CHANGE_WINDOW_DAYS = 14  # meters' billed load compared over this many days either side of the onset


def gap_shape(unbilled: np.ndarray, hour: np.ndarray, on: np.ndarray, quiet: np.ndarray, delta: float) -> GapShape:
    """Added gap by local hour (step hours minus quiet hours, so steady night loads cancel) and how flat it is."""

    def by_hour(mask: np.ndarray) -> np.ndarray:
        s = np.bincount(hour[mask], weights=unbilled[mask], minlength=24)
        k = np.bincount(hour[mask], minlength=24)
        return np.where(k > 0, s / np.maximum(k, 1), np.nan)

    base = by_hour(quiet)
    base = np.where(np.isfinite(base), base, 0.0)
    added = by_hour(on) - base
    mean = float(np.nanmean(added))
    spread = float(np.nanstd(added) / abs(mean)) if abs(mean) > 1e-12 else float("inf")
    day_part = float(np.nanmean(added[10:18]))
    ratio = float(np.nanmean(added[0:6]) / day_part) if abs(day_part) > 1e-12 else float("inf")
    share = float(np.mean(unbilled[on] - base[hour[on]] > delta / 2)) if on.any() else 0.0
    share, ratio, spread = (float(np.nan_to_num(v, nan=0.0, posinf=99.0, neginf=-99.0)) for v in (share, ratio, spread))
    return GapShape(share, ratio, spread, tuple(float(v) for v in np.nan_to_num(added)))


def meter_changes(
    grids: dict[str, tuple[np.ndarray, np.ndarray]], h_on: int, delta: float, n: int
) -> tuple[MeterChange, ...]:
    """Meters that moved at the onset beyond the feeder's common (seasonal) change, and mapping changes there."""
    w = CHANGE_WINDOW_DAYS * 24
    lo, hi = max(h_on - w, 0), min(h_on + w, n)
    out: list[MeterChange] = []
    ids, before, after = [], [], []
    for mid, (grid, on) in grids.items():
        b_ok, a_ok = on[lo:h_on], on[h_on:hi]
        if b_ok.any() and not a_ok.any() and not on[h_on:].any():
            out.append(MeterChange(mid, "left", 0.0, float(np.nanmean(grid[lo:h_on][b_ok]))))
            continue
        if a_ok.any() and not b_ok.any() and not on[:h_on].any():
            out.append(MeterChange(mid, "joined", 0.0, 0.0))
            continue
        bv, av = grid[lo:h_on][b_ok], grid[h_on:hi][a_ok]
        if np.isfinite(bv).sum() >= 48 and np.isfinite(av).sum() >= 48:
            ids.append(mid)
            before.append(float(np.nanmean(bv)))
            after.append(float(np.nanmean(av)))
    if ids:
        b, a = np.array(before), np.array(after)
        rel = np.where(b > 0, a / np.where(b > 0, b, 1.0) - 1.0, 0.0)
        common = float(np.median(rel))
        dev = a - b * (1.0 + common)
        scale = 1.4826 * float(np.median(np.abs(dev - np.median(dev)))) + 1e-12
        big = (np.abs(dev) >= 0.3 * abs(delta)) & (np.abs(dev) >= 4.0 * scale)
        for i in np.flatnonzero(big):
            out.append(MeterChange(ids[i], "dropped" if dev[i] < 0 else "rose", float(dev[i]), float(b[i])))
    out.sort(key=lambda m: (m.kind not in ("dropped", "rose"), -abs(m.change)))
    return tuple(out[:10])


def describe(
    verdict: str,
    delta: float,
    unit: str,
    rigs: float,
    onset: pd.Timestamp,
    end: pd.Timestamp | None,
    tz: str,
    t: float,
    flag_t: float,
    shape: GapShape,
    changes: tuple[MeterChange, ...],
) -> tuple[str, ...]:
    day = onset.tz_convert(tz).strftime("%d %b %Y %H:%M")
    until = "still on" if end is None else f"until {end.tz_convert(tz).strftime('%d %b %Y')}"
    size = f"unbilled gap rose by {delta:.3g} {unit} (≈ {rigs:.1f} S19 rigs)"
    lines = [f"{size} on {day} local, {until}; t = {t:.1f}"]
    if verdict == "undecidable":
        lines.append(f"too weak to call: t = {t:.1f} < {flag_t:g}")
    if shape.flat:
        lines.append(
            f"flat and round the clock (on {shape.share_on:.0%} of hours, night/day {shape.night_day_ratio:.2f}): "
            "consistent with mining rigs"
        )
    else:
        lines.append(
            f"shaped by hour of day (night/day {shape.night_day_ratio:.2f}, spread {shape.hour_spread:.2f}): "
            "like household or business load, e.g. a bypassed meter"
        )
    for m in changes:
        if m.kind == "dropped":
            lines.append(f"meter {m.meter_id}'s billed load fell by {-m.change:.3g} {unit} then: possible bypass")
        elif m.kind == "rose":
            lines.append(f"meter {m.meter_id}'s billed load rose by {m.change:.3g} {unit} then")
        else:
            lines.append(f"meter {m.meter_id} {m.kind} the feeder then (mapping): check the mapping on site")
    return tuple(lines)
