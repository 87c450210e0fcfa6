"""`detector score --workers N` writes exactly the score file of one process."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from detector.cli import app

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
runner = CliRunner()


def test_two_workers_write_the_same_score_file(tmp_path: Path) -> None:
    frame = pd.read_parquet(SAMPLE / "tehran_feeders.parquet")  # 262,800 rows: two blocks of whole series
    bad = frame[frame.series_id == frame.series_id.iloc[0]].assign(series_id="broken", load=-1.0)
    src = tmp_path / "feeders.parquet"
    pd.concat([frame, bad]).to_parquet(src)
    files = {}
    for workers in ("1", "2"):
        out, seg = tmp_path / f"scores{workers}.csv", tmp_path / f"segments{workers}.csv"
        args = ["score", str(src), "--out", str(out), "--segments", str(seg), "--tz", "Asia/Tehran"]
        result = runner.invoke(app, [*args, "--workers", workers, "--quiet"])
        assert result.exit_code == 1, result.output  # the broken series failed, the others were scored
        files[workers] = (out.read_bytes(), seg.read_bytes())
    assert files["2"] == files["1"]
    assert len(pd.read_csv(tmp_path / "scores2.csv")) == 31
