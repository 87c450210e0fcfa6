"""Scale-out: score a partitioned dataset on a Dask cluster with the same per-series path as the CLI.

Dask is an optional dependency (``pip install 'detector[scale]'``); it is imported only when
``score_dataset`` runs, so the rest of the package works without it.
"""

from __future__ import annotations

from detector.scale.dask_engine import RESULT_COLUMNS, DaskRun, input_files, read_results, score_dataset

__all__ = ["RESULT_COLUMNS", "DaskRun", "input_files", "read_results", "score_dataset"]
