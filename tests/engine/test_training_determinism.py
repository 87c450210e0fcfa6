"""Training is deterministic: the same data and seed give the same model, in this process and in a fresh one.

A tiny training set (8 simulated feeders of 60 days) keeps it to a few seconds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import detector
from detector import simulate

_TRAIN = """
import sys
import detector
from detector import simulate

fleet = simulate.make_fleet(kind="feeder", n_series=8, days=60, mining_share=0.5, seed=3)
data = detector.LabelledSet("sim-feeder", fleet.loads, fleet.truth, fleet.unit, "Asia/Tehran", None)
detector.save_model(detector.train([data], random_state=int(sys.argv[2])), sys.argv[1])
"""


def _train_in_a_fresh_process(out: Path, random_state: int, hash_seed: int) -> subprocess.Popen[bytes]:
    """Started, not awaited: it trains while this process trains too."""
    env = {**os.environ, "PYTHONHASHSEED": str(hash_seed)}
    return subprocess.Popen([sys.executable, "-c", _TRAIN, str(out), str(random_state)], env=env)


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path / "arrays.npz", allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def test_same_data_and_seed_give_the_same_model_and_artefact(tmp_path: Path) -> None:
    there = _train_in_a_fresh_process(tmp_path / "there", random_state=0, hash_seed=1)
    fleet = simulate.make_fleet(kind="feeder", n_series=8, days=60, mining_share=0.5, seed=3)
    data = detector.LabelledSet("sim-feeder", fleet.loads, fleet.truth, fleet.unit, "Asia/Tehran", None)
    here = detector.save_model(detector.train([data], random_state=0), tmp_path / "here")
    assert there.wait(timeout=300) == 0
    a, b = _arrays(here), _arrays(tmp_path / "there")
    assert sorted(a) == sorted(b)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name], err_msg=name)
    ma = json.loads((here / "manifest.json").read_text())
    mb = json.loads((tmp_path / "there" / "manifest.json").read_text())
    assert ma["training_data_sha256"] == mb["training_data_sha256"]
    assert ma["model_version"].rsplit("-", 1)[-1] == mb["model_version"].rsplit("-", 1)[-1]  # the digest part
    for key in ("threshold", "thresholds", "validation", "n_series"):
        assert ma[key] == mb[key], key
    assert ma["arrays_sha256"] == mb["arrays_sha256"]  # the artefact file itself, byte for byte
