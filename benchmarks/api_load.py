"""Service load: latency and throughput of POST /v1/score with one year of hourly load per request.

Starts ``detector serve`` on a free loopback port (own temporary data directory), then 8 client
threads post a year of hourly load each, paced to a target total rate (open loop: a client that
falls behind sends at once). Fixed request count, hard time limit; loopback only. Reports p50/p95/p99
latency, achieved requests/s, errors and the server's resident memory over the run.

    python benchmarks/api_load.py [--clients 8] [--requests 1200] [--rate 40] [--workers 2]
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import pandas as pd
import typer
from detection import write_result  # type: ignore[import-not-found]

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "tehran_feeders.parquet"
KEY = "bench-key"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bodies() -> list[bytes]:
    """One JSON body per sample feeder: 8,760 hourly readings with temperature, encoded once."""
    frame = pd.read_parquet(SAMPLE)
    out = []
    for sid, one in frame.groupby("series_id", sort=True):
        body = {
            "series_id": str(sid),
            "unit": str(one.unit.iloc[0]),
            "timezone": "Asia/Tehran",
            "timestamps": [t.isoformat() for t in one.timestamp],
            "values": one.load.tolist(),
            "temperature": one.temperature.tolist(),
        }
        out.append(json.dumps(body).encode())
    return out


def _tree(pid: int) -> list[int]:
    """A process and its children (uvicorn's workers)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [pid] + ([int(p) for p in children.read_text().split()] if children.exists() else [])


def _rss_mb(pid: int) -> float:
    """Resident memory of the server and its workers, MiB."""
    total = 0
    for p in _tree(pid):
        try:
            status = Path(f"/proc/{p}/status").read_text().splitlines()
        except FileNotFoundError:
            continue
        total += sum(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    return total / 1024


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of the server and its workers."""
    ticks = 0
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def _start_server(port: int, data_dir: str, workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DETECTOR_HOST": "127.0.0.1",
        "DETECTOR_PORT": str(port),
        "DETECTOR_DATA_DIR": data_dir,
        "DETECTOR_API_KEYS": json.dumps([KEY]),
        "DETECTOR_WORKERS": str(workers),
        "DETECTOR_RATE_LIMIT_PER_SECOND": "100000",
        "DETECTOR_RATE_LIMIT_BURST": "100000",
    }
    cmd = [sys.executable, "-c", "from detector.cli import app; app()", "serve"]
    with Path(data_dir, "server.log").open("wb") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server did not start; see {data_dir}/server.log")


def main(
    clients: int = 8,
    requests: int = 1200,
    rate: float = 40.0,
    workers: int = 2,
    warmup: int = 16,
    max_seconds: float = 120.0,
) -> None:
    """Run the load test once and write results/api_load.json."""
    bodies = _bodies()
    port = _free_port()
    url = f"http://127.0.0.1:{port}/v1/score"
    headers = {"X-API-Key": KEY, "Content-Type": "application/json"}
    with tempfile.TemporaryDirectory(prefix="detector-bench-") as data_dir:
        proc = _start_server(port, data_dir, workers)
        try:
            with httpx.Client(timeout=30) as http:  # warm-up: imports, first-call caches; not timed
                for i in range(warmup):
                    http.post(url, content=bodies[i % len(bodies)], headers=headers).raise_for_status()
            rss: list[tuple[float, float]] = []
            latencies: list[float] = []
            errors: list[str] = []
            lock = threading.Lock()
            stop = threading.Event()
            per_client = requests // clients
            interval = clients / rate  # each client's share of the target rate
            load_before = os.getloadavg()
            cpu_before = _cpu_s(proc.pid)
            t_start = time.monotonic()

            def client(k: int) -> None:
                with httpx.Client(timeout=30) as http:
                    next_at = t_start + k * interval / clients  # stagger the clients evenly
                    for i in range(per_client):
                        if stop.is_set():
                            return
                        delay = next_at - time.monotonic()
                        if delay > 0:
                            time.sleep(delay)
                        next_at += interval
                        body = bodies[(k * per_client + i) % len(bodies)]
                        t0 = time.perf_counter()
                        try:
                            r = http.post(url, content=body, headers=headers)
                            ok, why = r.status_code == 200, f"HTTP {r.status_code}"
                        except httpx.HTTPError as exc:
                            ok, why = False, type(exc).__name__
                        dt = time.perf_counter() - t0
                        with lock:
                            latencies.append(dt) if ok else errors.append(why)

            def sample_memory() -> None:
                while not stop.is_set():
                    rss.append((time.monotonic() - t_start, _rss_mb(proc.pid)))
                    stop.wait(1.0)

            sampler = threading.Thread(target=sample_memory, daemon=True)
            sampler.start()
            threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(max(0.0, max_seconds - (time.monotonic() - t_start)))
            stop.set()
            elapsed = time.monotonic() - t_start
            server_cpu = _cpu_s(proc.pid) - cpu_before
            sampler.join(2)
        finally:
            proc.terminate()
            proc.wait(30)
    lat = sorted(latencies)
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else [float("nan")] * 99
    mem = [m for _, m in rss]
    third = max(1, len(mem) // 3)
    result = {
        "clients": clients,
        "requests_planned": per_client * clients,
        "target_rate_per_s": rate,
        "server_workers": workers,
        "series_points": 8760,
        "ok": len(lat),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "elapsed_s": round(elapsed, 2),
        "throughput_per_s": round(len(lat) / elapsed, 1),
        "latency_ms": {
            "p50": round(q[49] * 1000, 1),
            "p95": round(q[94] * 1000, 1),
            "p99": round(q[98] * 1000, 1),
            "max": round(lat[-1] * 1000, 1) if lat else None,
            "mean": round(statistics.fmean(lat) * 1000, 1) if lat else None,
        },
        # CPU the server spent per answered request: 1000 * cores / this is its capacity on an idle machine.
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(len(lat), 1), 1),
        "server_rss_mb": {
            "first_third_mean": round(statistics.fmean(mem[:third]), 1) if mem else None,
            "last_third_mean": round(statistics.fmean(mem[-third:]), 1) if mem else None,
            "max": round(max(mem), 1) if mem else None,
            "samples": len(mem),
        },
        "cpus": os.cpu_count(),
        # The machine is shared: 1-minute load average before and after the run (2 means both cores busy).
        "loadavg_1min_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
    }
    path = write_result("api_load", result)
    print(json.dumps(result, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    typer.run(main)
