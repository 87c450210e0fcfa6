"""A trained model's trees and calibrator as plain arrays, with prediction in NumPy alone.

Scoring needs only these: the boosted trees' nodes as flat arrays and the isotonic map's knots. They live
apart from ``classifier`` (the scikit-learn estimator that fits them) so that loading a model and scoring
never import scikit-learn, which was two thirds of ``detector score``'s start-up (2.3 of 3.3 s of imports,
``python -X importtime``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

ARRAY_NAMES = ("feature_", "threshold_", "left_", "right_", "value_", "roots_")
# The estimator's constructor parameters (``classifier.SignatureClassifier``; a test keeps the two equal).
PARAM_NAMES = ("n_estimators", "max_depth", "learning_rate", "subsample", "random_state")


def tree_margin(arrays: dict[str, np.ndarray], init: float, max_depth: int, X: np.ndarray) -> np.ndarray:
    """Boosted margin of each row of ``X``: every tree walked at once, one gather per level.

    ``arrays`` holds the nodes of all trees with global child indices (-1 at a leaf) and each tree's root.
    Faster than scikit-learn's per-tree loop for one series at a time.
    """
    roots, left, right = arrays["roots_"], arrays["left_"], arrays["right_"]
    feature, threshold = arrays["feature_"], arrays["threshold_"]
    node = np.broadcast_to(roots, (X.shape[0], len(roots))).copy()
    rows = np.arange(X.shape[0])[:, None]
    for _ in range(max_depth):
        leaf = left[node] < 0
        go_left = X[rows, np.where(leaf, 0, feature[node])] <= threshold[node]
        node = np.where(leaf, node, np.where(go_left, left[node], right[node]))
    margin: np.ndarray = init + arrays["value_"][node].sum(axis=1)
    return margin


class BoostedTrees:
    """A model's trees, trained or loaded: ``decision_function`` as the fitted estimator gives it, in NumPy alone."""

    def __init__(self, arrays: dict[str, np.ndarray], params: dict[str, Any]) -> None:
        missing = [name for name in (*ARRAY_NAMES, "scalars_", "classes_") if name not in arrays]
        if missing:
            raise ValueError(f"tree arrays lack {', '.join(missing)}")
        init, depth, n_features = (float(v) for v in arrays["scalars_"])  # ValueError unless three numbers
        self.arrays = {name: arrays[name] for name in ARRAY_NAMES}
        self.classes_ = arrays["classes_"]
        self.init_, self.max_depth_, self.n_features_in_ = init, int(depth), int(n_features)
        self.params = dict(params)

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has shape {X.shape}; the trees take rows of {self.n_features_in_} features")
        return tree_margin(self.arrays, self.init_, self.max_depth_, X)

    def to_arrays(self) -> dict[str, np.ndarray]:
        out = dict(self.arrays)
        out["scalars_"] = np.array([self.init_, self.max_depth_, self.n_features_in_], dtype=np.float64)
        out["classes_"] = self.classes_.astype(np.int64)
        return out

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return dict(self.params)


class Calibrator:
    """Isotonic map from classifier margin to probability, kept as two arrays."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.x, self.y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    @classmethod
    def fit(cls, margin: np.ndarray, labels: np.ndarray) -> Calibrator:
        from sklearn.isotonic import IsotonicRegression  # training only: scoring never imports scikit-learn

        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(margin, labels)
        return cls(iso.X_thresholds_, iso.y_thresholds_)

    def __call__(self, margin: np.ndarray) -> np.ndarray:
        # Isotonic steps have flat stretches; a small logistic tie-breaker keeps the ranking of
        # series inside one step (so --top K is well defined) without moving any probability
        # by more than 0.001.
        base = np.interp(margin, self.x, self.y)
        prob: np.ndarray = np.clip(base + 1e-3 * (1 / (1 + np.exp(-margin)) - 0.5), 0.0, 1.0)
        return prob
