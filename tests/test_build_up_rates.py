"""``benchmarks/build_up_rates.py``: how often a build-up is told, by scenario, at the shipped and a stricter pair."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import BENCHMARKS, benchmark_module

sys.path.insert(0, str(BENCHMARKS))  # the scripts import each other by name, as run from that folder
bur = benchmark_module("build_up_rates")


def test_the_table_counts_what_is_told_by_scenario_and_mining_apart_from_look_alikes() -> None:
    rows = pd.DataFrame(
        {
            "label": [0, 0, 1, 1, 1],
            "scenario": ["growth", "growth", "step", "step", "growth"],  # a mining row never pools with a look-alike
            "score": [0.9, 0.5, 0.8, 0.7, 0.6],
            "bu_share": [0.30, 0.21, 0.01, np.nan, 0.22],
            "bu_t": [5.0, 3.5, 0.2, np.nan, 2.9],
        }
    )
    table = bur.table(rows)
    assert list(table.index) == ["growth", "mining:growth", "mining:step"]
    assert table.loc["growth", "n"] == 2
    assert table.loc["growth", "told"] == pytest.approx(1.0)  # (0.30, 5.0) and (0.21, 3.5) both pass (0.2, 3)
    assert table.loc["growth", "told_stricter"] == pytest.approx(0.5)  # only (0.30, 5.0) passes (0.25, 4)
    assert table.loc["mining:growth", "told"] == 0.0  # t 2.9 is under 3
    assert table.loc["mining:step", "told"] == 0.0  # not measured is not told
    assert table.loc["mining:step", "share_median"] == pytest.approx(0.01)
