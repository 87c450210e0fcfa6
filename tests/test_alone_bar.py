"""``benchmarks/alone_bar.py``: the union of the reading with peers and the alone reading, at any alone bar."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import BENCHMARKS, benchmark_module

sys.path.insert(0, str(BENCHMARKS))
ab = benchmark_module("alone_bar")


def _rows(path: Path) -> str:
    """Four series, both modes, as ``headline.py`` writes them."""
    province = pd.DataFrame(
        {
            "series_id": ["a", "b", "c", "d"],
            "year": 2016,
            "round": 0,
            "scenario": ["step", "clean", "growth", "step"],
            "label": [1, 0, 0, 1],
            "size": [0.1, 0.1, 0.05, 0.2],
            # a: read alone (flagged, no peers named, the alone row's score); b: flagged with peers; c: not
            # flagged with peers; d: no peers at all, not flagged
            "peers": [0, 3, 3, 0],
            "score": [0.97, 0.70, 0.30, 0.40],
            "flagged": [True, True, False, False],
            "mode": "province",
        }
    )
    alone = province.assign(mode="alone", score=[0.97, 0.20, 0.80, 0.40], flagged=[True, False, False, False])
    pd.concat([province, alone]).to_csv(path, index=False)
    return str(path)


def test_a_series_with_peers_flags_when_either_reading_does_and_one_without_keeps_its_answer(tmp_path: Path) -> None:
    df = ab.paired([_rows(tmp_path / "rows.csv")])
    assert df.read_alone.tolist() == [True, False, False, False]
    assert df.flag_peers.tolist() == [False, True, False, False]
    assert df.has_peers.tolist() == [True, True, True, False]
    assert ab.union_flags(df, 0.9).tolist() == [True, True, False, False]  # the answers given, at a bar over 0.8
    assert ab.union_flags(df, 0.99).tolist() == [False, True, False, False]  # a's alone 0.97 no longer joins
    assert ab.union_flags(df, 0.8).tolist() == [True, True, True, False]  # c's alone reading reaches 0.8
    assert ab.union_flags(df, 0.3).tolist() == [True, True, True, False]  # d has no peers: alone 0.40 is its answer
    table = ab.sweep(df, (0.9, 0.8))
    assert table["0.9"]["growth_flagged"] == 0
    assert table["0.8"]["growth_flagged"] == 1
    assert table["0.8"]["recall_0.1"] == pytest.approx(1.0)
    assert table["0.8"]["recall_0.2"] == 0.0
    assert table["0.9"]["read_alone"] == 1


def test_rows_of_one_mode_are_refused(tmp_path: Path) -> None:
    rows = pd.read_csv(_rows(tmp_path / "rows.csv"))
    rows[rows["mode"] == "province"].to_csv(tmp_path / "province.csv", index=False)
    with pytest.raises(SystemExit) as info:
        ab.paired([str(tmp_path / "province.csv")])
    assert info.value.code == "4 province rows have no alone row: run headline.py with both modes"


def test_an_answer_read_alone_that_scores_apart_from_its_alone_row_is_refused(tmp_path: Path) -> None:
    rows = pd.read_csv(_rows(tmp_path / "rows.csv"))
    rows.loc[(rows["mode"] == "alone") & (rows.series_id == "a"), "score"] = 0.96
    rows.to_csv(tmp_path / "mixed.csv", index=False)
    with pytest.raises(SystemExit) as info:
        ab.paired([str(tmp_path / "mixed.csv")])
    assert info.value.code == "1 answers read alone score apart from their alone rows: not one engine's"
