"""CPU ms per series-year, alone and with peers, of whichever ``detector`` package is first on ``PYTHONPATH``.

For a before/after on one machine state: unpack the older package (``git archive <commit> detector | tar -x
-C /tmp/base``) and alternate runs from a folder outside the repository, so the working tree's package is not
picked up from the current directory:

    cd /tmp && for i in 1 2 3 4 5; do for d in /tmp/base /path/to/repo; do
        PYTHONPATH=$d /path/to/repo/.venv/bin/python /path/to/repo/benchmarks/speed_ab.py; done; done

CPU time (``time.process_time``), not wall time: on this shared machine other processes move wall-clock
medians by a third; compare the medians of the runs of each package.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import json
import statistics
import time
from collections.abc import Callable

import detector
from detector.features.peers import PeerPool
from detector.scoring import score_series


def _cpu_ms(fn: Callable[[], object]) -> float:
    t0 = time.process_time()
    fn()
    return (time.process_time() - t0) * 1000


def main(n_series: int = 30, seed: int = 0) -> dict[str, object]:
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
    print(json.dumps(main()))
