"""``benchmarks/found_features.py``: engine_loop dumps joined to headline rows, grouped by found and flagged."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from detector.models.signature import FEATURES
from tests.conftest import BENCHMARKS, benchmark_module

sys.path.insert(0, str(BENCHMARKS))  # the scripts import each other by name, as run from that folder
ff = benchmark_module("found_features")

START = pd.Timestamp("2014-05-01 06:00", tz="UTC")


def _write(tmp_path: Path, answers: list[tuple[str, int, float, str, float, bool, int]]) -> tuple[Path, Path]:
    """One start's dump and rows: (series, label, size, scenario, score, flagged, onset days after the start)."""
    meta = pd.DataFrame(
        [
            {"mode": "province", "source": "pjm", "year": 2014, "round": 0, "series_id": sid, "label": label,
             "size": size, "scenario": scenario, "days": 365}
            for sid, label, size, scenario, *_ in answers
        ]
    )  # fmt: skip
    x = np.zeros((len(answers), len(FEATURES)))
    x[:, FEATURES.index("t_box")] = np.arange(len(answers))  # row k has t_box k
    dump = tmp_path / "held.npz"
    np.savez_compressed(dump, x=x, meta=meta.to_json())
    rows = meta[ff.KEYS].assign(
        score=[a[4] for a in answers],
        flagged=[a[5] for a in answers],
        onset=[str(START + pd.Timedelta(days=a[6])) for a in answers],
        start=str(START),
    )
    csv = tmp_path / "rows.csv"
    rows.to_csv(csv, index=False)
    return dump, csv


def test_groups_split_found_farms_by_flag_and_rank_the_negatives(tmp_path: Path) -> None:
    dump, csv = _write(
        tmp_path,
        [
            ("A", 1, 0.1, "step", 0.9, True, 0),  # found, flagged
            ("B", 1, 0.1, "step", 0.3, False, 2),  # found, not flagged
            ("C", 1, 0.1, "step", 0.2, False, 40),  # not found: in no farm group
            ("D", 1, 0.2, "step", 0.95, True, 1),
            ("E", 0, 0.0, "clean", 0.7, True, 0),
            ("F", 0, 0.0, "clean", 0.1, False, 0),
            ("G", 0, 0.1, "growth", 0.5, False, 0),
        ],
    )
    table = ff.groups(ff.joined([dump], [csv]), "province", 0.1, top=1)
    assert table.n.to_dict() == {
        "farms 0.1, found, flagged": 1,
        "farms 0.1, found, not flagged": 1,
        "farms 0.2, found": 1,
        "clean, top 1": 1,
        "clean, the rest": 1,
        "growth, top 1": 1,
        "growth, the rest": 0,
    }
    assert table.loc["farms 0.1, found, not flagged", "t_box"] == 1.0  # row B
    assert table.loc["clean, top 1", "score"] == 0.7  # E, not F


def test_a_dump_without_its_answers_is_refused(tmp_path: Path) -> None:
    dump, csv = _write(tmp_path, [("A", 1, 0.1, "step", 0.9, True, 0), ("B", 0, 0.0, "clean", 0.1, False, 0)])
    pd.read_csv(csv).iloc[:1].to_csv(csv, index=False)
    with pytest.raises(SystemExit, match="1 rows of the dump have no answer"):
        ff.joined([dump], [csv])
    with pytest.raises(SystemExit, match="1 dumps but 2 --rows files"):
        ff.joined([dump], [csv, csv])
