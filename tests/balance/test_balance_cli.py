"""`detector balance` through typer's runner on the shipped sample: ranked table, files, clean errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from detector.cli import app

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "balance"


def _args(out: Path, mapping: Path = SAMPLE / "mapping.csv") -> list[str]:
    return [
        "balance",
        "--feeders", str(SAMPLE / "feeders.parquet"),
        "--meters", str(SAMPLE / "meters.parquet"),
        "--mapping", str(mapping),
        "--tz", "Asia/Tehran",
        "--out", str(out),
    ]  # fmt: skip


def test_balance_writes_the_ranked_list(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, _args(tmp_path / "out"), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "6 feeders balanced: 2 with an unbilled step, 0 undecidable" in result.output
    ranked = pd.read_csv(tmp_path / "out" / "balance.csv")
    assert list(ranked.feeder_id[:2]) == ["feeder-01", "feeder-02"]
    assert list(ranked.columns[:6]) == ["rank", "feeder_id", "verdict", "onset", "end", "unbilled_load"]
    assert (ranked.verdict == "unbilled-step").sum() == 2
    daily = pd.read_csv(tmp_path / "out" / "balance_daily.csv")
    assert set(daily.feeder_id) == set(ranked.feeder_id)
    moved = pd.read_csv(tmp_path / "out" / "balance_meters.csv")
    assert list(moved[moved.kind == "dropped"].meter_id) == ["feeder-02-m32"]


def test_bad_mapping_is_one_line_and_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "mapping.csv"
    frame = pd.read_csv(SAMPLE / "mapping.csv", dtype=str)
    frame.loc[0, "feeder_id"] = "feeder-77"
    frame.to_csv(bad, index=False)
    result = CliRunner().invoke(app, _args(tmp_path / "out", bad))
    assert result.exit_code == 2
    assert result.output.strip() == (
        "error: mapping: row 1, field 'feeder_id': no feeder series with this id (got 'feeder-77')"
    )


def test_a_missing_unit_names_the_flag_of_its_table(tmp_path: Path) -> None:
    pd.read_parquet(SAMPLE / "meters.parquet").drop(columns="unit").to_parquet(tmp_path / "meters.parquet")
    args = _args(tmp_path / "out")
    args[args.index("--meters") + 1] = str(tmp_path / "meters.parquet")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.output == (
        "error: meters: field '--meter-unit': the unit is required: pass --meter-unit (e.g. --meter-unit kW) "
        "or add a 'unit' column (got None)\n"
    )
