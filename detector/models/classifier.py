"""Gradient-boosted trees over signature features, stored as plain arrays (no pickle).

scikit-learn fits the trees; we copy each tree's nodes into flat arrays so a model artefact is
JSON + npz that loads without executing code, and prediction is a few vectorised gathers over
all trees at once (faster than sklearn's per-tree loop for one series at a time).
"""

from __future__ import annotations

from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from detector.models.trees import ARRAY_NAMES, Calibrator, tree_margin

__all__ = ["ARRAY_NAMES", "Calibrator", "SignatureClassifier"]


# sklearn ships no type information, so its bases are Any to mypy.
class SignatureClassifier(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Binary boosted-tree classifier whose fitted state is a handful of NumPy arrays."""

    # Fitted state, set by fit (declared only: __init__ stores parameters alone).
    classes_: np.ndarray
    roots_: np.ndarray
    feature_: np.ndarray
    threshold_: np.ndarray
    left_: np.ndarray
    right_: np.ndarray
    value_: np.ndarray
    init_: float
    max_depth_: int
    n_features_in_: int

    def __init__(
        self,
        n_estimators: int = 200,
        max_depth: int = 3,
        learning_rate: float = 0.05,
        subsample: float = 0.8,
        random_state: int | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.max_depth = max_depth
        self.learning_rate = learning_rate
        self.subsample = subsample
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False  # mining or not: binary by design
        return tags

    def fit(self, X: np.ndarray, y: np.ndarray) -> Self:
        X, y = validate_data(self, X, y)
        check_classification_targets(y)  # 'continuous' targets get sklearn's own error
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type != "binary":
            raise ValueError(f"Only binary classification is supported. The type of the target is {y_type}.")
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        if len(self.classes_) != 2:
            raise ValueError("need both classes to train: got only 1 class")
        gb = GradientBoostingClassifier(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth,
            learning_rate=self.learning_rate,
            subsample=self.subsample,
            random_state=self.random_state,
        ).fit(X, y_enc)
        trees = [est[0].tree_ for est in gb.estimators_]
        sizes = np.array([t.node_count for t in trees])
        offsets = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        self.roots_ = offsets.astype(np.int64)
        self.feature_ = np.concatenate([t.feature for t in trees]).astype(np.int64)
        self.threshold_ = np.concatenate([t.threshold for t in trees]).astype(np.float64)
        # Child indices become global (leaf: -1 stays -1, and the node points to itself below).
        left = np.concatenate(
            [np.where(t.children_left >= 0, t.children_left + o, -1) for t, o in zip(trees, offsets, strict=True)]
        )
        right = np.concatenate(
            [np.where(t.children_right >= 0, t.children_right + o, -1) for t, o in zip(trees, offsets, strict=True)]
        )
        self.left_, self.right_ = left.astype(np.int64), right.astype(np.int64)
        self.value_ = np.concatenate([t.value[:, 0, 0] for t in trees]).astype(np.float64) * self.learning_rate
        prior = float(np.clip(y_enc.mean(), 1e-6, 1 - 1e-6))
        self.init_ = float(np.log(prior / (1 - prior)))
        self.max_depth_ = int(max(t.max_depth for t in trees))
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self)
        X = validate_data(self, X, reset=False)
        arrays = {name: getattr(self, name) for name in ARRAY_NAMES}
        return tree_margin(arrays, self.init_, self.max_depth_, X)

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self)
        labels: np.ndarray = self.classes_[(self.decision_function(X) > 0).astype(int)]
        return labels

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The fitted state as arrays: what a model artefact stores and ``trees.BoostedTrees`` loads."""
        check_is_fitted(self)
        out = {name: getattr(self, name) for name in ARRAY_NAMES}
        out["scalars_"] = np.array([self.init_, self.max_depth_, self.n_features_in_], dtype=np.float64)
        out["classes_"] = self.classes_.astype(np.int64)
        return out
