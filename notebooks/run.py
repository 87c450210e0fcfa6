"""Execute the research notebooks top to bottom, papermill-style parameters injected.

``python notebooks/run.py``            every notebook at its research-sized defaults, executed copies (with
                                       outputs) in ``notebooks/output/`` (git-ignored); a failing cell fails the run.
``python notebooks/run.py --ci 03``    the small parameters CI uses (``CI_PARAMETERS``), one notebook.
``python notebooks/run.py --clear``    strip outputs and execution counts from the committed notebooks, in place.

``tests/test_notebooks.py`` runs every notebook through ``execute`` with ``CI_PARAMETERS``, so ``make test``
(and CI) fails on any failing cell. The kernel is ``python3``, which jupyter_client resolves to the
interpreter running this script (the venv's, with ipykernel installed in it).
"""

from __future__ import annotations

import argparse
import logging
import time
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
NOTEBOOKS = sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
log = logging.getLogger("notebooks")

# Small data for CI: every notebook runs end to end in well under a minute on a shared 2-core machine.
CI_PARAMETERS: dict[str, dict[str, Any]] = {
    "01_signatures": {"DAYS": 240},
    "02_train_evaluate": {"N_TRAIN": 12, "N_TEST": 8, "DAYS": 180, "N_REAL_EVENTS": 4},
    "03_case_study_tehran": {"N_FEEDERS": 12, "N_MINERS": 4},
    "04_api_client": {"N_JOB_SERIES": 8},
    "05_claims_and_balance": {"CONFIDENCE": 0.9},
    "06_far_west_texas": {"YEARS": [2019, 2023], "SPAN": (2022, 2023)},
}


def inject_parameters(nb: nbformat.NotebookNode, parameters: dict[str, Any]) -> None:
    """Insert a cell assigning ``parameters`` right after the cell tagged ``parameters`` (as papermill does)."""
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        raise ValueError("notebook has no cell tagged 'parameters'")
    source = "# Injected parameters\n" + "\n".join(f"{k} = {v!r}" for k, v in parameters.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(tagged[0] + 1, cell)


def clear_outputs(path: Path) -> None:
    """Strip outputs and execution counts in place (committed notebooks hold none; a test checks it)."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def execute(
    path: Path, parameters: dict[str, Any] | None = None, *, timeout: int = 900, output: Path | None = None
) -> float:
    """Run ``path`` in a fresh ``python3`` kernel from the notebook's folder; return the seconds it took.

    A failing cell raises ``nbclient.exceptions.CellExecutionError`` naming the cell and the error.
    ``output``: where to write the executed copy (with outputs); never the committed file.
    """
    nb = nbformat.read(path, as_version=4)
    if parameters:
        inject_parameters(nb, parameters)
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    began = time.perf_counter()
    try:
        client.execute()
    finally:
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, output)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="notebooks to run (a prefix such as 02 will do); default: all")
    parser.add_argument("--ci", action="store_true", help="use the small CI parameters")
    parser.add_argument("--clear", action="store_true", help="strip outputs from the notebooks in place, run nothing")
    parser.add_argument("--out", type=Path, default=HERE / "output", help="folder for the executed copies")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    chosen = [p for p in NOTEBOOKS if not args.names or any(p.stem.startswith(n) for n in args.names)]
    if args.clear:
        for path in chosen:
            clear_outputs(path)
            log.info("%s: outputs cleared", path.name)
        return
    for path in chosen:
        params = dict(CI_PARAMETERS.get(path.stem, {})) if args.ci else {}
        params["OUT_DIR"] = str(args.out / path.stem)
        seconds = execute(path, params, output=args.out / path.name)
        log.info("%s: %.0f s", path.name, seconds)


if __name__ == "__main__":
    main()
