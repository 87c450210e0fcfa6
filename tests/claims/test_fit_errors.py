"""Claims' fits that fail and rig tables that are wrong: one clear error naming the series, or row, field and value.

NumPy's least squares does not raise on a singular design (a constant or all-zero load gets a minimum-norm fit,
then "too regular"); it raises ``LinAlgError`` when LAPACK's SVD does not converge. That is provoked here by
making the fit raise it, once for each of the claim's fits: a peer's step, the hourly profile, the curtailment.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import detector
from detector.claims import read_rig_table, verify_claims
from detector.claims.model import ClaimRow
from detector.cli import app

CLAIMS = Path(__file__).resolve().parents[2] / "sample_data" / "claims"
CLAIM = detector.Claim(start="2023-05-22", rigs=22869, rig_model="S19")


@pytest.fixture(scope="module")
def province() -> dict[str, detector.LoadSeries]:
    return {s.series_id: s for s in detector.load(CLAIMS / "province.parquet", tz="Asia/Tehran")}


def _no_convergence(*args: object, **kwargs: object) -> object:
    raise np.linalg.LinAlgError("SVD did not converge")


def test_a_peer_whose_fit_fails_is_that_claims_error(
    province: dict[str, detector.LoadSeries], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("detector.claims.engine.estimate_step", _no_convergence)  # the peers' step fits come first
    message = "peer 'county-E' could not be modelled: SVD did not converge [series 'county-A']"
    with pytest.raises(detector.DataSufficiencyError, match=f"^{re.escape(message)}$"):
        detector.verify_claim(province["county-A"], CLAIM, peers=[province["county-E"]])


def test_an_hourly_fit_that_fails_is_that_claims_error(
    province: dict[str, detector.LoadSeries], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("detector.claims.engine._hourly_excess", _no_convergence)
    message = "the hourly load could not be modelled: SVD did not converge [series 'county-A']"
    with pytest.raises(detector.DataSufficiencyError, match=f"^{re.escape(message)}$"):
        detector.verify_claim(province["county-A"], CLAIM)


def test_a_curtailment_fit_that_fails_is_one_claims_error_in_a_batch(
    province: dict[str, detector.LoadSeries], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("detector.claims.curtailment.estimate_step", _no_convergence)
    rule = detector.Claim(start="2023-05-22", rigs=22869, rig_model="S19", curtail_hours=(18, 19, 20, 21))
    rows = [ClaimRow("ruled", "county-A", rule), ClaimRow("plain", "county-B", CLAIM)]
    (_, ruled), (_, plain) = verify_claims(list(province.values()), rows)
    assert isinstance(ruled, detector.DataSufficiencyError)
    assert str(ruled) == (
        "the load in the curtailment hours could not be modelled: SVD did not converge [series 'county-A']"
    )
    assert isinstance(plain, detector.Verification)  # the other claims are still checked


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("model,kw\nS23,4.1\nS25,-3\n", "row 2, field 'kw': kW per rig must be > 0 (got '-3')"),
        ("model,kw\nS23,four\n", "row 1, field 'kw': kW per rig is not a number (got 'four')"),
        ("model,kw\nS23,nan\n", "row 1, field 'kw': kW per rig must be > 0 (got 'nan')"),
        ("model,kw\nS23,4.1\n ,3.0\n", "row 2, field 'model': rig model is empty (got '')"),
        ("model,kw\nS23\n", "row 1, field 'kw': kW per rig is not a number (got '')"),
        ("model,watts\nS23,4100\n", "field 'kw': rig table needs this column (got ['model', 'watts'])"),
    ],
)
def test_a_bad_rig_table_names_row_field_and_value(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rigs.csv"
    path.write_text(text)
    with pytest.raises(detector.InputValidationError, match=f"^{re.escape(message)}$"):
        read_rig_table(path)


def test_a_rig_table_adds_rigs_and_overrides_the_built_in_ones(tmp_path: Path) -> None:
    path = tmp_path / "rigs.csv"
    path.write_text("model,kw\nS23, 4.1\nS19,3.4\n")
    table = read_rig_table(path)
    assert (table["S23"], table["S19"], table["S9"]) == (4.1, 3.4, detector.RIGS["S9"])


def test_cli_verify_refuses_a_bad_rig_table_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "rigs.csv"
    path.write_text("model,kw\nS23,0\n")
    args = ["verify", str(CLAIMS / "province.parquet"), "--series-id", "county-A", "--start", "2023-05-22"]
    result = CliRunner().invoke(app, [*args, "--rigs", "100", "--rig-model", "S23", "--rig-table", str(path)])
    assert result.exit_code == 2
    assert result.stderr == "error: row 1, field 'kw': kW per rig must be > 0 (got '0')\n"
