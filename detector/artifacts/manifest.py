"""Checks on the fields of a model's ``manifest.json``: each failure is an ``ArtifactError`` naming file and field.

The arrays file is covered by its sha256, but the manifest is plain JSON that anyone can edit, so every field
the loader uses is checked here before it is used: a missing threshold or a classifier parameter this
version does not know reads as a broken artefact, not as a ``KeyError`` or ``TypeError`` from deep inside.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from detector.errors import ArtifactError
from detector.models.trees import PARAM_NAMES


def field_error(path: Path, name: str, reason: str) -> ArtifactError:
    """``model manifest <path>: field '<name>' <reason>``, the one shape of every manifest error."""
    return ArtifactError(f"model manifest {path}: field {name!r} {reason}")


def required(manifest: dict[str, Any], name: str, path: Path) -> Any:
    """``manifest[name]``; an ``ArtifactError`` naming the file and field when it is missing."""
    if name not in manifest:
        raise field_error(path, name, "is missing")
    return manifest[name]


def probability(value: object, name: str, path: Path) -> float:
    """``value`` as a float in [0, 1] (an operating point); anything else is an ``ArtifactError``."""
    # NaN fails the range test too (every comparison with NaN is false)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
        raise field_error(path, name, f"must be a number in [0, 1] (got {value!r})")
    return float(value)


def thresholds(manifest: dict[str, Any], path: Path) -> dict[str, float]:
    """The per-context operating points (``thresholds``, optional): a JSON object of probabilities."""
    table = manifest.get("thresholds") or {}
    if not isinstance(table, dict):
        raise field_error(path, "thresholds", f"must be a JSON object (got {table!r})")
    return {str(k): probability(v, f"thresholds.{k}", path) for k, v in table.items()}


def classifier_params(manifest: dict[str, Any], path: Path) -> dict[str, Any]:
    """``classifier_params``: a JSON object whose names the classifier takes (``trees.PARAM_NAMES``)."""
    params = required(manifest, "classifier_params", path)
    if not isinstance(params, dict):
        raise field_error(path, "classifier_params", f"must be a JSON object (got {params!r})")
    known = list(PARAM_NAMES)
    unknown = sorted(set(params) - set(known))
    if unknown:
        names = ", ".join(repr(p) for p in unknown)
        raise field_error(
            path,
            "classifier_params",
            f"has parameters this detector's classifier does not take: {names} (it takes {', '.join(known)})",
        )
    return params
