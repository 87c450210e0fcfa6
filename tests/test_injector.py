"""``benchmarks/injector.py``'s ``whole_units``: a base in whole units keeps its resolution, and with it the
repeated readings a real meter shows, inside an injected block too (stop 42: a block added in fractions left no
repeat at all, and the trees read that as mining); whole units are the default since stop 43."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd

from tests.conftest import BENCHMARKS, benchmark_module

sys.path.insert(0, str(BENCHMARKS))  # the scripts import each other by name, as run from that folder
injector = benchmark_module("injector")

N = 24 * 120
INDEX = pd.date_range("2016-01-01", periods=N, freq="h", tz="UTC")


def _base() -> np.ndarray:
    """A whole-MW regional load around 1,500 MW with a daily cycle: repeats now and then, as PJM's zones do."""
    hours = np.arange(N)
    noise = np.random.default_rng(0).normal(0, 4, N)
    return np.round(1500 + 200 * np.sin(2 * np.pi * hours / 24) + noise)


def _repeat_share(values: np.ndarray) -> float:
    return float(np.mean(np.diff(values) == 0))


def test_a_block_in_whole_units_keeps_the_bases_repeats() -> None:
    base = _base()
    onset = N // 2
    rounded = injector.inject(base, INDEX, "America/New_York", "step", 0.1, np.random.default_rng(1), onset=onset)
    fractional = injector.inject(
        base, INDEX, "America/New_York", "step", 0.1, np.random.default_rng(1), onset=onset, whole_units=False
    )
    assert np.array_equal(rounded.load, np.round(rounded.load))
    assert np.allclose(rounded.load, fractional.load, atol=0.5)  # the same block, rounded
    assert _repeat_share(fractional.load[onset:]) == 0.0  # the trace a real farm cannot leave
    assert _repeat_share(rounded.load[onset:]) > 0.0
    assert rounded.excess == fractional.excess


def test_a_base_in_fractions_is_left_as_it_is() -> None:
    base = _base() + 0.25
    a = injector.inject(base, INDEX, "UTC", "staircase", 0.2, np.random.default_rng(2), onset=N // 3)
    b = injector.inject(base, INDEX, "UTC", "staircase", 0.2, np.random.default_rng(2), onset=N // 3, whole_units=False)
    assert np.array_equal(a.load, b.load)
