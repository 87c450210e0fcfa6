"""Model artefacts round-trip exactly and refuse corrupt or incompatible files with a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import detector
from detector.artifacts import DEFAULT_MODEL_DIR
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


def test_default_model_ships_in_the_package() -> None:
    assert (DEFAULT_MODEL_DIR / "manifest.json").exists()
    assert detector.load_model().version.startswith("default-")


@parametrize_with_checks([SignatureClassifier(n_estimators=10, random_state=0)])
def test_sklearn_api(estimator: SignatureClassifier, check: object) -> None:
    check(estimator)  # type: ignore[operator]
