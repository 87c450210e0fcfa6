"""Versioned model artefacts: ``manifest.json`` + ``arrays.npz``, loaded without executing code.

The manifest records the schema and package versions, parameters, the feature list, the
operating threshold, a hash of the training data, validation metrics and the sha256 of the
arrays file; loading checks all of it and refuses what it cannot trust.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from detector.artifacts import manifest as fields
from detector.errors import ArtifactError, ModelNotFoundError
from detector.models.signature import FEATURES, LONG_DAYS, SHORT_DAYS
from detector.models.trees import ARRAY_NAMES, BoostedTrees, Calibrator

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default"
# arrays.npz: the classifier's arrays (prefixed clf_) and the calibrator's two
ARRAY_FILE_NAMES = (*(f"clf_{name}" for name in (*ARRAY_NAMES, "scalars_", "classes_")), "cal_x", "cal_y")


def length_context(days: int) -> str:
    """Length bucket of an input for its operating point: "short" under 300 days, "long" over 400, "" a year.

    Longer inputs give the shift search more days and so larger t-statistics for the same shift: on two-year
    windows the one-year threshold flagged 9 % of clean real windows alone (BENCHMARKS.md).
    """
    return "short" if days < SHORT_DAYS else "long" if days > LONG_DAYS else ""


def _alone_rows(features: np.ndarray, days: int | np.ndarray | None = None) -> np.ndarray:
    """Rows a per-mode model's alone model answers: scored without peers (``n_peers`` 0), of inputs up to
    ``LONG_DAYS`` local days (None: a year). Longer inputs are searched with the season either way
    (``models.signature.search``), as the main trees were trained."""
    x = np.atleast_2d(features)
    rows: np.ndarray = x[:, FEATURES.index("n_peers")] <= 0
    if days is not None:
        rows &= np.broadcast_to(np.asarray(days) <= LONG_DAYS, rows.shape)
    return rows


@dataclass(frozen=True, slots=True, eq=False)
class MiningModel:
    """A trained detector: boosted trees over signature features, an isotonic calibrator, a threshold.

    A per-mode model also holds ``alone``: the trees, calibrator and operating points of series scored without
    peers over up to ``LONG_DAYS`` days, trained on signatures whose search explains the level by the day's shape
    instead of the smooth season (``day_shape_alone``). Rows with peers, and longer inputs (searched with the
    season), go to this model's own trees. One set of trees for both designs cost the province what the shape
    design won alone: on the January headline, province AP 0.860 -> 0.846 with shared trees; the alone trees on
    two-year inputs alone, AP 0.765 -> 0.747 (BENCHMARKS.md, stops 26 and 27).
    """

    classifier: BoostedTrees
    calibrator: Calibrator
    threshold: float
    version: str
    features: tuple[str, ...] = FEATURES
    metadata: dict[str, Any] = field(default_factory=dict)
    alone: MiningModel | None = None

    @property
    def day_shape_alone(self) -> bool:
        """Whether series scored alone are searched with the day's shape (``scoring.signature_of``): true for a
        per-mode model, whose alone trees were trained that way."""
        return self.alone is not None

    @property
    def per_context_points(self) -> bool:
        """Whether the operating points with peers and alone were each set out of fold on real training windows of
        their context (``metadata["thresholds"]`` of both parts), as joining a series' alone reading to its reading
        with peers needs (``scoring.score_series``). A recalibrated model has one map and threshold, fit on the
        parent's inspected answers with peers, and none."""
        return (
            bool(self.metadata.get("thresholds"))
            and self.alone is not None
            and bool(self.alone.metadata.get("thresholds"))
        )

    def threshold_for(self, features: np.ndarray, days: int | None = None) -> float:
        """The operating point of the context these features come from: scored with peers or alone, and the
        input's length in local days (``length_context``; None: a year).

        Thresholds are chosen per context out of fold (``metadata["thresholds"]``, keys like ``alone`` and
        ``alone/long``); a length without its own takes its context's one-year threshold, and a model without
        any has one threshold for all.
        """
        if self.alone is not None and bool(_alone_rows(features, days)[0]):
            return self.alone.threshold_for(features, days)
        table = self.metadata.get("thresholds") or {}
        context = "alone" if bool(_alone_rows(features)[0]) else "peers"
        bucket = length_context(days) if days is not None else ""
        return float(table.get(f"{context}/{bucket}", table.get(context, self.threshold)))

    def false_alarm_rate(self, features: np.ndarray, probability: float, days: int | None = None) -> float | None:
        """How often a load with no added block scores ``probability`` or more in this input's context: (k + 1) /
        (n + 1), where k of the context's n real clean training windows did so out of fold
        (``training.false_alarm_table``; ``false_alarm_rates``). Read at the grid point at or below ``probability``
        (0.01 apart; never lower than the exact rate), from the table of the input's length and weather (scored with
        temperature or without) where there is one; a length without a table of its own takes its context's
        one-year table, as ``threshold_for`` does; None for a model trained before the tables, or a context without
        enough clean windows.
        """
        rates = self._false_alarm_rates(features, days)
        if rates is None:
            return None
        return float(rates[_grid_point(probability, len(rates))])

    def threshold_within(self, features: np.ndarray, budget: float, days: int | None = None) -> float | None:
        """The lowest probability whose ``false_alarm_rate`` in this input's context is at most ``budget``: flagging
        at or above it is flagging where the rate is within the budget. None where ``false_alarm_rate`` is None;
        above 1 (nothing is flagged) when even the top of the grid is over the budget."""
        rates = self._false_alarm_rates(features, days)
        if rates is None:
            return None
        within = np.flatnonzero(rate_within(rates, budget))
        if not len(within):
            return float(np.nextafter(1.0, 2.0))
        # The lowest probability read at that grid point (``_grid_point``'s tolerance), so that the two agree.
        return max((int(within[0]) - GRID_TOLERANCE) / (len(rates) - 1), 0.0)

    def _false_alarm_rates(self, features: np.ndarray, days: int | None) -> np.ndarray | None:
        """The false-alarm rates (on the 0.01 grid) of this input's context, or None."""
        if self.alone is not None and bool(_alone_rows(features, days)[0]):
            return self.alone._false_alarm_rates(features, days)
        tables = (self.metadata.get("false_alarm") or {}).get("contexts") or {}
        context = "alone" if bool(_alone_rows(features)[0]) else "peers"
        bucket = length_context(days) if days is not None else ""
        weather = "+temperature" if np.atleast_2d(features)[0, FEATURES.index("has_temp")] > 0 else "+no-temperature"
        # The most specific table there is: length and weather, then length, then the year's with its weather.
        own = (f"{context}/{bucket}{weather}", f"{context}/{bucket}") if bucket else ()
        keys = (*own, f"{context}{weather}", context)
        entry = next((tables[k] for k in keys if k in tables), None)
        if not entry:
            return None
        return false_alarm_rates(entry)

    def margin(self, features: np.ndarray, days: int | np.ndarray | None = None) -> np.ndarray:
        """The trees' decision value for rows of signature features of inputs of ``days`` local days (None: a
        year), each row from the trees of its mode (``alone``) only: a row scored alone never runs both."""
        x = np.atleast_2d(features)
        if self.alone is None:
            return self.classifier.decision_function(x)
        rows = _alone_rows(x, days)
        out = np.empty(len(x))
        for trees, sel in ((self.alone.classifier, rows), (self.classifier, ~rows)):
            if sel.any():
                out[sel] = trees.decision_function(x[sel])
        return out

    def probability(self, features: np.ndarray, days: int | np.ndarray | None = None) -> np.ndarray:
        """Calibrated probability of mining for rows of signature features of inputs of ``days`` local days
        (None: a year; an array: one per row), each row by the model of its mode (``alone``)."""
        margin = self.margin(features, days)
        if self.alone is None:
            return self.calibrator(margin)
        rows = _alone_rows(features, days)
        p = np.empty(len(margin))
        for calibrator, sel in ((self.alone.calibrator, rows), (self.calibrator, ~rows)):
            if sel.any():
                p[sel] = calibrator(margin[sel])
        return p


