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


FALSE_ALARM_POINTS = 101  # ``training.FALSE_ALARM_GRID``: scores 0.00 to 1.00 by 0.01


def false_alarm(manifest: dict[str, Any], path: Path) -> None:
    """``false_alarm`` (optional): per context, ``clean_windows`` (a positive count) and ``share_at_or_above``
    (101 shares in [0, 1] that never rise with the score), as ``MiningModel.false_alarm_rate`` reads them."""
    entry = manifest.get("false_alarm")
    if entry is None:
        return
    contexts = entry.get("contexts") if isinstance(entry, dict) else None
    if not isinstance(contexts, dict):
        raise field_error(path, "false_alarm", f"must hold a JSON object 'contexts' (got {entry!r:.80})")
    for key, table in contexts.items():
        name = f"false_alarm.contexts.{key}"
        n = table.get("clean_windows") if isinstance(table, dict) else None
        if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
            raise field_error(path, name, f"must give 'clean_windows' as a positive count (got {table!r:.80})")
        shares = table.get("share_at_or_above")
        if not isinstance(shares, list) or len(shares) != FALSE_ALARM_POINTS:
            raise field_error(path, name, f"must give {FALSE_ALARM_POINTS} values in 'share_at_or_above'")
        values = [probability(v, f"{name}.share_at_or_above[{i}]", path) for i, v in enumerate(shares)]
        rises = next((i for i in range(1, len(values)) if values[i] > values[i - 1]), None)
        if rises is not None:
            step = f"{values[rises - 1]} -> {values[rises]}"
            raise field_error(path, f"{name}.share_at_or_above[{rises}]", f"rises with the score ({step})")


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
