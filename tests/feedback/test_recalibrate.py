"""Recalibration on the field sample: a new loadable version, scores moved as intended, past results untouched."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import detector
from detector.cli import app
from detector.feedback import (
    LoadSource,
    OutcomeDraft,
    Recalibration,
    best_cut,
    fit_calibrator,
    read_outcomes,
    recalibrate,
    series_labels,
)
from detector.models.classifier import Calibrator

FIELD = Path(__file__).resolve().parents[2] / "sample_data" / "outcomes"
runner = CliRunner()


@pytest.fixture(scope="module")
def source(field_loads: pd.DataFrame) -> LoadSource:
    return LoadSource(field_loads, tz="Asia/Tehran")


@pytest.fixture(scope="module")
def recal(source: LoadSource) -> Recalibration:
    return recalibrate(read_outcomes(FIELD / "outcomes.csv"), {None: source}, budget=10)


def test_report_counts_what_was_used(recal: Recalibration) -> None:
    r = recal.report
    parent = detector.load_model()
    assert (r.n_outcomes, r.n_not_inspected, r.n_series, r.n_mining, r.n_not_mining) == (27, 3, 27, 5, 22)
    assert r.n_population == 100
    assert r.folds == 5
    assert r.parent_version == parent.version
    assert r.model_version.startswith("recalibrated-")
    assert r.model_version == recal.model.version != parent.version
    assert r.before.threshold == parent.threshold
    assert r.after.threshold == recal.model.threshold
    assert r.skipped == ()
    # a monotone refit keeps each fold's order: the same precision in the top K, on the same held-out series
    assert r.after.precision_at_budget == r.before.precision_at_budget
    # Out of fold, with one mining series held out per fold, the Brier score of 27 outcomes is noise: lower after
    # the refit under model e04854b7, higher under 33e83eaa (0.062 -> 0.070). The report gives it as measured;
    # that the refit fits the field is held in sample below.
    assert 0 < r.before.brier < 1
    assert 0 < r.after.brier < 1


def test_the_refit_fits_the_fields_outcomes(recal: Recalibration, field_loads: pd.DataFrame) -> None:
    """The field's prevalence is below training's: the refit lowers the not-mining scores, raises the mining."""
    outcomes = pd.read_csv(FIELD / "outcomes.csv").groupby("series_id").outcome.first()
    inspected = outcomes[outcomes.isin(["mining", "not_mining"])]
    frame = field_loads[field_loads.series_id.isin(inspected.index)]
    before = {r.series_id: r.score for r in detector.score(frame, tz="Asia/Tehran")}
    after = {r.series_id: r.score for r in detector.score(frame, tz="Asia/Tehran", model=recal.model)}
    y = np.array([inspected[s] == "mining" for s in sorted(before)], dtype=float)
    p_before = np.array([before[s] for s in sorted(before)])
    p_after = np.array([after[s] for s in sorted(before)])
    assert np.mean((p_after - y) ** 2) < np.mean((p_before - y) ** 2)
    assert p_after[y == 0].mean() < p_before[y == 0].mean()
    assert p_after[y == 1].mean() > p_before[y == 1].mean()


def test_new_version_round_trips_with_its_lineage(recal: Recalibration, tmp_path: Path) -> None:
    detector.save_model(recal.model, tmp_path / "m")
    loaded = detector.load_model(tmp_path / "m")
    assert loaded.version == recal.model.version
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    lineage = manifest["recalibration"]
    assert lineage["parent_model_version"] == detector.load_model().version
    assert lineage["n_outcomes"] == 27
    assert set(lineage["before"]) == set(lineage["after"]) >= {"precision_at_budget", "brier", "threshold", "flagged"}
    assert loaded.metadata["recalibration"] == lineage


@pytest.mark.slow  # scores the 100 field series twice (about 30 s under the parallel suite): `make test-slow`
def test_scores_move_but_the_ranking_and_trees_stay(recal: Recalibration, field_loads: pd.DataFrame) -> None:
    parent = detector.load_model()
    old = {r.series_id: r for r in detector.score(field_loads, tz="Asia/Tehran", model=parent)}
    new = {r.series_id: r for r in detector.score(field_loads, tz="Asia/Tehran", model=recal.model)}
    assert {r.model_version for r in new.values()} == {recal.model.version}
    assert {r.model_version for r in old.values()} == {parent.version}
    # The parent answers some series from their alone reading (``scoring.ALONE_FLAG_WARNING``); a recalibrated model
    # keeps the reading with peers its map was fit on, so the comparison is over the parent's answers with peers.
    alone = {s for s, r in old.items() if any(w.startswith("flagged on its own load") for w in r.warnings)}
    assert not any(any(w.startswith("flagged on its own load") for w in r.warnings) for r in new.values())
    ids = sorted(set(old) - alone, key=lambda s: old[s].score)
    p_old, p_new = np.array([old[s].score for s in ids]), np.array([new[s].score for s in ids])
    assert np.abs(p_new - p_old).max() > 0.05  # the probability scale moved
    assert np.all(np.diff(p_new) >= 0)  # ...monotonically: the inspection order is the parent's
    assert [s for s in ids if new[s].flagged] == [s for s in ids if new[s].score >= recal.model.threshold]
    assert sum(r.flagged for r in new.values()) == recal.report.after.flagged
    assert sum(old[s].flagged for s in ids) == recal.report.before.flagged
    # The parent's false-alarm tables read its own scale: a recalibrated answer says nothing rather than misread.
    assert all(r.false_alarm_rate is not None for r in old.values())
    assert all(r.false_alarm_rate is None for r in new.values())
    for s in ids:  # segments, excess load and evidence do not depend on the calibration
        assert (new[s].onset, new[s].excess_load, new[s].evidence) == (
            old[s].onset,
            old[s].excess_load,
            old[s].evidence,
        )


def test_needs_both_kinds_of_outcome(source: LoadSource) -> None:
    drafts = [OutcomeDraft("feeder-0000", "mining"), OutcomeDraft("feeder-0003", "not_mining")]
    drafts += [OutcomeDraft(f"feeder-00{i}", "not_inspected") for i in range(10, 20)]
    with pytest.raises(detector.DataSufficiencyError) as info:
        recalibrate(drafts, {None: source})
    assert str(info.value) == (
        "recalibration needs inspected series of both kinds, at least 2 'mining' and 2 'not_mining' "
        "(with their loads); got 1 and 1"
    )


def test_no_more_folds_than_mining_series(source: LoadSource) -> None:
    drafts = read_outcomes(FIELD / "outcomes.csv")
    mining = [d for d in drafts if d.outcome == "mining"]
    kept = [d for d in drafts if d.outcome != "mining"] + mining[:3]
    report = recalibrate(kept, {None: source}, budget=10).report
    assert report.n_mining == 3
    assert report.folds == 3


def test_outcomes_without_loads_are_skipped_and_named(source: LoadSource) -> None:
    extra = [OutcomeDraft("feeder-9999", "mining"), OutcomeDraft("feeder-0050", "mining", job_id="abc")]
    drafts = [*read_outcomes(FIELD / "outcomes.csv"), *extra]
    report = recalibrate(drafts, {None: source}, budget=10).report
    assert report.skipped == (
        "'feeder-9999': not in the data given for outcomes without a job",
        "'feeder-0050': no loads for job abc",
    )
    assert report.n_series == 27


def test_latest_outcome_per_segment_decides_and_not_inspected_says_nothing() -> None:
    t = pd.Timestamp
    drafts = [
        OutcomeDraft("a", "not_mining", inspected_at=t("2023-06-01", tz="UTC")),
        OutcomeDraft("a", "mining", inspected_at=t("2023-07-01", tz="UTC")),  # later: wins
        OutcomeDraft("b", "mining", inspected_at=t("2023-07-01", tz="UTC")),
        OutcomeDraft("b", "not_mining", inspected_at=t("2023-06-01", tz="UTC")),  # earlier: loses
        OutcomeDraft("c", "not_mining"),
        OutcomeDraft("c", "mining", segment_start=t("2023-05-01", tz="UTC")),  # one mined segment: mining
        OutcomeDraft("d", "not_mining"),
        OutcomeDraft("d", "not_inspected"),
        OutcomeDraft("e", "not_inspected"),
    ]
    labels, counts, excluded = series_labels(drafts)
    assert labels == {(None, "a"): 1, (None, "b"): 1, (None, "c"): 1, (None, "d"): 0}
    assert counts[(None, "a")] == 2
    assert excluded == 2


def test_calibrator_shrinks_toward_the_parent() -> None:
    parent = Calibrator(np.array([-4.0, 0.0, 4.0]), np.array([0.1, 0.5, 0.9]))
    m = np.linspace(-1, 1, 20)
    y = np.zeros(20)  # the field says: none of these mine
    strong, none = fit_calibrator(parent, m, y, 1e6), fit_calibrator(parent, m, y, 0.0)
    inside = np.linspace(-1, 1, 7)
    np.testing.assert_allclose(strong(inside), parent(inside), atol=2e-3)  # a huge prior: the parent's map
    assert none(inside).max() < 2e-3  # no prior: what the outcomes say
    middle = fit_calibrator(parent, m, y, 20.0)(inside)  # the prior worth as many inspections as the outcomes
    assert np.all(middle < parent(inside))
    assert middle.max() > 0.1
    assert none(np.array([4.0]))[0] == pytest.approx(parent(np.array([4.0]))[0])  # beyond the outcomes: parent
    grid = np.linspace(-6, 6, 200)
    assert np.all(np.diff(none(grid)) >= 0)


def test_cli_recalibrates_from_imported_outcomes_and_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DETECTOR_DATA_DIR", str(tmp_path))
    assert runner.invoke(app, ["outcomes", "import", str(FIELD / "outcomes.csv")]).exit_code == 0
    args = ["recalibrate", "--data", str(FIELD / "field.parquet"), "--tz", "Asia/Tehran", "--budget", "10"]
    r = runner.invoke(app, [*args, "--out", str(tmp_path / "m"), "--report", str(tmp_path / "r.json")])
    assert r.exit_code == 0, r.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["n_outcomes"] == 27
    assert detector.load_model(tmp_path / "m").version == report["model_version"]
    assert f"model {report['model_version']} (parent {report['parent_version']})" in r.output.replace("\n", " ")


def test_cli_finds_the_loads_of_outcomes_on_a_job(
    client: TestClient, job: dict[str, Any], service_dir: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    truth = pd.read_csv(FIELD / "field.truth.csv").set_index("series_id")["label"]
    results = client.get(f"/v1/jobs/{job['id']}/results", params={"limit": 20}).json()["items"]
    for item in results:  # the top 20 of the job inspected
        outcome = "mining" if truth[item["series_id"]] else "not_mining"
        body = {"series_id": item["series_id"], "outcome": outcome, "job_id": job["id"]}
        assert client.post("/v1/outcomes", json=body).status_code == 201
    before = client.get(f"/v1/jobs/{job['id']}/results", params={"limit": 1000}).json()
    monkeypatch.setenv("DETECTOR_DATA_DIR", str(service_dir))
    started = time.monotonic()
    r = runner.invoke(app, ["recalibrate", "--out", str(tmp_path / "m"), "--report", str(tmp_path / "r.json")])
    assert r.exit_code == 0, r.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["n_series"] == 20
    assert report["n_population"] == 100  # the whole upload, for the flag counts
    assert time.monotonic() - started < 60
    assert client.get(f"/v1/jobs/{job['id']}/results", params={"limit": 1000}).json() == before


def test_threshold_cut_is_best_f1_or_the_best_at_a_precision() -> None:
    margin = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.0])
    labels = np.array([1, 0, 1, 1, 0, 0])
    assert best_cut(margin, labels) == 2.0  # flag 4: precision 3/4, recall 1, F1 0.857
    assert best_cut(margin, labels, min_precision=0.9) == 5.0  # only the top one is that precise
    assert best_cut(margin, np.array([0, 0, 1, 0, 0, 0]), min_precision=0.9) == 3.0  # none is: the most precise
    assert best_cut(np.array([2.0, 2.0, 1.0]), np.array([1, 0, 0])) == 2.0  # a cut flags all tied at it


def test_the_service_serves_the_new_version_by_name(
    recal: Recalibration, field_loads: pd.DataFrame, tmp_path: Path
) -> None:
    from detector.service.app import create_app
    from detector.service.settings import Settings

    detector.save_model(recal.model, tmp_path / "models" / "field-1")
    app = create_app(Settings(data_dir=tmp_path / "data", models_dir=tmp_path / "models", run_worker=False))
    one = field_loads[field_loads.series_id == "feeder-0000"]
    body = {
        "series_id": "feeder-0000",
        "unit": "MW",
        "timezone": "Asia/Tehran",
        "timestamps": [t.isoformat() for t in one.timestamp],
        "values": one.load.tolist(),
    }
    with TestClient(app) as c:
        c.headers["X-API-Key"] = app.state.store.create_key("t")
        old = c.post("/v1/score", json=body).json()
        new = c.post("/v1/score", json={**body, "model": recal.model.version}).json()
    assert old["model_version"] == recal.report.parent_version  # the default stays the default
    assert new["model_version"] == recal.model.version
    assert new["threshold"] == recal.model.threshold
    assert new["score"] != old["score"]
