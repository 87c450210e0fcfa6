"""Technical losses of a feeder: a[h] + b·L + c(d)·L², fitted on its quiet hours (see ``LossModel``)."""

from __future__ import annotations

import dataclasses

import numpy as np

from detector.balance.report import LossModel
from detector.errors import DataSufficiencyError

SEASONAL_DAYS = 240  # days of data (or of quiet period) needed to fit a seasonal resistance term


def loss_terms(load: np.ndarray, doy: np.ndarray, *, seasonal: bool) -> np.ndarray:
    """Columns of the loss model: 1, L, L² and, with ``seasonal``, L²·cos and L²·sin of the day of year."""
    sq = load * load
    cols = [np.ones_like(load), load, sq]
    if seasonal:
        w = 2 * np.pi * doy / 365.25
        cols += [sq * np.cos(w), sq * np.sin(w)]
    return np.column_stack(cols)


def fit_loss(
    gap: np.ndarray,
    feed: np.ndarray,
    doy: np.ndarray,
    hour: np.ndarray,
    hours: np.ndarray,
    day: np.ndarray,
    step: np.ndarray | None = None,
) -> LossModel:
    """Least squares of the gap on the loss terms over ``hours``, with one intercept per local hour
    (and a step indicator, if ``step`` is given, whose coefficient is left out of the model).

    The hourly intercepts take steady unbilled loads with a daily rhythm (street lights, measured at
    0.5-1.5 kW on LV feeders) that would otherwise bend the L terms. The seasonal resistance terms
    only when ``hours`` cover >= SEASONAL_DAYS days: fitted on a few months, an annual harmonic
    extrapolates wildly into the rest of the year. Terms are demeaned within each hour (Frisch-Waugh)
    rather than solved with 24 dummy columns.
    """
    if hours.sum() < 3 * 24:
        raise DataSufficiencyError(f"need >= 72 usable hours to fit technical losses; got {int(hours.sum())}")
    L, g, h = feed[hours], gap[hours], hour[hours]
    scale = max(float(np.max(np.abs(L))), 1e-12)
    seasonal = np.unique(day[hours]).size >= SEASONAL_DAYS
    x = loss_terms(L / scale, doy[hours], seasonal=seasonal)[:, 1:]
    n_terms = x.shape[1]
    if step is not None:
        x = np.column_stack([x, step[hours].astype(float)])
    count = np.maximum(np.bincount(h, minlength=24), 1)
    x_mean = np.column_stack([np.bincount(h, weights=col, minlength=24) / count for col in x.T])
    g_mean = np.bincount(h, weights=g, minlength=24) / count
    coef, *_ = np.linalg.lstsq(x - x_mean[h], g - g_mean[h], rcond=None)
    intercept = g_mean - x_mean @ coef
    coef = coef[:n_terms]
    seen = np.bincount(h, minlength=24) > 0
    intercept = np.where(seen, intercept, float(np.mean(intercept[seen])))
    coef = np.concatenate([coef, np.zeros(4 - len(coef))])
    b = float(coef[0]) / scale
    c, c_cos, c_sin = (float(v) / scale**2 for v in coef[1:4])
    model = LossModel(tuple(float(v) for v in intercept), b, c, c_cos, c_sin, 0.0, int(hours.sum()))
    total = float(L.sum())
    share = float(model(L, doy[hours], h).sum()) / total if total > 0 else 0.0
    return dataclasses.replace(model, share=share)
