"""Service load: latency and throughput of POST /v1/score with one year of hourly load per request.

Starts ``detector serve`` on a free loopback port (own temporary data directory), then, for each client count,
that many client threads post a year of hourly load each (8,760 readings with temperature, ~380 kB of JSON).
``--rate 0`` (default): closed loop, each client sends again as soon as it has its answer (the server's capacity);
``--rate R``: paced to R requests/s in total (open loop: a client that falls behind sends at once). Reports per
client count p50/p95/p99 latency, requests/s, errors, the server's CPU per answered request (all its processes,
from /proc) and its resident memory.

``--against DIR`` starts a second server from the ``detector`` package of DIR (e.g. ``git archive <commit>
detector | tar -x -C DIR``) and runs every phase on both, interleaved (order alternating by round), so a
before/after shares one machine state.

    python benchmarks/api_load.py [--clients 1 --clients 8 --clients 32] [--requests 400] [--rate 0]
                                  [--workers 2] [--rounds 1] [--against DIR]
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
from typing import Annotated

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


def _start_server(port: int, data_dir: str, workers: int, source: Path | None) -> subprocess.Popen[bytes]:
    """``detector serve`` of this environment, or of the package in ``source`` (first on PYTHONPATH)."""
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
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    cmd = [sys.executable, "-c", "from detector.cli import app; app()", "serve"]
    with Path(data_dir, "server.log").open("wb") as log:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"server did not start; see {data_dir}/server.log")


def _package_file(source: Path | None) -> str:
    """Where the server's ``import detector`` comes from (checks that --against really runs the other tree)."""
    env = {**os.environ, **({"PYTHONPATH": str(source)} if source is not None else {})}
    cmd = [sys.executable, "-c", "import detector; print(detector.__file__)"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout.strip()


def _phase(port: int, pid: int, bodies: list[bytes], clients: int, requests: int, rate: float) -> dict[str, object]:
    """``requests`` posts shared by ``clients`` threads against one server; latency, rate, server CPU."""
    url = f"http://127.0.0.1:{port}/v1/score"
    headers = {"X-API-Key": KEY, "Content-Type": "application/json"}
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    per_client = max(1, requests // clients)
    interval = clients / rate if rate > 0 else 0.0  # each client's share of the target rate
    load_before = os.getloadavg()[0]
    cpu_before = _cpu_s(pid)
    t_start = time.monotonic()

    def client(k: int) -> None:
        with httpx.Client(timeout=60) as http:
            next_at = t_start + k * interval / clients  # stagger paced clients evenly
            for i in range(per_client):
                if interval:
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

    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t_start
    server_cpu = _cpu_s(pid) - cpu_before
    lat = sorted(latencies)
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else [float("nan")] * 99
    return {
        "clients": clients,
        "requests": per_client * clients,
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
        },
        # CPU the server spent per answered request: 1000 * cores / this is its capacity on an idle machine.
        "server_cpu_ms_per_request": round(1000 * server_cpu / max(len(lat), 1), 1),
        "server_rss_mb": round(_rss_mb(pid), 1),
        # The machine is shared: 1-minute load average before and after (2 means both cores busy).
        "loadavg_1min_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }


def main(
    clients: Annotated[list[int] | None, typer.Option(help="client counts, one phase each")] = None,
    requests: int = 400,
    rate: float = 0.0,
    workers: int = 2,
    warmup: int = 16,
    rounds: int = 1,
    against: Annotated[Path | None, typer.Option(help="also serve from this tree's detector package")] = None,
) -> None:
    """Run the load test and write results/api_load.json."""
    counts = clients or [1, 8, 32]
    bodies = _bodies()
    trees: dict[str, Path | None] = {"this": None, **({"against": against.resolve()} if against else {})}
    servers: dict[str, tuple[int, subprocess.Popen[bytes]]] = {}
    phases: dict[str, list[dict[str, object]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="detector-bench-") as tmp:
        try:
            for name, source in trees.items():
                data_dir = Path(tmp, name)
                data_dir.mkdir()
                port = _free_port()
                servers[name] = (port, _start_server(port, str(data_dir), workers, source))
                with httpx.Client(timeout=60) as http:  # warm-up: imports, first-call caches; not timed
                    for i in range(warmup):
                        http.post(
                            f"http://127.0.0.1:{port}/v1/score",
                            content=bodies[i % len(bodies)],
                            headers={"X-API-Key": KEY, "Content-Type": "application/json"},
                        ).raise_for_status()
            for r in range(rounds):
                for c in counts:
                    order = list(trees) if (r + counts.index(c)) % 2 == 0 else list(trees)[::-1]
                    for name in order:
                        port, proc = servers[name]
                        phase = _phase(port, proc.pid, bodies, c, requests, rate)
                        phases[name].append({"round": r, **phase})
                        print(name, json.dumps(phase), flush=True)
        finally:
            for _, proc in servers.values():
                proc.terminate()
                proc.wait(30)
    result = {
        "series_points": 8760,
        "server_workers": workers,
        "target_rate_per_s": rate or "closed loop",
        "requests_per_phase": requests,
        "rounds": rounds,
        "cpus": os.cpu_count(),
        "package": {name: _package_file(source) for name, source in trees.items()},
        "against": str(against) if against else None,
        "phases": phases,
    }
    path = write_result("api_load", result)
    print(json.dumps(result, indent=2))
    print(f"written to {path}")


if __name__ == "__main__":
    typer.run(main)
