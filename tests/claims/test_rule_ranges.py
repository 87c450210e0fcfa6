"""Curtailment rule ranges: an end outside the cycle is named (which range, which end, which bounds); a bug is not.

Before, a range check raised a bare ValueError inside the try that turned any ValueError into the generic hint,
so an out-of-range end and a bug in the range arithmetic both read "use local hours like 18-22".
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import detector
from detector.claims import ClaimRow, model, parse_curtail_months, parse_hours, parse_months, read_claims, verify_claims
from detector.cli import app

PROVINCE = Path(__file__).resolve().parents[2] / "sample_data" / "claims" / "province.parquet"
HOURS_HINT = "use local hours like 18-22 or 18,19,20,21"
MONTHS_HINT = "use months like 6-9 or 6,7,8 (1 = January)"


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (parse_hours, "18-25", f"field 'curtail_hours': range '18-25' ends at 25, outside 0..24; {HOURS_HINT}"),
        (parse_hours, "7,24-2", f"field 'curtail_hours': range '24-2' starts at 24, outside 0..23; {HOURS_HINT}"),
        (parse_months, "0-3", f"field 'curtail_months': range '0-3' starts at 0, outside 1..12; {MONTHS_HINT}"),
        (parse_months, "11-13", f"field 'curtail_months': range '11-13' ends at 13, outside 1..12; {MONTHS_HINT}"),
    ],
)
def test_a_range_end_outside_the_cycle_is_named(
    parse: Callable[[str], tuple[int, ...]], text: str, message: str
) -> None:
    with pytest.raises(detector.InputValidationError) as err:
        parse(text)
    assert str(err.value) == f"{message} (got {text!r})"
    assert (err.value.field, err.value.value) == (message.split("'")[1], text)


def test_the_ends_of_the_cycle_are_still_allowed() -> None:
    assert parse_hours("18-24") == (18, 19, 20, 21, 22, 23)
    assert parse_hours("0-24") == tuple(range(24))
    assert parse_months("1-12") == tuple(range(1, 13))
    assert parse_curtail_months("6-12") == ((6, 7, 8, 9, 10, 11, 12), "gregorian")


def test_words_still_get_the_hint() -> None:
    with pytest.raises(detector.InputValidationError) as err:
        parse_hours("evening")
    assert str(err.value) == f"field 'curtail_hours': {HOURS_HINT} (got 'evening')"


def test_a_bug_in_the_range_arithmetic_is_not_reported_as_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> range:
        raise ValueError("a bug, not the user's hours")

    monkeypatch.setattr(model, "range", broken, raising=False)  # the wrap-around expansion of 18-22
    with pytest.raises(ValueError, match=r"^a bug, not the user's hours$") as err:
        parse_hours("18-22")
    assert not isinstance(err.value, detector.DetectorError)


def test_claims_file_and_cli_name_the_range_row_and_field(tmp_path: Path) -> None:
    (tmp_path / "claims.csv").write_text("series_id,start,rigs,curtail_hours\ncounty-A,2023-05-22,5,18-25\n")
    with pytest.raises(detector.InputValidationError) as err:
        read_claims(tmp_path / "claims.csv")
    assert str(err.value) == (
        f"row 1, field 'curtail_hours': range '18-25' ends at 25, outside 0..24; {HOURS_HINT} (got '18-25')"
    )
    args = ["verify", str(PROVINCE), "--series-id", "county-A", "--start", "2023-05-22", "--rigs", "100"]
    result = CliRunner().invoke(app, [*args, "--curtail-months", "6-13"])
    assert result.exit_code == 2
    assert f"field 'curtail_months': range '6-13' ends at 13, outside 1..12; {MONTHS_HINT}" in " ".join(
        result.output.split()
    )
    assert "Traceback" not in result.output


def _fit_fails_with(exc: Exception) -> Callable[..., object]:
    def fit(*_: object) -> object:
        raise exc

    return fit


def test_only_a_failed_fit_reads_could_not_be_modelled_and_a_bug_stays_a_bug(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Guards the engine's one "could not be modelled": numpy's LinAlgError from the step fit is the series' data
    problem (DataSufficiencyError, named series); any other ValueError there is a bug and escapes as itself, also
    from ``verify_claims``, which keeps only deliberate errors as a claim's row."""
    from detector.claims import engine

    series = [s for s in detector.load(PROVINCE, tz="Asia/Tehran") if s.series_id == "county-A"]
    claim = detector.Claim(start="2023-05-22", rigs=22869, rig_model="S19")
    monkeypatch.setattr(engine, "estimate_step", _fit_fails_with(np.linalg.LinAlgError("SVD did not converge")))
    with pytest.raises(detector.DataSufficiencyError) as err:
        detector.verify_claim(series[0], claim)
    assert str(err.value) == "the load could not be modelled: SVD did not converge [series 'county-A']"
    monkeypatch.setattr(engine, "estimate_step", _fit_fails_with(ValueError("operands could not be broadcast")))
    with pytest.raises(ValueError, match=r"^operands could not be broadcast$") as bug:
        detector.verify_claim(series[0], claim)
    assert not isinstance(bug.value, detector.DetectorError)
    with pytest.raises(ValueError, match=r"^operands could not be broadcast$"):
        verify_claims(series, [ClaimRow("1", "county-A", claim)])
