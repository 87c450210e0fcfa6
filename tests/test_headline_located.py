"""`headline.py`'s `located_by_size`: a search that missed, told from trees that scored a found block low."""

from __future__ import annotations

import sys

import pandas as pd

from tests.conftest import BENCHMARKS, benchmark_module

sys.path.insert(0, str(BENCHMARKS))  # the scripts import each other by name, as run from that folder
headline = benchmark_module("headline")


def test_found_events_are_those_whose_onset_is_within_a_week_of_the_first_switch_on() -> None:
    start = pd.Timestamp("2014-05-01 06:00", tz="UTC")
    rows = [  # size, shape, the answer's onset, score, flagged
        (0.1, "step", start + pd.Timedelta(hours=5), 0.9, True),
        (0.1, "step", start - pd.Timedelta(days=6), 0.3, False),
        (0.1, "staircase", start + pd.Timedelta(days=30), 0.2, False),  # the answer starts at a later batch
        (0.1, "seasonal", None, 0.1, False),  # no segment reported
        (0.05, "step", start + pd.Timedelta(days=8), 0.4, False),
    ]
    pos = pd.DataFrame(
        [
            {
                "size": s,
                "scenario": shape,
                "start": str(start),
                "onset": None if on is None else str(on),
                "score": sc,
                "flagged": f,
            }
            for s, shape, on, sc, f in rows
        ]
    )
    out = headline.located_by_size(pos)
    assert out[0.1] == {
        "events": 4,
        "found": 2,
        "found_flagged": 1,
        "median_score_found": 0.6,
        "median_score_not_found": 0.15,
        "found_by_shape": {"seasonal": 0.0, "staircase": 0.0, "step": 1.0},
    }
    assert out[0.05]["found"] == 0
    assert out[0.05]["median_score_found"] is None
