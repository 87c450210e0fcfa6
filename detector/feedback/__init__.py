"""Inspection feedback: record what inspections found and recalibrate a model on it.

``read_outcomes`` / ``check_outcome`` validate outcomes (the service stores them);
``recalibrate`` refits a model's calibrator and threshold on them, writing nothing: save the new
model with ``detector.save_model``. Past results are never touched and keep naming their model version.
"""

from __future__ import annotations

from detector.feedback.outcomes import (
    OUTCOMES,
    Outcome,
    OutcomeDraft,
    OutcomeFileError,
    UnknownReferenceError,
    check_outcome,
    read_outcomes,
)
from detector.feedback.recalibrate import (
    LoadSource,
    Recalibration,
    RecalibrationReport,
    SideMetrics,
    best_cut,
    fit_calibrator,
    precision_at_budget,
    recalibrate,
    series_labels,
)

__all__ = [
    "OUTCOMES",
    "LoadSource",
    "Outcome",
    "OutcomeDraft",
    "OutcomeFileError",
    "Recalibration",
    "RecalibrationReport",
    "SideMetrics",
    "UnknownReferenceError",
    "best_cut",
    "check_outcome",
    "fit_calibrator",
    "precision_at_budget",
    "read_outcomes",
    "recalibrate",
    "series_labels",
]
