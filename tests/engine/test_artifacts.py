"""Model artefacts round-trip exactly and refuse corrupt or incompatible files with a clear error."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import detector
from detector.artifacts import DEFAULT_MODEL_DIR, model_or_default
from detector.models.classifier import SignatureClassifier


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


@parametrize_with_checks([SignatureClassifier(n_estimators=10, random_state=0)])
def test_sklearn_api(estimator: SignatureClassifier, check: object) -> None:
    check(estimator)  # type: ignore[operator]
