"""Where the benchmarks' real load files are: one rule for every script.

``../shared/data`` beside the project (the folder the figures in ``BENCHMARKS.md`` were measured on) where it
exists, else the download cache that ``make benchmark-data`` fills (``fetch_data.py``). The cache is
``$DETECTOR_BENCHMARK_DATA`` if set, else ``~/.cache/detector-benchmarks``. Nothing here downloads.
"""

from __future__ import annotations

import os
from pathlib import Path

BESIDE = Path(__file__).resolve().parents[2] / "shared" / "data"
CACHE_ENV = "DETECTOR_BENCHMARK_DATA"


def cache_dir() -> Path:
    """The folder ``make benchmark-data`` writes to (it may not exist yet)."""
    override = os.environ.get(CACHE_ENV)
    return Path(override).expanduser() if override else Path.home() / ".cache" / "detector-benchmarks"


def data_dir() -> Path:
    """``../shared/data`` if it exists, else the cache if it exists, else ``../shared/data`` (absent).

    Callers that skip real data when it is missing test ``data_dir().exists()``; callers that need a file
    use ``data_file``, which says what to run.
    """
    for folder in (BESIDE, cache_dir()):
        if folder.is_dir():
            return folder
    return BESIDE


def data_file(name: str) -> Path:
    """The path of one real load file, or a ``FileNotFoundError`` telling the user to run ``make benchmark-data``."""
    for folder in (BESIDE, cache_dir()):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(
        f"{name} is in neither {BESIDE} nor {cache_dir()}: run `make benchmark-data` from the project root "
        f"(downloads the public sources and checks them; set {CACHE_ENV} to choose the folder)"
    )
