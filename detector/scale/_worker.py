"""What each Dask worker holds: the model, loaded once, and one BLAS thread per worker process."""

from __future__ import annotations

import ctypes
import hashlib
import sys
import tempfile
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin, get_worker
from threadpoolctl import threadpool_limits

from detector.artifacts import MiningModel, load_model, save_model

PLUGIN_PREFIX = "detector-model-"
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc mallopt parameters (malloc.h)


class ModelPlugin(WorkerPlugin):
    """Carries the model artefact's files (tens of kB) to every worker and loads them there once.

    Shipping the files rather than a path lets a remote cluster without a shared file system use a
    local model directory; ``None`` means the bundled default model, which every worker has.
    """

    def __init__(self, model_dir: Path | None, model: MiningModel | None = None) -> None:
        if model is not None:  # a model in memory (the service's registry): ship its artefact files
            with tempfile.TemporaryDirectory(prefix="detector-model-") as tmp:
                save_model(model, tmp)
                self.files: dict[str, bytes] | None = _artefact_files(Path(tmp))
        else:
            self.files = _artefact_files(model_dir) if model_dir else None
        digest = hashlib.sha256(b"".join(k.encode() + v for k, v in sorted((self.files or {}).items())))
        self.name = PLUGIN_PREFIX + (digest.hexdigest()[:16] if self.files else "default")  # one per model
        self.model: MiningModel | None = None

    def setup(self, worker: Any) -> None:
        threadpool_limits(1)  # workers run side by side: BLAS threads of their own only fight over cores
        _keep_malloc_arenas()
        if self.files is None:
            self.model = load_model()
            return
        with tempfile.TemporaryDirectory(prefix="detector-model-") as tmp:
            for name, data in self.files.items():
                path = Path(tmp) / name
                path.parent.mkdir(parents=True, exist_ok=True)  # a per-mode model's alone/ part
                path.write_bytes(data)
            self.model = load_model(tmp)  # read fully (arrays copied out), so the directory can go


def _artefact_files(model_dir: Path) -> dict[str, bytes]:
    """Every file of a model directory by its path inside it (``alone/manifest.json`` too), in order."""
    return {p.relative_to(model_dir).as_posix(): p.read_bytes() for p in sorted(model_dir.rglob("*")) if p.is_file()}


def worker_model(name: str) -> MiningModel:
    """The model the plugin ``name`` loaded on this worker (jobs with different models can share a cluster)."""
    plugin = get_worker().plugins[name]
    if not isinstance(plugin, ModelPlugin) or plugin.model is None:
        raise RuntimeError("the detector model plugin did not start on this worker")
    return plugin.model


def _keep_malloc_arenas() -> None:
    """Undo the nanny's ``MALLOC_TRIM_THRESHOLD_=65536`` for this worker (glibc only).

    That setting makes glibc hand every freed block back to the kernel and map each array above 128 kB
    afresh: scoring ran 1.5x slower per series (8.1 s -> 12.5 s for 500 meter-years in one process).
    Fixed thresholds of 64 MiB (trim) and 32 MiB (mmap) bring it back to 8.3 s.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_TRIM_THRESHOLD, 64 * 2**20)
        libc.mallopt(_M_MMAP_THRESHOLD, 32 * 2**20)
    except (OSError, AttributeError):  # not glibc (e.g. musl): leave the allocator as it is
        return
