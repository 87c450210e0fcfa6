"""Curtailment rules by Solar Hijri month (issue 18): ``--curtail-months Tir-Shahrivar`` is matched by Solar Hijri
date, not by the Gregorian months it overlaps (Mehr runs 23 September to 22 October, not through October)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import detector
from detector.claims import parse_curtail_months, read_claims
from detector.cli import app
from tests.solar_hijri_text import EVENING, mehr_site

TZ = "Asia/Tehran"


@pytest.fixture(scope="module")
def site_frame() -> pd.DataFrame:
    return mehr_site()


@pytest.fixture(scope="module")
def site(site_frame: pd.DataFrame) -> detector.LoadSeries:
    return detector.load(site_frame, unit="MW", tz=TZ)[0]


def _claim(text: str) -> detector.Claim:
    months, calendar = parse_curtail_months(text)
    return detector.Claim(
        start="2023-05-01",
        rigs=3077,
        rig_model="S19",
        curtail_hours=EVENING,
        dedicated=True,
        curtail_months=months,
        curtail_calendar=calendar,
    )


@pytest.mark.parametrize(
    ("text", "months", "calendar"),
    [
        ("Tir-Shahrivar", (4, 5, 6), "solar-hijri"),
        ("tir - SHAHRIVAR", (4, 5, 6), "solar-hijri"),
        ("Dey-Farvardin", (1, 10, 11, 12), "solar-hijri"),  # across Nowruz
        ("Tir,Amordad", (4, 5), "solar-hijri"),
        ("Khordaad,Aabaan,Dei,Isfand", (3, 8, 10, 12), "solar-hijri"),
        ("تیر-شهریور", (4, 5, 6), "solar-hijri"),
        ("6-9", (6, 7, 8, 9), "gregorian"),  # numbers stay Gregorian months
        ("", (), "gregorian"),
    ],
)
def test_month_rules_parse_names_and_numbers(text: str, months: tuple[int, ...], calendar: str) -> None:
    assert parse_curtail_months(text) == (months, calendar)


@pytest.mark.parametrize("text", ["Tir-Summer", "Tir-9"])
def test_unknown_month_names_are_refused(text: str) -> None:
    with pytest.raises(detector.InputValidationError) as info:
        parse_curtail_months(text)
    assert str(info.value) == (
        "field 'curtail_months': use Solar Hijri month names like Tir-Shahrivar or Tir,Mordad (Farvardin to Esfand) "
        f"(got {text!r})"
    )


def test_mehr_rule_is_judged_on_mehr_not_on_october(site: detector.LoadSeries) -> None:
    by_mehr = detector.verify_claim(site, _claim("Mehr")).curtailment
    by_october = detector.verify_claim(site, _claim("10")).curtailment
    assert by_mehr is not None
    assert by_october is not None
    assert (by_mehr.verdict, by_mehr.months, by_mehr.calendar) == ("complies", (7,), "solar-hijri")
    assert "in Mehr" in by_mehr.reason
    assert by_mehr.shed_share > 0.95
    # October holds 9 days after Mehr with no shedding: read as Gregorian months, the rule is not met
    assert by_october.verdict != "complies"
    assert by_october.shed_share < 0.8


def test_cli_and_claims_file_take_persian_month_names(site_frame: pd.DataFrame, tmp_path: Path) -> None:
    site_frame.to_csv(tmp_path / "site.csv", index=False)
    args = ["verify", str(tmp_path / "site.csv"), "--tz", TZ, "--unit", "MW", "--start", "2023-05-01"]
    args += ["--rigs", "3077", "--rig-model", "S19", "--dedicated", "--curtail-hours", "19-23"]
    result = CliRunner().invoke(app, [*args, "--curtail-months", "Mehr", "--json", str(tmp_path / "v.json")])
    assert result.exit_code == 0, result.output
    out = json.loads((tmp_path / "v.json").read_text())
    assert (out["curtailment"]["verdict"], out["curtailment"]["months"]) == ("complies", [7])
    assert out["curtailment"]["calendar"] == "solar-hijri"
    bad = CliRunner().invoke(app, [*args, "--curtail-months", "Tir-Summer"])
    assert bad.exit_code == 2
    assert "field 'curtail_months': use Solar Hijri month names like Tir-Shahrivar" in " ".join(bad.output.split())
    (tmp_path / "claims.csv").write_text(
        "series_id,start,rigs,curtail_hours,curtail_months\nsite,2023-05-01,3077,19-23,Mehr\n"
    )
    (row,) = read_claims(tmp_path / "claims.csv")
    assert (row.claim.curtail_months, row.claim.curtail_calendar) == ((7,), "solar-hijri")
