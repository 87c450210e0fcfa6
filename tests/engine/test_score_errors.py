"""A failure inside scoring one series: a bug stays a bug; only a fit the data cannot support is "not enough data"."""

from __future__ import annotations

from typing import Any, NoReturn

import numpy as np
import pandas as pd
import pytest

import detector
from detector import pipeline


def _one_series() -> pd.DataFrame:
    """Forty days of hourly load, enough to pass ingest's four-week minimum."""
    load = np.random.default_rng(3).uniform(1.0, 2.0, 24 * 40)
    ts = pd.date_range("2024-01-01", periods=len(load), freq="h", tz="UTC")
    return pd.DataFrame({"series_id": "m1", "timestamp": ts, "load": load})


def _raising(exc: BaseException) -> Any:
    def fake(*args: object, **kwargs: object) -> NoReturn:
        raise exc

    return fake


def test_a_programming_error_is_that_series_internal_error_not_too_little_data(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A bug in scoring one series says so, with its type, and the batch goes on with the other series."""
    real = pipeline.score_series
    bug = ValueError("operands could not be broadcast together with shapes (40,) (41,)")

    def buggy_for_m1(series: Any, *args: Any, **kwargs: Any) -> Any:
        if series.series_id == "m1":
            raise bug
        return real(series, *args, **kwargs)

    monkeypatch.setattr(pipeline, "score_series", buggy_for_m1)
    frame = pd.concat([_one_series(), _one_series().assign(series_id="m2")])
    results = dict(detector.iter_scores(frame, unit="kW", peers="none"))
    assert isinstance(results["m1"], detector.ScoringError)
    assert not isinstance(results["m1"], detector.DataSufficiencyError)
    assert str(results["m1"]) == (
        "internal error while scoring this series (ValueError: operands could not be broadcast together with "
        "shapes (40,) (41,)); it is logged, please report it [series 'm1']"
    )
    assert isinstance(results["m2"], detector.ScoreReport)  # the other series was scored
    assert "Traceback" in caplog.text or any(r.exc_info for r in caplog.records)  # the traceback is logged


def test_a_fit_the_data_cannot_support_is_that_series_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "score_series", _raising(np.linalg.LinAlgError("Singular matrix")))
    [(sid, result)] = detector.iter_scores(_one_series(), unit="kW", peers="none")
    assert sid == "m1"
    assert isinstance(result, detector.DataSufficiencyError)
    assert str(result) == "series could not be modelled: Singular matrix [series 'm1']"


def test_a_deliberate_refusal_inside_scoring_keeps_its_own_type_and_words(monkeypatch: pytest.MonkeyPatch) -> None:
    refusal = detector.InputValidationError(field="country", value="XX", reason="no holiday calendar for XX")
    monkeypatch.setattr(pipeline, "score_series", _raising(refusal))
    [(_, result)] = detector.iter_scores(_one_series(), unit="kW", peers="none")
    assert result is refusal
    assert str(result) == "field 'country': no holiday calendar for XX (got 'XX')"


def test_signature_features_narrow_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "signature_of", _raising(ValueError("n_peers is not in list")))
    with pytest.raises(ValueError, match=r"^n_peers is not in list$"):
        list(pipeline.iter_signatures(_one_series(), unit="kW", peers="none"))
    monkeypatch.setattr(pipeline, "signature_of", _raising(np.linalg.LinAlgError("SVD did not converge")))
    [(_, result)] = pipeline.iter_signatures(_one_series(), unit="kW", peers="none")
    assert str(result) == "series could not be modelled: SVD did not converge [series 'm1']"
