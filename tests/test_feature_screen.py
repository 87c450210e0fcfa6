"""``benchmarks/feature_screen.py``: features screened on TRAINING zones only, read as ROC AUCs per shape pair.

The screen exists to try a candidate feature without touching the headline: its cases must never hold a
held-out zone, as a target or as a peer.
"""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pandas as pd
import pytest
import typer

from tests.conftest import BENCHMARKS, SHARED_DATA, benchmark_module

sys.path.insert(0, str(BENCHMARKS))  # the scripts import each other by name, as run from that folder
screen = benchmark_module("feature_screen")
provinces = benchmark_module("provinces")

PJM = SHARED_DATA / "pjm_regions.parquet"


def test_a_feature_that_separates_reads_one_a_reversed_one_zero_and_a_flat_one_a_half() -> None:
    rows = pd.DataFrame(
        {
            "mode": "province",
            "size": 0.1,
            "scenario": ["step"] * 4 + ["growth"] * 4,
            "t_box": [9.0, 8.0, 7.0, 6.0, 1.0, 2.0, 3.0, 4.0],  # steps higher
            "ramp_lr": [-5.0, -4.0, -3.0, -2.0, 5.0, 6.0, 7.0, 8.0],  # steps lower
            "noise": 0.03,  # the same everywhere
            "n_peers": 3.0,  # set by the input: not screened
        }
    )
    table = screen.auc_table(rows, ("step",), ("growth",)).set_index("feature").auc
    assert table["t_box"] == 1.0
    assert table["ramp_lr"] == 0.0
    assert table["noise"] == 0.5
    assert "n_peers" not in table


def test_an_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError, match="split must be 'held_out' or 'train', not 'test'"):
        next(provinces.shape_cases(sources=("pjm",), split="test"))


@pytest.mark.skipif(not PJM.exists(), reason="needs ../shared/data/pjm_regions.parquet")
def test_training_cases_never_hold_a_held_out_zone() -> None:
    src = provinces.SOURCES["pjm"]
    train = set(src.zones) - set(src.held_out)
    cases = list(itertools.islice(provinces.shape_cases(sources=("pjm",), split="train", seed=7500), 6))
    assert {c.targets["step"][1]["series_id"] for c in cases} <= train
    for case in cases:
        zone = case.targets["step"][1]["series_id"]
        assert set(case.peers.series_id) == train - {zone}  # the other training zones only
        assert np.isfinite(case.targets["step"][0].load).mean() > 0.95


def test_an_unknown_shape_source_or_mode_is_named_before_any_case_is_built() -> None:
    with pytest.raises(typer.BadParameter, match="unknown shape 'bogus'; known: step, staircase"):
        screen.main(mining="step,bogus")
    with pytest.raises(typer.BadParameter, match="unknown shape 'step'; known: new_factory, growth"):
        screen.main(lookalikes="step")
    with pytest.raises(typer.BadParameter, match="unknown source 'caiso'; known: pjm, ercot, gefcom"):
        screen.main(sources="caiso")
    with pytest.raises(typer.BadParameter, match="unknown mode 'provinces'; known: province, alone"):
        screen.main(modes="provinces")
