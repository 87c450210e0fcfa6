"""Scoring speed: one series-year on one core (fitting included), batch throughput on 1 and 2
processes, the same-run ratio to an MSTL residual detector, and the command line's start-up.

    python benchmarks/speed.py [--n-series 400] [--repeats 30]
    python benchmarks/speed.py --startup-only [--against DIR]   # start-up only -> results/startup.json

Start-up: median wall time of 5 fresh processes each of `detector --help` and `detector score --help`.
``--against DIR`` times the same two commands, interleaved in the same run, with the ``detector`` package
of DIR instead (e.g. ``git archive <commit> detector | tar -x -C DIR``): a before/after on one machine state.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core per process: what the figures claim
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import json
import statistics
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import typer
from detection import write_result  # type: ignore[import-not-found]

import detector
from detector.features.calendar import CalendarSpec, calendar_features
from detector.features.peers import PeerPool
from detector.models.baselines import mstl_residual_z
from detector.scoring import score_series


def _timed(fn: object) -> float:
    t0 = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t0


def _cpu_timed(fn: object) -> float:
    """CPU seconds of one call: on this shared machine other tenants move wall time by a third or more."""
    t0 = time.process_time()
    fn()  # type: ignore[operator]
    return time.process_time() - t0


def _score_chunk(frame_bytes: bytes) -> int:
    import io

    import pandas as pd

    frame = pd.read_parquet(io.BytesIO(frame_bytes))
    model = detector.load_model()
    results = detector.iter_scores(frame, model=model, unit="MW", tz="Asia/Tehran", peers="none")
    return sum(1 for _, r in results if not isinstance(r, detector.DetectorError))


# Runs the command line of the ``detector`` package in sys.argv[1] (the editable install's finder is dropped).
_FROM_SOURCE = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in type(f).__module__]
sys.path.insert(0, sys.argv.pop(1))
from detector.cli import app
sys.exit(app())
"""
STARTUP_COMMANDS = {"help": ["--help"], "score_help": ["score", "--help"]}


def startup(runs: int = 5, against: Path | None = None) -> dict[str, object]:
    """Median seconds of `detector --help` and `detector score --help`, each run in a fresh process."""
    script = Path(sys.executable).with_name("detector")  # the console script of this environment
    launchers = {"": [str(script)]}
    if against is not None:
        launchers["_against"] = [sys.executable, "-c", _FROM_SOURCE, str(against.resolve())]
    times: dict[str, list[float]] = {}
    for _ in range(runs):  # interleaved, so both sides see the same load
        for suffix, launcher in launchers.items():
            for name, args in STARTUP_COMMANDS.items():
                t0 = time.perf_counter()
                subprocess.run([*launcher, *args], check=True, capture_output=True)
                times.setdefault(f"startup_s_{name}{suffix}", []).append(time.perf_counter() - t0)
    result: dict[str, object] = {key: statistics.median(ts) for key, ts in times.items()}
    result |= {"startup_runs": runs, "startup_load_average": os.getloadavg()[0]}
    if against is not None:
        result["startup_against"] = str(against)
    return result


def main(
    n_series: int = 400,
    repeats: int = 30,
    seed: int = 0,
    startup_only: bool = False,
    against: Path | None = None,
) -> None:
    if startup_only:
        result = startup(against=against)
        path = write_result("startup", result)
        print(json.dumps(result, indent=2))
        print(f"written to {path}")
        return
    fleet = detector.simulate.make_fleet(kind="feeder", n_series=n_series, days=365, seed=seed)
    series = detector.load(fleet.loads, unit=fleet.unit, tz=fleet.tz)
    model = detector.load_model()
    one = series[0]
    score_series(one, model)  # warm-up (holiday tables, imports)
    per_series = [_timed(lambda s=s: score_series(s, model)) for s in series[:repeats]]
    # With peers: a province of 9 series (each the others' peers); the pool's one-off cost is shared out.
    t0, c0 = time.perf_counter(), time.process_time()
    province = PeerPool(series[:9], "IR")
    pool_share, pool_cpu_share = (time.perf_counter() - t0) / 9, (time.process_time() - c0) / 9
    with_peers = [pool_share + _timed(lambda s=s: score_series(s, model, peers=province)) for s in series[:repeats]]
    cpu = [_cpu_timed(lambda s=s: score_series(s, model)) for s in series[:repeats]]
    cpu_with_peers = [
        pool_cpu_share + _cpu_timed(lambda s=s: score_series(s, model, peers=province)) for s in series[:repeats]
    ]
    cal = calendar_features(one.index, CalendarSpec(tz=one.tz))
    mstl = [_timed(lambda s=s: mstl_residual_z(s.load, cal)) for s in series[: max(3, repeats // 10)]]

    t0 = time.perf_counter()
    list(detector.iter_scores(fleet.loads, model=model, unit=fleet.unit, tz=fleet.tz, peers="none"))
    one_proc = n_series / (time.perf_counter() - t0)

    import io

    chunks = []
    ids = fleet.loads.series_id.unique()
    for part in np.array_split(ids, 8):
        buf = io.BytesIO()
        fleet.loads[fleet.loads.series_id.isin(part)].to_parquet(buf)
        chunks.append(buf.getvalue())
    with ProcessPoolExecutor(max_workers=2) as pool:
        list(pool.map(_score_chunk, chunks[:2]))  # warm the workers
        t0 = time.perf_counter()
        done = sum(pool.map(_score_chunk, chunks))
        two_proc = done / (time.perf_counter() - t0)

    result = {
        "n_series": n_series,
        "repeats": repeats,
        "seed": seed,
        "median_ms_per_series_year": 1000 * statistics.median(per_series),
        "median_ms_per_series_year_with_peers": 1000 * statistics.median(with_peers),
        "p90_ms_per_series_year": 1000 * float(np.percentile(per_series, 90)),
        # The same series again in CPU time (the pool's share included): less moved by other tenants.
        "median_cpu_ms_per_series_year": 1000 * statistics.median(cpu),
        "median_cpu_ms_per_series_year_with_peers": 1000 * statistics.median(cpu_with_peers),
        "mstl_median_ms_per_series_year": 1000 * statistics.median(mstl),
        "speedup_vs_mstl": statistics.median(mstl) / statistics.median(per_series),
        "batch_series_years_per_s_1_process": one_proc,
        "batch_series_years_per_s_2_processes": two_proc,
        "cpu_count": os.cpu_count(),
        **startup(against=against),
    }
    path = write_result("speed", result)
    print(json.dumps(result, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    typer.run(main)
