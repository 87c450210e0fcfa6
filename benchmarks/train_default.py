"""Train the default model shipped in the package (detector/artifacts/default) on the TRAIN split.

python benchmarks/train_default.py [--scale 1.0]
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import typer
from datasets import sets  # type: ignore[import-not-found]

from detector import save_model, train

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "detector" / "artifacts" / "default"


def main(scale: float = 8.0, out: Path = DEFAULT_DIR, seed: int = 0) -> None:
    logging.basicConfig(level=logging.WARNING)
    t0 = time.perf_counter()
    data = sets("train", scale=scale)
    model = train(data, name="default", random_state=seed)
    save_model(model, out)
    print(
        json.dumps(
            {
                "model_version": model.version,
                "threshold": model.threshold,
                "seconds": round(time.perf_counter() - t0, 1),
                **model.metadata["validation"],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    typer.run(main)
