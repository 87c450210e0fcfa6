"""A real ``detector serve`` process and a headless system Chromium, for the browser test, the screenshots
in docs/web.md (docs/screenshots.py) and the page benchmark (benchmarks/web_page.py)."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for the scripts that import this file
import server_process

KEY = "web-test-key"
SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    """The system Chromium (Debian's package), or None; ``DETECTOR_CHROMIUM`` names another binary.

    Playwright's own browser downloads are never used (they come from a CDN this project cannot reach).
    """
    override = os.environ.get("DETECTOR_CHROMIUM")
    if override is not None:
        return override if os.access(override, os.X_OK) else None
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name) or (f"/usr/bin/{name}" if os.access(f"/usr/bin/{name}", os.X_OK) else None)
        if path:
            return path
    return None


def launch(playwright: Any) -> Any:
    """Headless Chromium from the system package, driven by Playwright."""
    path = chromium_path()
    if path is None:
        raise RuntimeError("no Chromium: apt-get install -y chromium")
    return playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)


def wait_done(get: Any, job_id: str, timeout: float = 90.0) -> dict[str, Any]:
    """Poll GET /v1/jobs/{id} with ``get`` (a client's get) until the job is done or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = get(f"/v1/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job  # type: ignore[no-any-return]
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


class Server(server_process.Server):
    """``detector serve`` with this harness's key and a rate limit no page load can hit."""

    def __init__(self, data_dir: Path) -> None:
        limits = {"DETECTOR_RATE_LIMIT_PER_SECOND": "1000", "DETECTOR_RATE_LIMIT_BURST": "1000"}
        super().__init__(data_dir, KEY, limits)
