"""Scale-out: series-years per second and peak memory per worker of the Dask engine, 1 and 2 workers.

Generates simulated one-year meters with the real command (`detector simulate --kind meter
--partition-size K`, a Parquet dataset of K whole series per file) at each size, then for each worker
count starts a fresh LocalCluster (processes, one thread each) and times `detector.score_dataset` on it
(what `detector score --engine dask --scheduler ADDR` runs): the survey pass, reading, checking,
scoring and writing the results dataset; not the cluster's start-up, not the ranked CSV. Peak memory
per worker is the kernel's high-water mark (`VmHWM`) of each worker process, read at the end.

    python benchmarks/scale.py [--sizes 2000 --sizes 20000] [--workers 1 --workers 2] [--days 365]
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import typer
from detection import write_result  # type: ignore[import-not-found]
from distributed import Client, LocalCluster

import detector


def _peak_rss_mib() -> float:
    """This process's peak resident memory (``VmHWM``) in MiB; run on each worker by ``Client.run``."""
    text = Path("/proc/self/status").read_text()
    match = re.search(r"^VmHWM:\s+(\d+) kB", text, re.M)
    return int(match.group(1)) / 1024 if match else float("nan")


def build(out: Path, n_series: int, days: int, partition_size: int, seed: int) -> dict[str, object]:
    """Write the meters with `detector simulate` (skipped when the dataset is already there)."""
    if out.exists() and any(out.glob("part-*.parquet")):
        return {"build_s": None, "reused": True}
    cmd = [str(Path(sys.executable).parent / "detector"), "simulate", "--kind", "meter", "--n-series"]
    cmd += [str(n_series), "--days", str(days), "--seed", str(seed), "--out", str(out)]
    cmd += ["--partition-size", str(partition_size)]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return {"command": " ".join(cmd[1:]), "build_s": round(time.perf_counter() - t0, 1), "reused": False}


def run(data: Path, out: Path, workers: int, series_years: float) -> dict[str, object]:
    """Score the dataset once on a fresh cluster of ``workers`` processes."""
    t0 = time.perf_counter()
    with (
        LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster,
        Client(cluster) as client,
    ):
        start_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        summary = detector.score_dataset(data, out, tz="Asia/Tehran", scheduler=cluster.scheduler_address)
        wall = time.perf_counter() - t1
        peaks = sorted(client.run(_peak_rss_mib).values())
    return {
        "workers": workers,
        "cluster_start_s": round(start_s, 1),
        "wall_s": round(wall, 1),
        "series_years_per_s": round(series_years / wall, 1),
        "peak_rss_per_worker_mib": [round(p) for p in peaks],
        "n_series": summary.n_series,
        "n_failed": summary.n_failed,
        "n_flagged": summary.n_flagged,
        "files": summary.n_files,
        "shuffled": summary.shuffled,
    }


def main(
    sizes: list[int] = typer.Option([2_000, 20_000]),  # noqa: B008 - typer's repeatable option
    workers: list[int] = typer.Option([1, 2]),  # noqa: B008
    days: int = 365,
    partition_size: int = 500,
    seed: int = 0,
    tmp: Path = Path("/tmp/detector-scale"),
) -> None:
    tmp.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {}
    for n in sizes:
        data = tmp / f"meters-{n}-{days}d"
        built = build(data, n, days, partition_size, seed)
        series_years = n * days / 365
        runs = {f"workers_{w}": run(data, tmp / f"out-{n}-w{w}", w, series_years) for w in workers}
        entry: dict[str, object] = {"series_years": series_years, "build": built, **runs}
        if "workers_1" in runs and "workers_2" in runs:
            one, two = runs["workers_1"]["series_years_per_s"], runs["workers_2"]["series_years_per_s"]
            entry["speed_up_1_to_2"] = round(float(two) / float(one), 2)  # type: ignore[arg-type]
        results[f"series_{n}"] = entry
        print(json.dumps({n: entry}), flush=True)
    load = dict(zip(("load_1min", "load_5min", "load_15min"), os.getloadavg(), strict=True))  # shared machine
    out = write_result(
        "scale",
        {"days": days, "partition_size": partition_size, "seed": seed, **results, "cpu_count": os.cpu_count(), **load},
    )
    print(f"written to {out}")


if __name__ == "__main__":
    typer.run(main)
