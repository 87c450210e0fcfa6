"""``benchmarks/shapes.py``: each mining shape's recall against the plain step, on paired provinces.

A known table pins the gaps and their intervals; on PJM's loads (skipped without them) the paired provinces
differ in the shape only: same zones, size and onset, peers untouched.
"""

from __future__ import annotations

import itertools
import sys

import numpy as np
import pandas as pd
import pytest

from tests.conftest import BENCHMARKS, SHARED_DATA, benchmark_module

sys.path.insert(0, str(BENCHMARKS))  # the scripts import each other by name, as run from that folder
shapes = benchmark_module("shapes")
provinces = benchmark_module("provinces")

PJM = SHARED_DATA / "pjm_regions.parquet"
MINING = ("step", "staircase", "seasonal", "curtailed", "raided")


def _rows(flag_share: dict[str, float], zone_years: int = 20) -> pd.DataFrame:
    """One 10 % event per zone-year and shape; the first ``share`` of zone-years flagged for each shape."""
    rows = [
        {
            "mode": "alone",
            "source": "pjm",
            "series_id": f"Z{z:02d}",
            "year": 2014,
            "round": 0,
            "scenario": shape,
            "label": 1,
            "size": 0.1,
            "score": 0.5,
            "flagged": z < share * zone_years,
        }
        for shape, share in flag_share.items()
        for z in range(zone_years)
    ]
    return shapes._prepared(pd.DataFrame(rows))


def test_a_shape_found_half_as_often_as_the_step_misses_the_target_and_an_equal_one_meets_it() -> None:
    table = shapes.shape_table(
        _rows({"step": 1.0, "staircase": 1.0, "seasonal": 0.5, "curtailed": 0.95, "raided": 0.0}),
        draws=300,
        seed=0,
        standardised=False,
    )
    assert table["step"]["recall"] == 1.0
    assert "gap" not in table["step"]
    assert table["staircase"]["gap"] == 0.0
    assert table["staircase"]["gap_meets_target_share"] == 1.0
    assert table["seasonal"]["gap"] == -0.5
    low, high = table["seasonal"]["gap_90"]
    assert low < -0.5 < high < -0.1
    assert table["seasonal"]["gap_meets_target_share"] == 0.0
    assert table["curtailed"]["gap"] == -0.05
    assert table["raided"]["gap_90"] == [-1.0, -1.0]
    assert table["raided"]["recall_by_size"] == {"0.1": 0.0}


def test_the_size_standardised_recall_compares_shapes_on_one_mix_of_sizes() -> None:
    """Steps all 20 % and all flagged, raided farms half 20 % (flagged) and half 2 % (missed): plainly the raided
    farms lag by 0.5, on one mix of sizes (the events' own: 3/4 at 20 %) by 0.25."""
    rows = _rows({"step": 1.0, "raided": 0.5}, zone_years=20)
    rows.loc[rows.scenario == "step", "size"] = 0.2
    raided = rows.index[rows.scenario == "raided"]
    rows.loc[raided, "size"] = np.where(rows.loc[raided, "flagged"], 0.2, 0.02)
    rows = shapes._prepared(rows)
    table = shapes.shape_table(rows, draws=50, seed=0, standardised=True)
    assert table["raided"]["gap"] == -0.5
    assert table["raided"]["recall_size_standardised"] == pytest.approx(0.75)
    assert table["raided"]["gap_size_standardised"] == pytest.approx(-0.25)


@pytest.mark.skipif(not PJM.exists(), reason="needs ../shared/data/pjm_regions.parquet")
def test_paired_cases_differ_in_the_shape_only() -> None:
    first, second = itertools.islice(provinces.shape_cases(sources=("pjm",)), 2)
    src = provinces.SOURCES["pjm"]
    assert (first.source, first.year, first.size_index, second.size_index) == ("pjm", 2014, 0, 1)
    assert list(first.targets) == list(MINING)
    frames = {shape: frame for shape, (frame, _) in first.targets.items()}
    truths = {shape: truth for shape, (_, truth) in first.targets.items()}
    zone = truths["step"]["series_id"]
    assert zone in src.held_out
    assert set(first.peers.series_id) == set(src.zones) - {zone}  # the province's other zones, the same for all
    for shape in MINING:
        assert truths[shape]["scenario"] == shape
        assert truths[shape]["size"] == src.sizes[0]
        assert not np.allclose(frames[shape].load, frames["step"].load) or shape == "step"
    for shape in ("staircase", "curtailed", "raided"):
        assert truths[shape]["start"] == truths["step"]["start"]  # the same onset
    assert truths["seasonal"]["start"].month == 5  # mid-May, whatever the onset
    # before the onset the step's farm is off: its load there is the zone's own
    before = frames["step"].timestamp < truths["step"]["start"]
    assert np.allclose(frames["step"].load[before], frames["raided"].load[before])


ERCOT = SHARED_DATA / "ercot_weather_zones.parquet"


@pytest.mark.skipif(not (PJM.exists() and ERCOT.exists()), reason="needs PJM's and ERCOT's loads in ../shared/data")
def test_a_sources_cases_do_not_depend_on_which_sources_are_asked_for() -> None:
    """``shapes.py --sources ercot`` gives the ERCOT cases of the full run, onsets and farms alike."""
    alone = next(provinces.shape_cases(sources=("ercot",)))
    full = next(c for c in provinces.shape_cases(sources=("pjm", "ercot")) if c.source == "ercot")
    for shape in MINING:
        pd.testing.assert_frame_equal(alone.targets[shape][0], full.targets[shape][0])
        assert alone.targets[shape][1] == full.targets[shape][1]
