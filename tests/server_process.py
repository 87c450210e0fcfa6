"""``detector serve`` in a subprocess on a free loopback port, for tests that need a real server process
(tests/service/test_server_process.py, the browser tests in tests/web, docs/screenshots.py, benchmarks/web_page.py)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

_NO_OVERRIDE = "-dac_override,-dac_read_search"


def subject_to_file_modes() -> list[str] | None:
    """A command prefix under which a child process obeys file modes, as the service user of a real install does.

    A normal user needs none. Root writes into a 0500 folder regardless (CAP_DAC_OVERRIDE), so a test of a
    read-only folder would pass without testing anything; ``setpriv`` runs the child as root without those
    capabilities, and the modes apply. None: root without ``setpriv`` (the caller skips).
    """
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        return []
    tool = shutil.which("setpriv")
    return [tool, f"--bounding-set={_NO_OVERRIDE}", f"--inh-caps={_NO_OVERRIDE}"] if tool else None


SERVE = [sys.executable, "-c", "from detector.cli import app; app()", "serve"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """``detector serve`` on 127.0.0.1 only, with the API key ``key``; ``env`` adds ``DETECTOR_*`` settings."""

    def __init__(
        self, data_dir: Path, key: str, env: dict[str, str] | None = None, prefix: list[str] | None = None
    ) -> None:
        self.data_dir, self.key, self.port = data_dir, key, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.prefix = prefix or []  # e.g. ``subject_to_file_modes()``
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DETECTOR_HOST": "127.0.0.1",
            "DETECTOR_PORT": str(self.port),
            "DETECTOR_DATA_DIR": str(self.data_dir),
            "DETECTOR_API_KEYS": f'["{self.key}"]',
            "DETECTOR_JOB_POLL_SECONDS": "0.1",
            **self.env,
        }
        with (self.data_dir / "server.log").open("ab") as log:  # the child keeps its own descriptor
            self.proc = subprocess.Popen([*self.prefix, *SERVE], env=env, stdout=log, stderr=subprocess.STDOUT)
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

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.kill()  # SIGKILL: no shutdown hooks run
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)