GRID_TOLERANCE = 1e-9  # a probability this close below a grid point reads that point (floating-point sums)


def false_alarm_rates(table: dict[str, Any]) -> np.ndarray:
    """A false-alarm table's rates: (k + 1) / (n + 1) at each grid score, k = share × n of its n clean windows.

    Not the share k / n itself: where none of the n windows scored this high the share is 0, which told an analyst
    that such a score never happens on a clean load, from a few hundred windows (386 with peers and temperature in
    the shipped model). The held-out zones say otherwise: answers of real clean windows flagged with peers read
    0.0 to 0.14 % (``benchmarks/headline.py``, stop 64). (k + 1) / (n + 1) is the conformal p-value of a new clean
    window exchangeable with those n: never under 1 / (n + 1), the least that n windows can tell.
    """
    n = float(table["clean_windows"])
    rates: np.ndarray = (np.asarray(table["share_at_or_above"], dtype=np.float64) * n + 1.0) / (n + 1.0)
    return rates


def rate_within(rates: np.ndarray, budget: float) -> np.ndarray:
    """Which false-alarm rates are within ``budget`` (at most it; NaN, no rate, never is): the one rule that
    ``MiningModel.threshold_within`` flags by and ``evaluation.within_budget`` keeps answers by."""
    within: np.ndarray = np.nan_to_num(rates, nan=2.0) <= budget + 1e-12  # the tables are rounded to 4 decimals
    return within


