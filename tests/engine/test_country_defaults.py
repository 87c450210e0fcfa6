"""The holiday country follows the zone when none is given, the result says so, and every command agrees."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import detector
from detector.cli import app

runner = CliRunner()
ZONES = {"America/Chicago": "US", "Asia/Tehran": "IR", "Europe/Madrid": "ES", "Australia/Melbourne": "AU"}


@pytest.fixture(scope="module")
def region() -> tuple[pd.DataFrame, str]:
    """35 days of one simulated region (UTC offsets in the timestamps, MW)."""
    fleet = detector.simulate.make_fleet(kind="region", n_series=1, days=35, seed=5, mining_share=0.0)
    return fleet.loads, fleet.unit


@pytest.mark.parametrize(("tz", "code"), list(ZONES.items()))
def test_zone_country_reads_the_tz_database(tz: str, code: str) -> None:
    assert detector.zone_country(tz) == code


def test_old_zone_names_follow_their_links_and_utc_has_no_country() -> None:
    assert detector.zone_country("US/Central") == "US"  # a link to America/Chicago
    assert detector.zone_country("Iran") == "IR"
    assert detector.zone_country("UTC") is None
    assert detector.zone_country("Etc/GMT+5") is None


@pytest.mark.parametrize("tz", ["America/Chicago", "Asia/Tehran", "Europe/Madrid"])
def test_score_infers_the_country_from_the_zone_and_says_so(region: tuple[pd.DataFrame, str], tz: str) -> None:
    loads, unit = region
    report = detector.score(loads, unit=unit, tz=tz)[0]
    assert report.quality["country"] == ZONES[tz]
    assert f"holiday calendar: {ZONES[tz]}, inferred from the zone {tz}" in report.warnings
    assert f"holiday calendar: {ZONES[tz]}, inferred from the zone {tz}" in report.to_row()["data_quality"]


def test_a_given_country_wins_without_a_note(region: tuple[pd.DataFrame, str]) -> None:
    loads, unit = region
    report = detector.score(loads, unit=unit, tz="America/Chicago", country="mx")[0]
    assert report.quality["country"] == "MX"
    assert not [w for w in report.warnings if w.startswith("holiday calendar")]


def test_a_zone_of_no_country_keeps_the_default_and_says_which(region: tuple[pd.DataFrame, str]) -> None:
    loads, unit = region
    report = detector.score(loads, unit=unit)[0]  # no zone: UTC, as ingest reads it
    assert report.quality["country"] == "IR"
    assert "holiday calendar: IR, the default, as the zone UTC names no country" in report.warnings


def test_inferred_country_scores_as_if_given(region: tuple[pd.DataFrame, str]) -> None:
    loads, unit = region
    inferred = detector.score(loads, unit=unit, tz="America/Chicago")[0]
    given = detector.score(loads, unit=unit, tz="America/Chicago", country="US")[0]
    assert inferred.score == given.score
    assert inferred.evidence == given.evidence


def test_an_unknown_zone_is_an_error_on_tz() -> None:
    with pytest.raises(detector.InputValidationError, match=r"^field 'tz': unknown time zone"):
        detector.calendar_country(None, "Mars/Olympus")


@pytest.fixture(scope="module")
def region_csv(region: tuple[pd.DataFrame, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    loads, unit = region
    path = tmp_path_factory.mktemp("country") / "region.csv"
    loads.assign(unit=unit).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("tz", ["America/Chicago", "Asia/Tehran", "Europe/Madrid"])
def test_cli_score_infers_the_country_and_says_so(region_csv: Path, tmp_path: Path, tz: str) -> None:
    out = tmp_path / "scores.csv"
    result = runner.invoke(app, ["score", str(region_csv), "--out", str(out), "--tz", tz])
    assert result.exit_code == 0, result.output
    note = f"holiday calendar: {ZONES[tz]}, inferred from the zone {tz}"
    assert f"note: {note}" in result.stdout
    assert result.stderr == ""  # stderr is for errors and failed series
    assert note in pd.read_csv(out)["data_quality"].iloc[0]


def test_cli_score_with_a_country_prints_no_note(region_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "scores.csv"
    args = ["score", str(region_csv), "--out", str(out), "--tz", "America/Chicago", "--country", "us"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "holiday calendar" not in result.output
    assert "holiday calendar" not in pd.read_csv(out)["data_quality"].iloc[0]


def test_score_train_and_evaluate_share_their_zone_and_country_defaults() -> None:
    """No command defaults the zone to Asia/Tehran any more; --help says what happens without one."""
    for command in ("score", "train", "evaluate", "verify"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0, result.output
        text = " ".join(result.output.replace("│", " ").split())  # rich's panel, wrapped at 80 columns
        assert "default: the country of --tz" in text, command
        assert "calendar is UTC" in text, command
        assert "[default: Asia/Tehran]" not in text, command
        assert "[default: IR]" not in text, command


def test_train_without_tz_reads_naive_timestamps_as_score_does(tmp_path: Path) -> None:
    """Naive timestamps without --tz are an error naming --tz in both commands (train used to assume Tehran)."""
    fleet = detector.simulate.make_fleet(kind="feeder", n_series=4, days=30, seed=2)
    naive = fleet.loads.assign(timestamp=fleet.loads.timestamp.dt.tz_localize(None), unit=fleet.unit)
    naive.to_csv(tmp_path / "naive.csv", index=False)
    fleet.truth.to_csv(tmp_path / "naive.truth.csv", index=False)
    score = runner.invoke(app, ["score", str(tmp_path / "naive.csv"), "--out", str(tmp_path / "s.csv"), "--quiet"])
    train = runner.invoke(app, ["train", str(tmp_path / "naive.csv"), "--out", str(tmp_path / "model")])
    assert score.exit_code == 1  # every series failed: their reasons go to stderr
    assert "give --tz (e.g. --tz Asia/Tehran)" in score.stderr
    assert train.exit_code == 2
    assert "give --tz (e.g. --tz Asia/Tehran)" in train.stderr
