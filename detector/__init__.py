"""detector: find illicit cryptocurrency mining in electricity load data.

The public API. The CLI, the HTTP service and the notebooks import from here only.

Names are imported on first use (module ``__getattr__``), so ``import detector`` and ``detector --help``
do not load pandas, scikit-learn or the web stack; ``from detector import score`` works as usual, and
type checkers read the imports under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from detector import feedback, plotting, simulate
    from detector.artifacts import MiningModel, load_model, save_model
    from detector.balance import FeederBalance, balance_feeders
    from detector.claims import Claim, Verification
    from detector.claims import verify as verify_claim
    from detector.errors import (
        ArtifactError,
        DataSufficiencyError,
        DetectorError,
        ErrorCode,
        InputValidationError,
        LimitExceededError,
        ModelNotFoundError,
        ScoringError,
    )
    from detector.evaluation import evaluate
    from detector.export import escape_cell, escape_formulas
    from detector.features.calendar import CalendarSpec
    from detector.ingest import CALENDARS, UNITS, LoadSeries, QualityReport, from_arrays, iter_series, load, read_table
    from detector.ingest.units import power_text
    from detector.models.baselines import BASELINES
    from detector.options import ScoreOptions
    from detector.pipeline import iter_scores, iter_signatures, resolve_peers, score, score_block
    from detector.rigs import RIGS
    from detector.scale import DaskRun, read_results, score_dataset
    from detector.scoring import RIG_KW, ScoreReport, Segment
    from detector.training import LabelledSet, metrics, train
    from detector.zones import calendar_country, zone_country

__version__ = "0.1.0"

# public name -> (module, attribute in it); None: the module itself
_WHERE: dict[str, tuple[str, str | None]] = {
    "feedback": ("detector.feedback", None),
    "simulate": ("detector.simulate", None),
    "plotting": ("detector.plotting", None),
    "power_text": ("detector.ingest.units", "power_text"),
    "MiningModel": ("detector.artifacts", "MiningModel"),
    "load_model": ("detector.artifacts", "load_model"),
    "save_model": ("detector.artifacts", "save_model"),
    "FeederBalance": ("detector.balance", "FeederBalance"),
    "balance_feeders": ("detector.balance", "balance_feeders"),
    "RIGS": ("detector.rigs", "RIGS"),
    "Claim": ("detector.claims", "Claim"),
    "Verification": ("detector.claims", "Verification"),
    "verify_claim": ("detector.claims", "verify"),
    "ArtifactError": ("detector.errors", "ArtifactError"),
    "DataSufficiencyError": ("detector.errors", "DataSufficiencyError"),
    "DetectorError": ("detector.errors", "DetectorError"),
    "ErrorCode": ("detector.errors", "ErrorCode"),
    "InputValidationError": ("detector.errors", "InputValidationError"),
    "LimitExceededError": ("detector.errors", "LimitExceededError"),
    "ModelNotFoundError": ("detector.errors", "ModelNotFoundError"),
    "ScoringError": ("detector.errors", "ScoringError"),
    "evaluate": ("detector.evaluation", "evaluate"),
    "escape_cell": ("detector.export", "escape_cell"),
    "escape_formulas": ("detector.export", "escape_formulas"),
    "CalendarSpec": ("detector.features.calendar", "CalendarSpec"),
    "CALENDARS": ("detector.ingest", "CALENDARS"),
    "UNITS": ("detector.ingest", "UNITS"),
    "LoadSeries": ("detector.ingest", "LoadSeries"),
    "QualityReport": ("detector.ingest", "QualityReport"),
    "from_arrays": ("detector.ingest", "from_arrays"),
    "iter_series": ("detector.ingest", "iter_series"),
    "load": ("detector.ingest", "load"),
    "read_table": ("detector.ingest", "read_table"),
    "BASELINES": ("detector.models.baselines", "BASELINES"),
    "ScoreOptions": ("detector.options", "ScoreOptions"),
    "iter_scores": ("detector.pipeline", "iter_scores"),
    "iter_signatures": ("detector.pipeline", "iter_signatures"),
    "resolve_peers": ("detector.pipeline", "resolve_peers"),
    "score": ("detector.pipeline", "score"),
    "score_block": ("detector.pipeline", "score_block"),
    "DaskRun": ("detector.scale", "DaskRun"),
    "read_results": ("detector.scale", "read_results"),
    "score_dataset": ("detector.scale", "score_dataset"),
    "RIG_KW": ("detector.scoring", "RIG_KW"),
    "ScoreReport": ("detector.scoring", "ScoreReport"),
    "Segment": ("detector.scoring", "Segment"),
    "LabelledSet": ("detector.training", "LabelledSet"),
    "metrics": ("detector.training", "metrics"),
    "train": ("detector.training", "train"),
    "calendar_country": ("detector.zones", "calendar_country"),
    "zone_country": ("detector.zones", "zone_country"),
}

__all__ = [
    "BASELINES",
    "CALENDARS",
    "RIGS",
    "RIG_KW",
    "UNITS",
    "ArtifactError",
    "CalendarSpec",
    "Claim",
    "DaskRun",
    "DataSufficiencyError",
    "DetectorError",
    "ErrorCode",
    "FeederBalance",
    "InputValidationError",
    "LabelledSet",
    "LimitExceededError",
    "LoadSeries",
    "MiningModel",
    "ModelNotFoundError",
    "QualityReport",
    "ScoreOptions",
    "ScoreReport",
    "ScoringError",
    "Segment",
    "Verification",
    "__version__",
    "balance_feeders",
    "calendar_country",
    "escape_cell",
    "escape_formulas",
    "evaluate",
    "feedback",
    "from_arrays",
    "iter_scores",
    "iter_series",
    "iter_signatures",
    "load",
    "load_model",
    "metrics",
    "plotting",
    "power_text",
    "read_results",
    "read_table",
    "resolve_peers",
    "save_model",
    "score",
    "score_block",
    "score_dataset",
    "simulate",
    "train",
    "verify_claim",
    "zone_country",
]


def __getattr__(name: str) -> object:
    """Import a public name on first use and keep it, so the next lookup is a plain attribute."""
    try:
        module, attr = _WHERE[name]
    except KeyError:
        raise AttributeError(f"module 'detector' has no attribute {name!r}") from None
    value = importlib.import_module(module)
    if attr is not None:
        value = getattr(value, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
