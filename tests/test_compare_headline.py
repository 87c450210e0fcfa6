"""``benchmarks/compare_headline.py``: before and after on the same headline rows, with zone-year bootstrap intervals.

Known tables: the differences it reports are the ones built in, its intervals hold them, and rows that are not
the same benchmark run stop it with the row named.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer

from tests.conftest import BENCHMARKS, benchmark_module

sys.path.insert(0, str(BENCHMARKS))  # the scripts import each other by name, as run from that folder
ch = benchmark_module("compare_headline")


def _rows(n_zones: int = 12, rounds: int = 2) -> pd.DataFrame:
    """A province-mode run: per zone-year and round one window; mining of 10 % in a third of them, scored high."""
    rows = []
    for z in range(n_zones):
        for r in range(rounds):
            mining = (z + r) % 3 == 0
            rows.append(
                {
                    "mode": "province",
                    "source": "pjm",
                    "series_id": f"Z{z:02d}",
                    "year": 2014,
                    "round": r,
                    "label": int(mining),
                    "size": 0.1 if mining else 0.05,
                    "scenario": "step" if mining else "clean",
                    "score": 0.6 + 0.01 * z if mining else 0.1 + 0.01 * z,
                    "flagged": mining,
                }
            )
    return pd.DataFrame(rows)


def _write(tmp_path: Path, name: str, rows: pd.DataFrame) -> Path:
    path = tmp_path / name
    rows.to_csv(path, index=False)
    return path


def test_the_difference_is_the_one_built_in_and_its_interval_holds_it(tmp_path: Path) -> None:
    before = _rows()
    after = before.copy()
    missed = after.index[after.label == 1][:2]  # the second run misses two of the eight events
    after.loc[missed, "flagged"] = False
    result = ch.compare([_write(tmp_path, "a.csv", before), _write(tmp_path, "b.csv", after)], draws=300)
    recall = result["province"]["recall_0.1"]
    assert (recall["before"], recall["after"]) == (1.0, 0.75)
    assert recall["difference"] == -0.25
    low, high = recall["interval_90"]
    assert low <= -0.25 <= high <= 0.0
    assert recall["share_of_draws_higher"] == 0.0
    assert result["province"]["ap"]["difference"] == 0.0  # the scores did not move
    assert (result["province"]["windows"], result["province"]["zone_years"]) == (24, 12)


def test_one_file_gives_its_own_intervals(tmp_path: Path) -> None:
    result = ch.compare([_write(tmp_path, "a.csv", _rows())], draws=200)
    ap = result["province"]["ap"]
    assert ap["value"] == 1.0
    assert ap["interval_90"] == [1.0, 1.0]
    assert ch.lines(result)[0] == "province: 24 windows, 12 zone-years"


def test_both_runs_are_read_on_the_same_draws() -> None:
    rows = _rows(n_zones=5, rounds=3)
    flagged = rows.flagged | (rows.series_id == "Z01")  # the second run also flags Z01's clean windows
    both = rows.assign(score_after=rows.score, flagged_after=flagged)
    boot = ch.bootstrap(both, ["", "_after"], draws=50, seed=1)
    assert boot["ap"].shape == (50, 2)
    assert np.array_equal(boot["ap"][:, 0], boot["ap"][:, 1], equal_nan=True)  # same scores, same draws
    # Wherever Z01 is drawn, the second run flags more clean windows; nowhere fewer.
    rise = boot["fpr_clean"][:, 1] - boot["fpr_clean"][:, 0]
    assert (rise >= 0).all()
    assert (rise > 0).any()


def test_rows_of_another_run_are_refused_with_the_row_named(tmp_path: Path) -> None:
    before = _rows()
    after = before[before.series_id != "Z03"]
    with pytest.raises(typer.BadParameter, match=r"row mode=province, source=pjm, series_id=Z03, year=2014, round=0 "):
        ch.compare([_write(tmp_path, "a.csv", before), _write(tmp_path, "b.csv", after)], draws=10)
    other = before.assign(size=np.where(before.series_id == "Z05", 0.2, before["size"]))
    with pytest.raises(typer.BadParameter, match=r"series_id=Z05, year=2014, round=0: size 0.05 in the first file"):
        ch.compare([_write(tmp_path, "a.csv", before), _write(tmp_path, "c.csv", other)], draws=10)


def test_a_file_without_the_answers_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "a.csv", _rows().drop(columns=["flagged"]))
    with pytest.raises(typer.BadParameter, match=r"a.csv: no column\(s\) flagged; write it with headline.py --out"):
        ch.compare([path], draws=10)
    with pytest.raises(typer.BadParameter, match=r"nothing.csv: no such file"):
        ch.compare([tmp_path / "nothing.csv"], draws=10)


def _write_starts(tmp_path: Path, name: str, per_start: list[pd.DataFrame]) -> Path:
    """The four per-start files of ``headline.py --start-month all --out NAME.csv``; returns the first."""
    for rows, suffix in zip(per_start, ("", "_m4", "_m7", "_m10"), strict=True):
        _write(tmp_path, f"{name}{suffix}.csv", rows)
    return tmp_path / f"{name}.csv"


def test_the_four_starts_are_pooled_and_a_change_in_one_of_them_is_read(tmp_path: Path) -> None:
    before = [_rows() for _ in range(4)]
    after = [r.copy() for r in before]
    july = after[2]
    july.loc[july.index[july.label == 1][:4], "flagged"] = False  # July's run misses half its eight events
    result = ch.compare(
        [_write_starts(tmp_path, "before", before), _write_starts(tmp_path, "after", after)], draws=300, starts=True
    )
    block = result["province"]
    assert (block["windows"], block["zone_years"]) == (96, 12)  # a zone-year's four windows are drawn together
    assert (block["recall_0.1"]["before"], block["recall_0.1"]["after"]) == (1.0, 0.875)
    assert result["starts_pooled"] is True


def test_pooling_names_a_missing_start_file(tmp_path: Path) -> None:
    first = _write_starts(tmp_path, "run", [_rows() for _ in range(4)])
    (tmp_path / "run_m7.csv").unlink()
    missing = r"run_m7.csv: no such file \(--starts needs the four files of headline.py --start-month all\)"
    with pytest.raises(typer.BadParameter, match=missing):
        ch.compare([first], draws=10, starts=True)


def test_the_held_out_point_is_the_lowest_that_keeps_every_limit() -> None:
    # 100 clean windows scored 0.00-0.99 allow one at or above the point (1 %): clean alone needs just over 0.98.
    # 20 growth windows allow one (5 %): growth needs just over 0.985, and binds.
    clean = np.arange(100) / 100
    growth = np.array([0.995, 0.985, 0.5, *np.zeros(17)])
    y = np.array([0] * 120 + [1, 1])
    score = np.concatenate([clean, growth, [0.99, 0.9]])
    kinds = np.array(["clean"] * 100 + ["growth"] * 20 + ["step"] * 2)
    cut = ch.point_within_limits(y, score, kinds)
    assert 0.985 < cut < 0.99
    flagged = score >= cut
    assert (flagged[kinds == "clean"].sum(), flagged[kinds == "growth"].sum(), flagged[y == 1].sum()) == (1, 1, 1)
