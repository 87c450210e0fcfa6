"""detector: find illicit cryptocurrency mining in electricity load data.

The public API. The CLI, the HTTP service and the notebooks import from here only.
"""

from __future__ import annotations

from detector import feedback, simulate
from detector.artifacts import MiningModel, load_model, save_model
from detector.balance import FeederBalance, balance_feeders
from detector.claims import RIGS, Claim, Verification
from detector.claims import verify as verify_claim
from detector.errors import (
    ArtifactError,
    DataSufficiencyError,
    DetectorError,
    InputValidationError,
    ModelNotFoundError,
)
from detector.evaluation import evaluate
from detector.export import escape_cell, escape_formulas
from detector.features.calendar import CalendarSpec
from detector.ingest import UNITS, LoadSeries, QualityReport, from_arrays, iter_series, load, read_table
from detector.models.baselines import BASELINES
from detector.pipeline import LabelledSet, iter_scores, metrics, score, score_block, train
from detector.scale import DaskRun, read_results, score_dataset
from detector.scoring import RIG_KW, ScoreReport, Segment

__version__ = "0.1.0"

__all__ = [
    "BASELINES",
    "RIGS",
    "RIG_KW",
    "UNITS",
    "ArtifactError",
    "CalendarSpec",
    "Claim",
    "DaskRun",
    "DataSufficiencyError",
    "DetectorError",
    "FeederBalance",
    "InputValidationError",
    "LabelledSet",
    "LoadSeries",
    "MiningModel",
    "ModelNotFoundError",
    "QualityReport",
    "ScoreReport",
    "Segment",
    "Verification",
    "__version__",
    "balance_feeders",
    "escape_cell",
    "escape_formulas",
    "evaluate",
    "feedback",
    "from_arrays",
    "iter_scores",
    "iter_series",
    "load",
    "load_model",
    "metrics",
    "read_results",
    "read_table",
    "save_model",
    "score",
    "score_block",
    "score_dataset",
    "simulate",
    "train",
    "verify_claim",
]
