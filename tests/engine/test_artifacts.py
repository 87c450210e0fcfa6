"""Model artefacts round-trip exactly and refuse corrupt or incompatible files with a clear error."""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import detector
from detector.artifacts import DEFAULT_MODEL_DIR, MiningModel, model_or_default
from detector.models.classifier import SignatureClassifier
from detector.models.signature import FEATURES
from detector.models.trees import BoostedTrees


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    return detector.save_model(detector.load_model(), tmp_path / "m")


def test_round_trip_keeps_predictions(model_dir: Path) -> None:
    original, again = detector.load_model(), detector.load_model(model_dir)
    x = np.random.default_rng(0).normal(size=(50, len(original.features)))
    np.testing.assert_array_equal(original.probability(x), again.probability(x))
    assert again.version == original.version
    assert again.threshold == original.threshold
    manifest = json.loads((model_dir / "manifest.json").read_text())
    assert {"schema_version", "features", "threshold", "training_data_sha256", "validation"} <= manifest.keys()


def test_corrupt_arrays_are_refused(model_dir: Path) -> None:
    with (model_dir / "arrays.npz").open("ab") as fh:
        fh.write(b"junk")
    with pytest.raises(detector.ArtifactError, match="do not match the manifest's sha256"):
        detector.load_model(model_dir)


def test_unknown_schema_and_missing_model(model_dir: Path, tmp_path: Path) -> None:
    manifest = json.loads((model_dir / "manifest.json").read_text())
    (model_dir / "manifest.json").write_text(json.dumps({**manifest, "schema_version": 99}))
    with pytest.raises(detector.ArtifactError, match="schema version 99; this detector reads version 1"):
        detector.load_model(model_dir)
    with pytest.raises(detector.ModelNotFoundError, match=r"expected manifest\.json and arrays\.npz"):
        detector.load_model(tmp_path / "nothing")
    (model_dir / "manifest.json").write_text("{not json")
    with pytest.raises(detector.ArtifactError, match="not valid JSON"):
        detector.load_model(model_dir)


def _rewrite_manifest(model_dir: Path, drop: str | None = None, **changes: object) -> Path:
    """Edit manifest.json in place (the arrays' sha256 still matches): ``drop`` one field, set others."""
    path = model_dir / "manifest.json"
    manifest = {k: v for k, v in json.loads(path.read_text()).items() if k != drop}
    path.write_text(json.dumps({**manifest, **changes}))
    return path


def test_missing_threshold_names_the_file_and_field(model_dir: Path) -> None:
    path = _rewrite_manifest(model_dir, drop="threshold")
    with pytest.raises(detector.ArtifactError) as info:
        detector.load_model(model_dir)
    assert str(info.value) == f"model manifest {path}: field 'threshold' is missing"


@pytest.mark.parametrize("value", ["high", 1.5, None, True])
def test_threshold_that_is_not_a_probability_is_refused(model_dir: Path, value: object) -> None:
    path = _rewrite_manifest(model_dir, threshold=value)
    with pytest.raises(detector.ArtifactError) as info:
        detector.load_model(model_dir)
    assert str(info.value) == f"model manifest {path}: field 'threshold' must be a number in [0, 1] (got {value!r})"


def test_bad_context_threshold_is_refused_at_load_not_at_scoring(model_dir: Path) -> None:
    path = _rewrite_manifest(model_dir, thresholds={"alone": 0.7, "peers": "x"})
    with pytest.raises(detector.ArtifactError) as info:
        detector.load_model(model_dir)
    assert str(info.value) == f"model manifest {path}: field 'thresholds.peers' must be a number in [0, 1] (got 'x')"


PEERS_TABLE = "false_alarm.contexts.peers"


@pytest.mark.parametrize(
    ("table", "field", "reason"),
    [
        ({"peers": {"clean_windows": 0, "share_at_or_above": [1.0] * 101}}, PEERS_TABLE, "a positive count"),
        ({"peers": {"clean_windows": 90, "share_at_or_above": [1.0] * 100}}, PEERS_TABLE, "101 values"),
        (
            {"peers": {"clean_windows": 90, "share_at_or_above": [1.0] * 50 + [0.2, 0.3] + [0.0] * 49}},
            "false_alarm.contexts.peers.share_at_or_above[51]",
            "rises with the score (0.2 -> 0.3)",
        ),
    ],
)
def test_a_broken_false_alarm_table_is_refused_at_load_naming_the_field(
    model_dir: Path, table: dict[str, object], field: str, reason: str
) -> None:
    path = _rewrite_manifest(model_dir, false_alarm={"contexts": table})
    with pytest.raises(detector.ArtifactError) as info:
        detector.load_model(model_dir)
    assert str(info.value).startswith(f"model manifest {path}: field {field!r} ")
    assert reason in str(info.value)


