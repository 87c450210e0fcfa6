"""Web page: how long the job page takes to show a finished 1,000-series result in a real browser.

Writes a simulated file with ``detector simulate`` (one-year hourly feeders, cached in /tmp/detector-web),
starts ``detector serve`` on a free loopback port, uploads the file through ``POST /v1/jobs`` and waits for
the job to finish. Then, in headless system Chromium (Playwright, a fresh browser context each time so no
cache), opens ``/jobs/{id}`` and times navigation start -> the ranked list rendered (the page's
``list-rendered`` mark: job status fetched, all rows fetched, filtered, sorted, first page in the table).
Also times one series page (navigation -> chart drawn).

    python benchmarks/web_page.py [--n-series 1000] [--days 365] [--repeats 5]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import typer
from detection import write_result  # type: ignore[import-not-found]

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "web"))
from harness import KEY, Server, launch  # type: ignore[import-not-found]  # noqa: E402

CACHE = Path(tempfile.gettempdir()) / "detector-web"


def simulated(n_series: int, days: int, seed: int) -> Path:
    """The simulated upload, written once by the CLI and reused."""
    path = CACHE / f"feeders_{n_series}x{days}d_seed{seed}.parquet"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        cmd = [str(Path(sys.executable).with_name("detector")), "simulate", "--out", str(path)]
        cmd += ["--n-series", str(n_series), "--days", str(days), "--seed", str(seed)]
        subprocess.run(cmd, check=True)
    return path


def scored_job(server: Server, path: Path) -> tuple[str, float]:
    """Upload ``path``, wait for the job; its id and the seconds from upload to done."""
    with httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}, timeout=300) as http:
        t0 = time.perf_counter()
        with path.open("rb") as f:
            r = http.post("/v1/jobs", files={"file": (path.name, f)}, data={"timezone": "Asia/Tehran"})
        r.raise_for_status()
        job_id = r.json()["id"]
        while (job := http.get(f"/v1/jobs/{job_id}").json())["state"] not in ("done", "failed"):
            time.sleep(0.2)
        assert job["state"] == "done", job
        return job_id, time.perf_counter() - t0


def timed_page(browser: Any, url: str, ready: str, mark: str) -> dict[str, float]:
    """Open ``url`` in a fresh context (key already in sessionStorage); wall and in-page times in ms."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(f"sessionStorage.setItem('detector.apiKey', {KEY!r})")
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(url)
    page.wait_for_selector(f"body[data-ready={ready}]", timeout=120_000)
    wall_ms = (time.perf_counter() - t0) * 1e3
    marked = page.evaluate(f"performance.getEntriesByName({mark!r})[0].startTime")
    api = page.evaluate(
        "performance.getEntriesByType('resource').filter(e => e.name.includes('/v1/'))"
        ".reduce((s, e) => s + e.duration, 0)"
    )
    context.close()
    return {"wall_ms": wall_ms, "mark_ms": marked, "api_ms": api}


def main(n_series: int = 1000, days: int = 365, repeats: int = 5, seed: int = 0) -> None:
    from playwright.sync_api import sync_playwright

    path = simulated(n_series, days, seed)
    load_before = os.getloadavg()[0]  # the machine is shared: say how busy it was
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp))
        server.start()
        try:
            job_id, job_s = scored_job(server, path)
            with httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}) as http:
                results = http.get(f"/v1/jobs/{job_id}/results", params={"limit": 10_000})
                top = results.json()["items"][0]["series_id"]
                rows = len(results.json()["items"])
            with sync_playwright() as pw:
                browser = launch(pw)
                list_url = f"{server.url}/jobs/{job_id}"
                series_url = f"{server.url}/jobs/{job_id}/series?id={top}"
                timed_page(browser, list_url, "list", "list-rendered")  # warm-up: server caches, not timed
                lists = [timed_page(browser, list_url, "list", "list-rendered") for _ in range(repeats)]
                series = [timed_page(browser, series_url, "series", "chart-rendered") for _ in range(repeats)]
                browser.close()
        finally:
            server.stop()

    def med(runs: list[dict[str, float]], key: str) -> float:
        return round(statistics.median(r[key] for r in runs), 1)

    result = {
        "n_series": n_series,
        "days": days,
        "rows": rows,
        "repeats": repeats,
        "upload_to_done_s": round(job_s, 1),
        "results_json_bytes": len(results.content),
        "list_rendered_ms_median": med(lists, "mark_ms"),
        "list_wall_ms_median": med(lists, "wall_ms"),
        "list_api_ms_median": med(lists, "api_ms"),
        "series_chart_ms_median": med(series, "mark_ms"),
        "series_api_ms_median": med(series, "api_ms"),
        "load_average_1min": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "list_runs": lists,
        "series_runs": series,
    }
    write_result("web_page", result)
    print(
        f"{rows:,}-series job ({days} days each; upload to done {job_s:.1f} s): ranked list shown "
        f"{result['list_rendered_ms_median']:.0f} ms after navigation (median of {repeats}; wall "
        f"{result['list_wall_ms_median']:.0f} ms); series page chart {result['series_chart_ms_median']:.0f} ms"
    )


if __name__ == "__main__":
    typer.run(main)
