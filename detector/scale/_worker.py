"""What each Dask worker holds: the model, loaded once, and one BLAS thread per worker process."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from distributed import WorkerPlugin, get_worker
from threadpoolctl import threadpool_limits

from detector.artifacts import MiningModel, load_model

PLUGIN_NAME = "detector-model"


class ModelPlugin(WorkerPlugin):
    """Carries the model artefact's files (tens of kB) to every worker and loads them there once.

    Shipping the files rather than a path lets a remote cluster without a shared file system use a
    local model directory; ``None`` means the bundled default model, which every worker has.
    """

    name = PLUGIN_NAME

    def __init__(self, model_dir: Path | None) -> None:
        self.files = {p.name: p.read_bytes() for p in sorted(model_dir.iterdir())} if model_dir else None
        self.model: MiningModel | None = None

    def setup(self, worker: Any) -> None:
        threadpool_limits(1)  # workers run side by side: BLAS threads of their own only fight over cores
        if self.files is None:
            self.model = load_model()
            return
        with tempfile.TemporaryDirectory(prefix="detector-model-") as tmp:
            for name, data in self.files.items():
                (Path(tmp) / name).write_bytes(data)
            self.model = load_model(tmp)  # read fully (arrays copied out), so the directory can go


def worker_model() -> MiningModel:
    """The model this worker loaded at start-up."""
    plugin = get_worker().plugins[PLUGIN_NAME]
    if not isinstance(plugin, ModelPlugin) or plugin.model is None:
        raise RuntimeError("the detector model plugin did not start on this worker")
    return plugin.model
