"""A real ``detector serve`` process and a headless system Chromium, for the browser test, the README's
screenshots (docs/screenshots.py) and the page benchmark (benchmarks/web_page.py)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``detector serve`` in a subprocess on a free loopback port, with one API key."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir, self.port = data_dir, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DETECTOR_HOST": "127.0.0.1",
            "DETECTOR_PORT": str(self.port),
            "DETECTOR_DATA_DIR": str(self.data_dir),
            "DETECTOR_API_KEYS": f'["{KEY}"]',
            "DETECTOR_JOB_POLL_SECONDS": "0.1",
            "DETECTOR_RATE_LIMIT_PER_SECOND": "1000",
            "DETECTOR_RATE_LIMIT_BURST": "1000",
        }
        cmd = [sys.executable, "-c", "from detector.cli import app; app()", "serve"]
        with (self.data_dir / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.data_dir / "server.log").read_text()
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise AssertionError("server did not become ready")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
