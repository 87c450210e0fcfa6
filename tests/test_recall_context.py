"""``benchmarks/recall_context.py``: the counts behind ``scoring.sensitivity.FOUND`` and their check on a fresh draw."""

from __future__ import annotations

import sys

import pandas as pd

from tests.conftest import BENCHMARKS, benchmark_module

sys.path.insert(0, str(BENCHMARKS))
recall_context = benchmark_module("recall_context")


def _rows(flags_at_10: list[bool], mode: str = "province", temperature: bool = False) -> pd.DataFrame:
    """Mining windows of 10 % flagged as given, a 20 % one unflagged, and a clean window that never counts."""
    n = len(flags_at_10)
    return pd.DataFrame(
        {
            "mode": [mode] * (n + 2),
            "temperature": [temperature] * (n + 2),
            "label": [1] * (n + 1) + [0],
            "size": [0.1] * n + [0.2, 0.0],
            "flagged": [*flags_at_10, False, True],
            "scenario": ["step"] * (n + 1) + ["clean"],
            "excess_load": [1.0] * (n + 2),
            "mean_load": [20.0] * (n + 2),
        }
    )


def test_counts_are_flagged_of_mining_windows_per_context_and_size() -> None:
    rows = pd.concat([_rows([True, False, False, True]), _rows([True], mode="alone", temperature=True)])
    assert recall_context.counts(rows) == {
        "peers+no-temperature": {0.1: (2, 4), 0.2: (0, 1)},
        "alone+temperature": {0.1: (1, 1), 0.2: (0, 1)},
    }


def test_a_fresh_share_far_from_the_stated_one_is_outside_its_interval() -> None:
    stated = {"peers+no-temperature": {0.1: (50, 100)}}
    near = recall_context.check(stated, _rows([True] * 21 + [False] * 19))
    far = recall_context.check(stated, _rows([True] * 38 + [False] * 2))
    assert [(r["fresh"], r["inside"]) for r in near] == [(0.525, True)]
    assert [(r["fresh"], r["inside"]) for r in far] == [(0.95, False)]


def test_the_median_clean_rise_is_read_per_mode() -> None:
    assert recall_context.clean_rise(_rows([True])) == {"province": 0.05}
