"""CPU ms per series-year, alone and with peers, of whichever ``detector`` package is first on ``PYTHONPATH``;
or, with ``--paired A B``, of two packages in ONE process, series by series in turn.

For a before/after on one machine state: unpack the older package (``git archive <commit> detector | tar -x
-C /tmp/base``). Paired (stop 60 on; the way to decide a speed change):

    cd /tmp && /path/to/repo/.venv/bin/python /path/to/repo/benchmarks/speed_ab.py --paired /tmp/base /path/to/repo

Each of the 30 series is scored by A and by B back to back (A first on even series, B first on odd ones), three
rounds, and the median of the per-series ratios B / A is reported with each package's median. On this shared
machine, separate runs of one package differ by up to 40 %, so five alternated runs per package (below) could
not tell a 10 % change; two timings seconds apart on the same series see the same machine.

Separate runs, alternated from a folder outside the repository, so the working tree's package is not picked up
from the current directory:

    cd /tmp && for i in 1 2 3 4 5; do for d in /tmp/base /path/to/repo; do
        PYTHONPATH=$d /path/to/repo/.venv/bin/python /path/to/repo/benchmarks/speed_ab.py; done; done

CPU time (``time.process_time``), not wall time: on this shared machine other processes move wall-clock
medians by a third.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import importlib
import json
import statistics
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any


def _cpu_ms(fn: Callable[[], object]) -> float:
    t0 = time.process_time()
    fn()
    return (time.process_time() - t0) * 1000


def _ours(name: str) -> bool:
    return name == "detector" or name.startswith("detector.")


def _import_from(folder: str) -> dict[str, ModuleType]:
    """Every ``detector`` module of the package in ``folder``, imported afresh (none of another stays loaded)."""
    for name in [n for n in sys.modules if _ours(n)]:
        del sys.modules[name]
    sys.path.insert(0, folder)
    try:
        for name in ("detector", "detector.scoring", "detector.features.peers", "detector.simulate"):
            importlib.import_module(name)
        importlib.import_module("detector").load_model()  # the lazy imports of loading and scoring, too
    finally:
        sys.path.remove(folder)
    modules = {n: m for n, m in sys.modules.items() if _ours(n)}
    if not modules["detector"].__file__.startswith(os.path.abspath(folder)):  # type: ignore[union-attr]
        raise SystemExit(f"{folder}: imported {modules['detector'].__file__} instead")
    return modules


class _Package:
    """One package's modules, swapped into ``sys.modules`` while it runs, so its functions' lazy imports
    (``from detector.x import y`` inside a function) find its own modules, not the other package's."""

    def __init__(self, folder: str) -> None:
        self.folder = folder
        self.modules = _import_from(folder)
        self.detector: Any = self.modules["detector"]
        self.model = self.detector.load_model()

    def activate(self) -> None:
        """Its modules in ``sys.modules``, the other package's out."""
        for name in [n for n in sys.modules if _ours(n)]:
            del sys.modules[name]
        sys.modules.update(self.modules)

    def run(self, fn: Callable[[], object]) -> float:
        self.activate()
        return _cpu_ms(fn)


def paired(folder_a: str, folder_b: str, n_series: int = 30, rounds: int = 3, seed: int = 0) -> dict[str, object]:
    """Per-series CPU ms of A and B scored back to back, alone and with peers (a province of 9, pool cost shared)."""
    sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in type(f).__module__]  # folders, not the install
    packages = [_Package(folder_a), _Package(folder_b)]
    inputs = []
    for p in packages:  # each package reads the same fleet into its own series type
        fleet = p.detector.simulate.make_fleet(kind="feeder", n_series=max(n_series, 9), days=365, seed=seed)
        inputs.append(p.detector.load(fleet.loads, unit=fleet.unit, tz=fleet.tz))
    score = [p.modules["detector.scoring"].score_series for p in packages]
    pool_type = [p.modules["detector.features.peers"].PeerPool for p in packages]
    for k, p in enumerate(packages):
        p.run(lambda k=k, p=p: score[k](inputs[k][0], p.model))  # warm-up (holiday tables)
    out: dict[str, object] = {"a": folder_a, "b": folder_b, "rounds": rounds, "n_series": n_series}
    for mode in ("alone", "peers"):
        ms: list[list[float]] = [[], []]
        ratios: list[float] = []
        for _ in range(rounds):
            pools: list[object] = [None, None]
            shares = [0.0, 0.0]
            if mode == "peers":
                for k, p in enumerate(packages):
                    p.activate()
                    t0 = time.process_time()
                    pools[k] = pool_type[k](inputs[k][:9], "IR")
                    shares[k] = (time.process_time() - t0) * 1000 / 9
            for i in range(n_series):
                order = (0, 1) if i % 2 == 0 else (1, 0)
                took = [0.0, 0.0]
                for k in order:
                    p = packages[k]
                    kw = {"peers": pools[k]} if mode == "peers" else {}
                    took[k] = shares[k] + p.run(lambda k=k, p=p, i=i, kw=kw: score[k](inputs[k][i], p.model, **kw))
                ms[0].append(took[0])
                ms[1].append(took[1])
                ratios.append(took[1] / took[0])
        out[f"{mode}_cpu_ms_median_a"] = round(statistics.median(ms[0]), 2)
        out[f"{mode}_cpu_ms_median_b"] = round(statistics.median(ms[1]), 2)
        out[f"{mode}_ratio_b_over_a_median"] = round(statistics.median(ratios), 3)
        quartiles = statistics.quantiles(ratios, n=4)
        out[f"{mode}_ratio_b_over_a_quartiles"] = [round(quartiles[0], 3), round(quartiles[2], 3)]
    out["load_average"] = round(os.getloadavg()[0], 2)
    return out


def main(n_series: int = 30, seed: int = 0) -> dict[str, object]:
    import detector
    from detector.features.peers import PeerPool
    from detector.scoring import score_series

    fleet = detector.simulate.make_fleet(kind="feeder", n_series=max(n_series, 9), days=365, seed=seed)
    series = detector.load(fleet.loads, unit=fleet.unit, tz=fleet.tz)
    model = detector.load_model()
    score_series(series[0], model)  # warm-up (holiday tables, imports)
    alone = [_cpu_ms(lambda s=s: score_series(s, model)) for s in series[:n_series]]
    t0 = time.process_time()
    pool = PeerPool(series[:9], "IR")
    share = (time.process_time() - t0) * 1000 / 9  # the pool's one-off cost, shared out as speed.py does
    peers = [share + _cpu_ms(lambda s=s: score_series(s, model, peers=pool)) for s in series[:n_series]]
    return {
        "package": os.path.dirname(detector.__file__),
        "alone_cpu_ms_median": round(statistics.median(alone), 2),
        "peers_cpu_ms_median": round(statistics.median(peers), 2),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paired", nargs=2, metavar=("A", "B"), help="two folders, each holding a detector package")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.paired:
        folder_a, folder_b = args.paired
        print(json.dumps(paired(folder_a, folder_b, rounds=args.rounds)))
    else:
        print(json.dumps(main()))