def test_the_bundled_model_reads_false_alarm_rates_in_each_context() -> None:
    model = detector.load_model()
    x = np.zeros(len(model.features))
    with_peers = x.copy()
    with_peers[model.features.index("n_peers")] = 3
    assert model.alone is not None
    for row, tables in ((x, model.alone.metadata), (with_peers, model.metadata)):
        rates = [model.false_alarm_rate(row, p) for p in np.linspace(0, 1, 11)]
        assert rates[0] == 1.0
        # No clean window of the table scored 1.0, yet the rate is not 0: 1 / (n + 1), the least n windows tell.
        context = "alone" if row is x else "peers"
        n = tables["false_alarm"]["contexts"][f"{context}+no-temperature"]["clean_windows"]
        assert rates[-1] == pytest.approx(1 / (n + 1), rel=1e-12)
        assert all(a >= b for a, b in itertools.pairwise(rates))
        at = model.false_alarm_rate(row, model.threshold_for(row))
        assert at is not None
        assert at <= 0.02


def test_unknown_classifier_parameter_names_the_file_and_field(model_dir: Path) -> None:
    params = {**detector.load_model().classifier.get_params(), "max_leaves": 8}
    path = _rewrite_manifest(model_dir, classifier_params=params)
    with pytest.raises(detector.ArtifactError) as info:
        detector.load_model(model_dir)
    assert str(info.value) == (
        f"model manifest {path}: field 'classifier_params' has parameters this detector's classifier does not "
        "take: 'max_leaves' (it takes n_estimators, max_depth, learning_rate, subsample, random_state)"
    )


@pytest.mark.parametrize(
    ("drop", "changes", "reason"),
    [
        ("classifier_params", {}, "is missing"),
        (None, {"classifier_params": [3, 0.05]}, "must be a JSON object (got [3, 0.05])"),
        ("model_version", {}, "is missing"),
        (None, {"model_version": 7}, "must be a non-empty string (got 7)"),
    ],
)
def test_other_manifest_fields_name_the_file_and_field(
    model_dir: Path, drop: str | None, changes: dict[str, object], reason: str
) -> None:
    path = _rewrite_manifest(model_dir, drop=drop, **changes)
    field = drop or next(iter(changes))
    with pytest.raises(detector.ArtifactError) as info:
        detector.load_model(model_dir)
    assert str(info.value) == f"model manifest {path}: field {field!r} {reason}"


def test_manifest_that_is_not_an_object_is_refused(model_dir: Path) -> None:
    (model_dir / "manifest.json").write_text("[1, 2]")
    with pytest.raises(detector.ArtifactError) as info:
        detector.load_model(model_dir)
    assert str(info.value) == f"model manifest {model_dir / 'manifest.json'} must be a JSON object (got list)"


def test_unreadable_files_are_artifact_errors_naming_the_file(model_dir: Path) -> None:
    manifest = model_dir / "manifest.json"
    manifest.unlink()
    manifest.mkdir()  # exists, but reading it fails (an OSError, as a permission error would be)
    with pytest.raises(detector.ArtifactError) as info:
        detector.load_model(model_dir)
    assert str(info.value) == f"model manifest {manifest} is unreadable: Is a directory"
    manifest.rmdir()
    detector.save_model(detector.load_model(), model_dir)
    arrays = model_dir / "arrays.npz"
    arrays.unlink()
    arrays.mkdir()
    with pytest.raises(detector.ArtifactError) as info:
        detector.load_model(model_dir)
    assert str(info.value) == f"model arrays {arrays} are unreadable: Is a directory"


def test_missing_array_is_named(model_dir: Path) -> None:
    arrays_path = model_dir / "arrays.npz"
    with np.load(arrays_path) as npz:
        arrays = {k: npz[k] for k in npz.files if k != "cal_y"}
    np.savez_compressed(arrays_path, **arrays)
    sha = hashlib.sha256(arrays_path.read_bytes()).hexdigest()
    _rewrite_manifest(model_dir, arrays_sha256=sha)  # a consistent artefact, only one array short
    with pytest.raises(detector.ArtifactError) as info:
        detector.load_model(model_dir)
    assert str(info.value) == f"model arrays {arrays_path} lack the array(s) 'cal_y'"