def _grid_point(probability: float, size: int) -> int:
    """The false-alarm grid point at or below ``probability`` (``size`` points over 0..1)."""
    return int(np.floor(min(max(probability, 0.0), 1.0) * (size - 1) + GRID_TOLERANCE))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


ALONE_DIR = "alone"  # a per-mode model's alone model: a model directory of its own inside the main one


def save_model(model: MiningModel, directory: str | Path) -> Path:
    """Write ``manifest.json`` and ``arrays.npz`` into ``directory`` (created if needed); a per-mode model's
    alone model goes in its ``alone/`` sub-directory, bound to the main manifest by its manifest's sha256."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    alone: dict[str, str] = {}
    if model.alone is not None:
        if model.alone.alone is not None:
            raise ValueError("a per-mode model's alone model cannot hold an alone model of its own")
        sub = save_model(model.alone, out / ALONE_DIR)
        alone = {"directory": ALONE_DIR, "manifest_sha256": _sha256(sub / "manifest.json")}
    arrays = {f"clf_{k}": v for k, v in model.classifier.to_arrays().items()}
    arrays["cal_x"], arrays["cal_y"] = model.calibrator.x, model.calibrator.y
    np.savez_compressed(out / "arrays.npz", allow_pickle=False, **arrays)  # numbers only, as load_model reads them
    from detector import __version__

    manifest = {
        "schema_version": SCHEMA_VERSION,
        "package_version": __version__,
        "model_version": model.version,
        "features": list(model.features),
        "threshold": model.threshold,
        "classifier_params": model.classifier.get_params(),
        "arrays_sha256": _sha256(out / "arrays.npz"),
        **({"alone_model": alone} if alone else {}),
        **model.metadata,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return out


def load_model(directory: str | Path | None = None) -> MiningModel:
    """Load an artefact directory (default: the model shipped in the package), with its alone model if it has one.

    No directory or files: ``ModelNotFoundError``. Anything corrupt or incompatible, whether a manifest field
    missing or of the wrong kind, an unknown classifier parameter, altered or missing arrays, an alone model
    missing or not the one the manifest names, is an ``ArtifactError`` that names the file and the field or array.
    """
    path = Path(directory) if directory is not None else DEFAULT_MODEL_DIR
    model, manifest = _load_one(path)
    if "alone_model" not in manifest:
        return model
    manifest_path = path / "manifest.json"
    entry = manifest["alone_model"]
    if not (
        isinstance(entry, dict)
        and entry.get("directory") == ALONE_DIR
        and isinstance(entry.get("manifest_sha256"), str)
    ):
        raise fields.field_error(
            manifest_path,
            "alone_model",
            f"must be {{'directory': '{ALONE_DIR}', 'manifest_sha256': ...}} (got {entry!r})",
        )
    sub = path / ALONE_DIR
    try:
        alone, sub_manifest = _load_one(sub)
    except ModelNotFoundError as exc:
        raise ArtifactError(f"model {path} names an alone model that is not there: {exc}") from exc
    if _sha256(sub / "manifest.json") != entry["manifest_sha256"]:
        raise ArtifactError(
            f"model manifest {sub / 'manifest.json'} does not match the sha256 in {manifest_path} (altered)"
        )
    if "alone_model" in sub_manifest:
        raise fields.field_error(sub / "manifest.json", "alone_model", "is not allowed in an alone model")
    return MiningModel(
        model.classifier, model.calibrator, model.threshold, model.version, model.features, model.metadata, alone
    )


def _load_one(path: Path) -> tuple[MiningModel, dict[str, Any]]:
    """One model directory, checked (``load_model``), and its manifest."""
    manifest_path, arrays_path = path / "manifest.json", path / "arrays.npz"
    if not manifest_path.exists() or not arrays_path.exists():
        raise ModelNotFoundError(f"no model at {path}: expected manifest.json and arrays.npz")
    try:
        manifest = json.loads(manifest_path.read_text())
    except OSError as exc:
        raise ArtifactError(f"model manifest {manifest_path} is unreadable: {exc.strerror}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"model manifest {manifest_path} is not valid JSON: {exc}") from exc
    if not isinstance(manifest, dict):
        raise ArtifactError(f"model manifest {manifest_path} must be a JSON object (got {type(manifest).__name__})")
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise ArtifactError(
            f"model {path} has schema version {manifest.get('schema_version')!r}; "
            f"this detector reads version {SCHEMA_VERSION}"
        )
    try:
        arrays_sha256 = _sha256(arrays_path)
    except OSError as exc:
        raise ArtifactError(f"model arrays {arrays_path} are unreadable: {exc.strerror}") from exc
    if manifest.get("arrays_sha256") != arrays_sha256:
        raise ArtifactError(f"model arrays {arrays_path} do not match the manifest's sha256 (corrupt or altered)")
    if tuple(manifest.get("features", ())) != FEATURES:
        raise ArtifactError(f"model {path} was trained on other features than this detector computes")
    threshold = fields.probability(fields.required(manifest, "threshold", manifest_path), "threshold", manifest_path)
    fields.thresholds(manifest, manifest_path)
    fields.false_alarm(manifest, manifest_path)
    version = fields.required(manifest, "model_version", manifest_path)
    if not isinstance(version, str) or not version:
        raise fields.field_error(manifest_path, "model_version", f"must be a non-empty string (got {version!r})")
    params = fields.classifier_params(manifest, manifest_path)
    try:
        with np.load(arrays_path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (ValueError, OSError) as exc:
        raise ArtifactError(f"model arrays {arrays_path} are unreadable: {exc}") from exc
    missing = [name for name in ARRAY_FILE_NAMES if name not in arrays]
    if missing:
        raise ArtifactError(f"model arrays {arrays_path} lack the array(s) {', '.join(map(repr, missing))}")
    try:
        clf = BoostedTrees({k.removeprefix("clf_"): v for k, v in arrays.items() if k.startswith("clf_")}, params)
        cal = Calibrator(arrays["cal_x"], arrays["cal_y"])
    except ValueError as exc:  # e.g. clf_scalars_ without its three numbers
        raise ArtifactError(f"model arrays {arrays_path} are malformed: {exc}") from exc
    keep = {
        "training_data_sha256",
        "validation",
        "trained_at",
        "training_sets",
        "n_series",
        "recalibration",
        "thresholds",
        "false_alarm",
    }
    return MiningModel(
        clf, cal, threshold, version, FEATURES, {k: v for k, v in manifest.items() if k in keep}
    ), manifest


def model_or_default(model: MiningModel | None) -> MiningModel:
    """``model``, or for None the bundled default (``load_model()``), logged with its version.

    For the library calls whose ``model`` is optional (``iter_scores``, ``evaluate``, ``recalibrate``): each
    states the version it used in what it returns (``ScoreReport.model_version``, the summary's
    ``model_version``, ``RecalibrationReport.parent_version``), so the default is never silent.
    """
    if model is not None:
        return model
    default = load_model()
    log.info("no model given: using the bundled default model %s", default.version)
    return default
