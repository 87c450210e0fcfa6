"""detector: find illicit cryptocurrency mining in electricity load data.

The public API. The CLI, the HTTP service and the notebooks import from here only.
"""

from __future__ import annotations

from detector import simulate
from detector.errors import (
    ArtifactError,
    DataSufficiencyError,
    DetectorError,
    InputValidationError,
    ModelNotFoundError,
)
from detector.features.calendar import CalendarSpec
from detector.ingest import UNITS, LoadSeries, QualityReport, from_arrays, iter_series, load

__version__ = "0.1.0"

__all__ = [
    "UNITS",
    "ArtifactError",
    "CalendarSpec",
    "DataSufficiencyError",
    "DetectorError",
    "InputValidationError",
    "LoadSeries",
    "ModelNotFoundError",
    "QualityReport",
    "__version__",
    "from_arrays",
    "iter_series",
    "load",
    "simulate",
]