def test_a_missing_model_falls_back_to_the_default_out_loud(model_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    given = detector.load_model(model_dir)
    assert model_or_default(given) is given
    assert not caplog.records
    with caplog.at_level(logging.INFO, logger="detector.artifacts"):
        default = model_or_default(None)
    assert default.version == detector.load_model().version
    assert caplog.messages == [f"no model given: using the bundled default model {default.version}"]


def test_default_model_ships_in_the_package() -> None:
    assert (DEFAULT_MODEL_DIR / "manifest.json").exists()
    assert detector.load_model().version.startswith("default-")


@pytest.fixture
def per_mode_dir(tmp_path: Path) -> Path:
    """A per-mode model whose alone trees differ from its own: 10 trees fitted on the sign of ``t_box``."""
    default = detector.load_model()
    x = np.random.default_rng(1).normal(size=(200, len(FEATURES)))
    fitted = SignatureClassifier(n_estimators=10, random_state=0).fit(x, (x[:, 0] > 0).astype(int))
    trees = BoostedTrees(fitted.to_arrays(), fitted.get_params())
    alone = MiningModel(trees, default.calibrator, 0.4, "test-alone", metadata={"thresholds": {"alone": 0.4}})
    main = MiningModel(
        default.classifier, default.calibrator, 0.6, "test", metadata={"thresholds": {"peers": 0.65}}, alone=alone
    )
    return detector.save_model(main, tmp_path / "per-mode")


def test_per_mode_model_answers_each_mode_with_its_own_trees(per_mode_dir: Path) -> None:
    model = detector.load_model(per_mode_dir)
    assert model.alone is not None
    assert model.day_shape_alone
    x = np.random.default_rng(2).normal(size=(40, len(FEATURES)))
    x[:, FEATURES.index("n_peers")] = np.r_[np.zeros(20), np.full(20, 3.0)]
    p = model.probability(x)
    alone_p = model.calibrator(model.alone.classifier.decision_function(x[:20]))
    np.testing.assert_array_equal(p[:20], alone_p)
    np.testing.assert_array_equal(p[20:], model.calibrator(model.classifier.decision_function(x[20:])))
    assert not np.allclose(alone_p, model.calibrator(model.classifier.decision_function(x[:20])))
    np.testing.assert_array_equal(model.margin(x)[:20], model.alone.classifier.decision_function(x[:20]))
    assert model.threshold_for(x[0]) == 0.4
    assert model.threshold_for(x[20]) == 0.65
    assert model.threshold_for(x[0], 200) == 0.4  # no alone/short key: the alone model's one-year point
    # Over 400 days the search keeps the season alone too: the main trees answer, at the main model's point.
    np.testing.assert_array_equal(model.probability(x, 730), model.calibrator(model.classifier.decision_function(x)))
    assert model.threshold_for(x[0], 730) == 0.6


def test_per_mode_model_without_its_alone_model_is_refused(per_mode_dir: Path) -> None:
    shutil.rmtree(per_mode_dir / "alone")
    with pytest.raises(detector.ArtifactError) as info:
        detector.load_model(per_mode_dir)
    sub = per_mode_dir / "alone"
    assert str(info.value) == (
        f"model {per_mode_dir} names an alone model that is not there: "
        f"no model at {sub}: expected manifest.json and arrays.npz"
    )


def test_altered_alone_model_is_refused(per_mode_dir: Path) -> None:
    sub = _rewrite_manifest(per_mode_dir / "alone", threshold=0.01)  # a valid model, but not the one named
    with pytest.raises(detector.ArtifactError) as info:
        detector.load_model(per_mode_dir)
    assert str(info.value) == (
        f"model manifest {sub} does not match the sha256 in {per_mode_dir / 'manifest.json'} (altered)"
    )
    path = _rewrite_manifest(per_mode_dir, alone_model={"directory": "../elsewhere", "manifest_sha256": "0"})
    with pytest.raises(detector.ArtifactError) as info:
        detector.load_model(per_mode_dir)
    assert str(info.value).startswith(f"model manifest {path}: field 'alone_model' must be {{'directory': 'alone'")


def test_default_model_is_per_mode() -> None:
    """The bundled model answers series scored alone with trees trained on the day-shape search."""
    default = detector.load_model()
    assert default.alone is not None
    assert set(default.metadata["thresholds"]) <= {"peers", "peers/short", "peers/long", "alone/long"}
    assert set(default.alone.metadata["thresholds"]) <= {"alone", "alone/short"}
    assert "alone" in default.alone.metadata["thresholds"]


@parametrize_with_checks([SignatureClassifier(n_estimators=10, random_state=0)])
def test_sklearn_api(estimator: SignatureClassifier, check: object) -> None:
    check(estimator)  # type: ignore[operator]
