"""Streaming: peak memory and throughput of `detector score` on a 10,000-series file, 1 and 2 workers.

Builds a Parquet file of one-year hourly feeders grouped by series (20 simulated feeders, each copied
at a random scale: the rows are real simulator output, the series are not all different), then runs
the real `detector score` command in a subprocess per worker count while reading its memory from /proc.

    python benchmarks/memory.py [--n-series 10000] [--workers 1 --workers 2] [--tmp /tmp/detector-memory]
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import typer
from detection import write_result  # type: ignore[import-not-found]

import detector

CHECKPOINTS = (1_000, 2_500, 5_000, 10_000)
SERIES_PER_ROW_GROUP = 50  # 438,000 rows: a row group of a few MB, as exports write them
_PROGRESS = re.compile(rb"(\d+)/\?")  # rich's MofNCompleteColumn with an unknown total: "1234/?"


def build_file(path: Path, n_series: int, n_bases: int = 20, seed: int = 0) -> dict[str, object]:
    """Write ``n_series`` one-year feeders (MW), grouped by series, in row groups of 50 series."""
    t0 = time.perf_counter()
    fleet = detector.simulate.make_fleet(kind="feeder", n_series=n_bases, days=365, seed=seed)
    loads = fleet.loads
    bases = [g for _, g in loads.groupby("series_id", sort=False)]
    hours = len(bases[0])
    rng = np.random.default_rng(seed)
    scale = rng.uniform(0.5, 2.0, n_series)
    schema = pa.schema(
        [
            ("series_id", pa.string()),
            ("timestamp", pa.timestamp("us", tz="UTC")),
            ("load", pa.float64()),
            ("temperature", pa.float64()),
            ("unit", pa.string()),
        ]
    )
    with pq.ParquetWriter(path, schema) as writer:
        for first in range(0, n_series, SERIES_PER_ROW_GROUP):
            ids = range(first, min(first + SERIES_PER_ROW_GROUP, n_series))
            picked = [bases[i % n_bases] for i in ids]
            columns = {
                "series_id": np.repeat([f"feeder-{i:05d}" for i in ids], hours),
                "timestamp": np.concatenate([b["timestamp"].to_numpy() for b in picked]),
                "load": np.concatenate([b["load"].to_numpy() * scale[i] for b, i in zip(picked, ids, strict=True)]),
                "temperature": np.concatenate([b["temperature"].to_numpy() for b in picked]),
                "unit": np.full(hours * len(picked), fleet.unit),
            }
            writer.write_table(pa.table(columns, schema=schema))
    meta = pq.ParquetFile(path).metadata
    return {
        "rows": meta.num_rows,
        "row_groups": meta.num_row_groups,
        "hours_per_series": hours,
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "build_s": round(time.perf_counter() - t0, 1),
    }


def _kib(pid: int, field: str) -> int:
    """``VmRSS``/``VmHWM`` of one process in KiB (0 once it is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(rf"^{field}:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) if match else 0


def _descendants(pid: int) -> list[int]:
    # Hand-written from /proc rather than psutil: the kernel's per-process peak (VmHWM) is what we want,
    # and psutil does not expose it; this keeps the benchmark free of another dependency.
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = [int(k) for k in (task / "children").read_text().split()]
        except OSError:
            continue
        for kid in kids:
            out += [kid, *_descendants(kid)]
    return out


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_score(path: Path, out_dir: Path, workers: int, n_series: int) -> dict[str, object]:
    """Run `detector score` once; peak RSS (MiB) at each checkpoint and series-years per second."""
    cmd = [
        str(Path(sys.executable).parent / "detector"),
        "score",
        str(path),
        "--out",
        str(out_dir / f"scores-w{workers}.csv"),
        "--tz",
        "Asia/Tehran",
        "--workers",
        str(workers),
    ]
    # The progress bar is the only live count of scored series: make rich draw it into our pipe.
    env = {**os.environ, "TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "COLUMNS": "160"}
    env |= {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}  # one core per process, as in speed.py
    t0, cpu0 = time.perf_counter(), _children_cpu_s()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    done = [0]

    def read_progress() -> None:
        assert proc.stderr is not None
        while chunk := proc.stderr.read1(65536):
            counts = _PROGRESS.findall(chunk)
            if counts:
                done[0] = int(counts[-1])

    reader = threading.Thread(target=read_progress, daemon=True)
    reader.start()
    peak_total, hwm_main, hwm_workers, checkpoints = 0, 0, {}, {}
    while proc.poll() is None:
        kids = _descendants(proc.pid)
        total = _kib(proc.pid, "VmRSS") + sum(_kib(k, "VmRSS") for k in kids)
        peak_total = max(peak_total, total)
        hwm_main = max(hwm_main, _kib(proc.pid, "VmHWM"))
        for k in kids:
            hwm_workers[k] = max(hwm_workers.get(k, 0), _kib(k, "VmHWM"))
        for mark in CHECKPOINTS:
            if mark <= n_series and mark not in checkpoints and done[0] >= mark:
                checkpoints[mark] = {
                    "main_peak_mib": round(hwm_main / 1024),
                    "workers_peak_mib": round(sum(hwm_workers.values()) / 1024),
                    "sampled_total_peak_mib": round(peak_total / 1024),
                    "at_s": round(time.perf_counter() - t0, 1),
                }
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    cpu = _children_cpu_s() - cpu0  # the command and its workers, once reaped: independent of other load
    reader.join(timeout=5)
    return {
        "command": " ".join(cmd[1:]),
        "exit_code": proc.returncode,
        "wall_s": round(wall, 1),
        "series_years_per_s": round(n_series / wall, 1),
        "cpu_s": round(cpu, 1),
        "cpu_ms_per_series_year": round(1000 * cpu / n_series, 1),
        "checkpoints": {str(k): v for k, v in checkpoints.items()},
        "main_peak_mib": round(hwm_main / 1024),
        "sampled_total_peak_mib": round(peak_total / 1024),
    }


def main(
    n_series: int = 10_000,
    workers: list[int] = typer.Option([1, 2]),  # noqa: B008 - typer's way to declare a repeatable option
    tmp: Path = Path("/tmp/detector-memory"),
    seed: int = 0,
    reuse: bool = typer.Option(False, help="score an existing file from an earlier run (no build time)"),
) -> None:
    tmp.mkdir(parents=True, exist_ok=True)
    path = tmp / f"feeders-{n_series}.parquet"
    if reuse and path.exists():
        meta = pq.ParquetFile(path).metadata
        built: dict[str, object] = {"rows": meta.num_rows, "row_groups": meta.num_row_groups, "build_s": None}
    else:
        built = build_file(path, n_series, seed=seed)
    print(json.dumps({"file": str(path), **built}), flush=True)
    runs = {}
    for w in workers:
        runs[f"workers_{w}"] = run_score(path, tmp, w, n_series)
        print(json.dumps(runs[f"workers_{w}"]), flush=True)
    load = dict(zip(("load_1min", "load_5min", "load_15min"), os.getloadavg(), strict=True))  # others share the CPUs
    out = write_result(
        "memory", {"n_series": n_series, "seed": seed, "file": built, **runs, "cpu_count": os.cpu_count(), **load}
    )
    print(f"written to {out}")


if __name__ == "__main__":
    typer.run(main)
