"""The research notebooks: committed without outputs, and each runs top to bottom on small data (CI)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from tests.conftest import SHARED_DATA

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
# Notebooks on the shared real data (``../shared/data``) skip their run where it is absent.
NEEDS_SHARED_DATA = {"06_far_west_texas": SHARED_DATA / "ercot_weather_zones.parquet"}


def _runner() -> ModuleType:
    """``notebooks/run.py`` (a script, not a package module)."""
    spec = importlib.util.spec_from_file_location("notebook_runner", NOTEBOOK_DIR / "run.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_six_notebooks_are_there() -> None:
    assert [p.stem[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebook_holds_no_outputs(path: Path) -> None:
    nb = json.loads(path.read_text())
    dirty = [
        i
        for i, cell in enumerate(nb["cells"])
        if cell["cell_type"] == "code" and (cell.get("outputs") or cell.get("execution_count") is not None)
    ]
    assert not dirty, f"{path.name}: cells {dirty} hold outputs; clear them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_has_a_parameters_cell_first(path: Path) -> None:
    nb = json.loads(path.read_text())
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0].get("metadata", {}).get("tags", []), "first code cell must be tagged parameters"
    assert "OUT_DIR" in "".join(code[0]["source"])


@pytest.mark.slow  # 13-21 s each, 110 s together: `make test-slow` (CI runs it after `make test`)
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    """Small CI parameters; any failing cell fails the test (nbclient's CellExecutionError names it)."""
    data = NEEDS_SHARED_DATA.get(path.stem)
    if data is not None and not data.exists():
        pytest.skip(f"needs {data} (the shared real data beside the project)")
    runner = _runner()
    params = {**runner.CI_PARAMETERS.get(path.stem, {}), "OUT_DIR": str(tmp_path / "out")}
    runner.execute(path, params, timeout=600)
