"""`detector outcomes import|list` and ``read_outcomes``: all-or-nothing files, errors naming row, field and value."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from detector.cli import app
from detector.feedback import OutcomeFileError, read_outcomes
from detector.service.store import Base, Store

runner = CliRunner()
FIELD = Path(__file__).resolve().parents[2] / "sample_data" / "outcomes"
HEADER = "series_id,outcome,segment_start,note,recorded_by,inspected_at\n"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DETECTOR_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DETECTOR_DATABASE_URL", raising=False)
    return tmp_path


def _count(data_dir: Path) -> int:
    return Store(f"sqlite:///{data_dir / 'detector.db'}").outcomes()[0]


def test_import_then_reimport_records_each_outcome_once(data_dir: Path) -> None:
    first = runner.invoke(app, ["outcomes", "import", str(FIELD / "outcomes.csv")])
    assert first.exit_code == 0, first.output
    assert "imported 30 outcomes (ids 1-30)" in first.output
    again = runner.invoke(app, ["outcomes", "import", str(FIELD / "outcomes.csv")])
    assert again.exit_code == 0
    assert "imported 0 outcomes; 30 already recorded, skipped" in again.output
    assert _count(data_dir) == 30
    listed = runner.invoke(app, ["outcomes", "list", "--series", "feeder-0000", "--out", str(data_dir / "o.csv")])
    assert "1 outcomes" in listed.output
    rows = pd.read_csv(data_dir / "o.csv")
    assert rows[["series_id", "outcome", "recorded_by"]].values.tolist() == [
        ["feeder-0000", "mining", "field-team-north"]
    ]


def test_a_bad_file_imports_nothing_and_keeps_what_was_there(data_dir: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["outcomes", "import", str(FIELD / "outcomes.csv")]).exit_code == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER + "feeder-0001,mining,,ok,anna,2023-07-01\n"
        "feeder-0002,maybe,,,anna,\n"
        "feeder-0003,not_mining,2023-05-01 10:00,,anna,\n"
        "feeder-0004,not_mining,,,anna,01/07/2023\n"
        ",mining,,,anna,\n"
    )
    r = runner.invoke(app, ["outcomes", "import", str(bad)])
    assert r.exit_code == 2
    lines = r.output.splitlines()
    assert (
        "error: row 2, field 'outcome': outcome must be one of mining, not_mining, not_inspected (got 'maybe')" in lines
    )
    assert (
        "error: row 3, field 'segment_start': needs a UTC offset, e.g. 2024-03-20T09:00+03:30 (got '2023-05-01 10:00')"
        in lines
    )
    assert (
        "error: row 4, field 'inspected_at': not an ISO 8601 date-time, e.g. 2024-03-20T09:00+03:30 (got '01/07/2023')"
        in lines
    )
    assert "error: row 5, field 'series_id': series_id is empty (got '')" in lines
    assert "4 bad rows; nothing imported" in lines
    assert _count(data_dir) == 30  # the good row 1 is not stored, the earlier import is intact


def test_unknown_job_in_a_file_names_the_row(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "jobs.csv"
    bad.write_text("series_id,outcome,job_id\nfeeder-0001,mining,\nfeeder-0002,mining,0123abc\n")
    r = runner.invoke(app, ["outcomes", "import", str(bad), "--by", "anna"])
    assert r.exit_code == 2
    assert "error: row 2, field 'job_id': no job with this id (got '0123abc')" in r.output
    assert _count(data_dir) == 0


def test_who_recorded_it_comes_from_the_file_or_by(data_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("series_id,outcome\nfeeder-0001,not_inspected\n")
    r = runner.invoke(app, ["outcomes", "import", str(path)])
    assert r.exit_code == 2
    assert "row 1, field 'recorded_by': recorded_by is empty and no default is given (CLI: --by NAME)" in r.output
    ok = runner.invoke(app, ["outcomes", "import", str(path), "--by", "anna"])
    assert ok.exit_code == 0, ok.output
    _, rows = Store(f"sqlite:///{data_dir / 'detector.db'}").outcomes()
    assert [(o.recorded_by, o.outcome) for o in rows] == [("anna", "not_inspected")]


def test_read_outcomes_lists_every_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text("series_id,outcome\n" + "".join(f"m{i},{'yes' if i % 2 else 'mining'}\n" for i in range(30)))
    with pytest.raises(OutcomeFileError) as info:
        read_outcomes(path, recorded_by="anna")
    assert str(info.value) == (
        "row 2, field 'outcome': outcome must be one of mining, not_mining, not_inspected (got 'yes'); "
        "14 more bad rows (4, 6, 8, 10, 12, 14, 16, 18, 20, ...); nothing imported"
    )
    assert [e.row for e in info.value.errors] == list(range(2, 31, 2))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "series_id,result\nm1,mining\n",
            "field 'outcome': required column missing; an outcome file has columns series_id, outcome[, job_id, "
            "segment_start, model_version, note, recorded_by, inspected_at] (got ['series_id', 'result'])",
        ),
        (
            "series_id,outcome,inspector\nm1,mining,anna\n",
            "field 'inspector': unknown column; an outcome file has columns series_id, outcome[, job_id, "
            "segment_start, model_version, note, recorded_by, inspected_at] "
            "(got ['series_id', 'outcome', 'inspector'])",
        ),
        ("series_id,outcome\n", "field 'series_id': file has no data rows (got 0)"),
    ],
)
def test_bad_columns(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "o.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=re.escape(message)):
        read_outcomes(path, recorded_by="anna")


def test_dates_and_case_are_normalised(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_text(HEADER + "m1, Mining ,2023-05-01T10:00+03:30,,anna,2023-07-01\n")
    (draft,) = read_outcomes(path)
    assert draft.outcome == "mining"
    assert draft.segment_start is not None
    assert draft.segment_start.isoformat() == "2023-05-01T06:30:00+00:00"
    assert draft.inspected_at is not None
    assert draft.inspected_at.isoformat() == "2023-07-01T00:00:00+00:00"


def test_create_all_adds_the_outcomes_table_to_an_existing_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Store(url)
    Base.metadata.create_all(old.engine, tables=[t for name, t in Base.metadata.tables.items() if name != "outcomes"])
    key = old.create_key("before the upgrade")
    assert "outcomes" not in inspect(old.engine).get_table_names()
    new = Store(url)
    new.create_all()
    assert "outcomes" in inspect(new.engine).get_table_names()
    assert new.find_key(key) is not None  # existing rows untouched
    assert new.outcomes() == (0, [])


def test_a_value_that_looks_like_markup_is_printed_as_sent(data_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "markup.csv"
    bad.write_text(HEADER + "feeder-0001,[red]maybe,,,anna,\n")
    r = runner.invoke(app, ["outcomes", "import", str(bad)])
    assert r.exit_code == 2
    assert (
        "error: row 1, field 'outcome': outcome must be one of mining, not_mining, not_inspected (got '[red]maybe')"
        in r.output.splitlines()
    )


def test_recalibrate_names_the_flag_a_load_file_needs(data_dir: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["outcomes", "import", str(FIELD / "outcomes.csv")]).exit_code == 0
    loads = tmp_path / "loads.csv"
    pd.read_parquet(FIELD / "field.parquet").drop(columns="unit", errors="ignore").head(2000).to_csv(loads, index=False)
    r = runner.invoke(app, ["recalibrate", "--out", str(tmp_path / "m"), "--data", str(loads), "--tz", "Asia/Tehran"])
    assert r.exit_code == 2
    assert (
        "error: field '--unit': the unit is required: pass --unit (e.g. --unit kW) or add a 'unit' column (got None)"
        in r.output.splitlines()
    )
