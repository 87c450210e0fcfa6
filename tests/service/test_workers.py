"""``detector serve`` with several worker processes: /metrics counts every worker's requests."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import server_process

KEY = "workers-test-key"


@pytest.mark.slow
def test_metrics_sum_every_worker(tmp_path: Path) -> None:
    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "counter_1.db").write_bytes(b"stale")  # a file from an earlier run is cleared
    server = server_process.Server(tmp_path, KEY, {"DETECTOR_WORKERS": "2"})
    server.start()
    try:
        with httpx.Client(base_url=server.url, headers={"X-API-Key": KEY}, timeout=30) as http:
            for _ in range(40):  # new connections: the kernel hands them to either worker
                assert httpx.get(f"{server.url}/v1/models", headers={"X-API-Key": KEY}).status_code == 200
            text = http.get("/metrics").text
    finally:
        server.stop()
    counted = re.search(r'detector_http_requests_total\{method="GET",route="/v1/models",status="200"\} (\S+)', text)
    assert counted is not None, text
    assert float(counted.group(1)) == 40
    assert "python_gc" not in text  # the summed registry, not one process's default collectors
