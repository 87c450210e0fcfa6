"""Start-up: `import detector` and `detector --help` load no heavy library; lazy names are the real ones."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import detector
from detector.cli.main import LAZY_COMMANDS, load_command

HEAVY = ("pandas", "sklearn", "scipy", "statsmodels", "fastapi", "sqlalchemy", "matplotlib", "dask")

# Runs in a fresh interpreter: import the package, run the command line in-process, list heavy modules loaded.
PROBE = """
import sys
import detector
from detector.cli import app
try:
    app(args=sys.argv[1:], prog_name="detector")
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
print(" ".join(sorted({m.split(".")[0] for m in sys.modules} & set(sys.argv[0].split(",")))))
"""


def _heavy_after(*args: str, heavy: tuple[str, ...] = HEAVY) -> str:
    code = PROBE.replace("sys.argv[0]", repr(",".join(heavy)))
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Usage: detector" in done.stdout  # the help was printed, so the probe ran the command line
    return done.stdout.splitlines()[-1].strip()


def test_help_imports_no_heavy_library() -> None:
    assert _heavy_after("--help") == ""


def test_score_help_imports_no_heavy_library() -> None:
    assert _heavy_after("score", "--help") == ""


def test_the_probe_sees_heavy_imports() -> None:
    """The probe can fail: a command that loads the service's modules is reported."""
    assert _heavy_after("outcomes", "--help", heavy=("pandas",)) == "pandas"


@pytest.mark.parametrize("name", list(LAZY_COMMANDS))
def test_lazy_command_is_listed_with_its_own_help(name: str) -> None:
    real = load_command(name)
    assert (real.help or "").split("\n\n")[0].replace("\n", " ") == LAZY_COMMANDS[name][2]


def test_every_public_name_resolves() -> None:
    assert set(detector.__all__) == {*detector._WHERE, "__version__"}
    from detector import MiningModel, score, verify_claim

    assert (score.__module__, MiningModel.__name__, verify_claim.__name__) == (
        "detector.pipeline",
        "MiningModel",
        "verify",
    )
    assert all(getattr(detector, name) is not None for name in detector.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        detector.nope  # noqa: B018


SCORE_PROBE = """
import sys
from detector.cli import app
try:
    app(args=sys.argv[1:], prog_name="detector")
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
print(" ".join(sorted({m.split(".")[0] for m in sys.modules} & {"sklearn", "scipy", "statsmodels", "matplotlib"})))
"""


def test_scoring_a_file_imports_no_training_library(tmp_path: Path) -> None:
    """`detector score` loads the model and scores without scikit-learn, SciPy or statsmodels (start-up time)."""
    out = tmp_path / "scores.csv"
    sample = Path(__file__).resolve().parents[2] / "sample_data" / "tehran_feeders.parquet"
    args = ["score", str(sample), "--tz", "Asia/Tehran", "--out", str(out), "--workers", "1", "--peers", "none"]
    done = subprocess.run([sys.executable, "-c", SCORE_PROBE, *args], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert out.exists()
    assert done.stdout.splitlines()[-1].strip() == ""


def test_the_trees_take_the_estimators_parameters() -> None:
    """A manifest's classifier_params are checked against trees.PARAM_NAMES: the estimator's own names."""
    import inspect

    from detector.models.classifier import SignatureClassifier
    from detector.models.trees import PARAM_NAMES

    assert tuple(p for p in inspect.signature(SignatureClassifier.__init__).parameters if p != "self") == PARAM_NAMES
