"""Helpers the service tests share: test settings, tenants' keys and waiting for a job (a module, so tests can
import them)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from detector.service.settings import Settings
from detector.service.store import Store


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for tests: own data dir, fast job polling, limits loose unless a test tightens them."""
    base: dict[str, Any] = {
        "data_dir": data_dir,
        "job_poll_seconds": 0.05,
        "rate_limit_per_second": 1000.0,
        "rate_limit_burst": 1000,
        "auth_fail_limit": 1000,
    }
    return Settings(**{**base, **overrides})


def tenant_keys(store: Store) -> dict[str, str]:
    """Keys "a" and "a2" in tenant "north" (shared on purpose), "b" a tenant of its own."""
    return {
        "a": store.create_key("anna", tenant="north"),
        "a2": store.create_key("arash", tenant="north"),
        "b": store.create_key("bita"),
    }


def job_urls(job_id: str, series_id: str) -> list[str]:
    """Every GET URL that shows one job's data: the job, its results (JSON, CSV), a series and its plots."""
    series = f"/v1/jobs/{job_id}/series/{series_id}"
    base = [f"/v1/jobs/{job_id}", f"/v1/jobs/{job_id}/results", f"/v1/jobs/{job_id}/results?format=csv", series]
    return base + [f"{series}/plot.{fmt}" for fmt in ("png", "html", "svg")]


def wait_done(client: TestClient, job_id: str, key: str | None = None, timeout: float = 60.0) -> dict[str, Any]:
    """The job once it is done or failed (polled with ``key``, else the client's own key)."""
    headers = {"X-API-Key": key} if key is not None else None
    deadline = time.monotonic() + timeout
    job: dict[str, Any] = {}
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=headers).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")
