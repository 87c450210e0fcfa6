"""Property-based pass over the OpenAPI schema (schemathesis): no input the schema admits, or breaks, gives a 500.

Bounded to a few dozen examples per operation so the whole file runs in well under a minute.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from detector.service.app import create_app
from detector.service.settings import Settings

MAX_EXAMPLES = 50


# The schema is read at import time (schemathesis' lazy fixture loader does not work with this pytest), so the
# app is built here, on its own temporary data directory; the fixture below runs its lifespan.
_DATA = tempfile.TemporaryDirectory(prefix="detector-fuzz-")
_SETTINGS = Settings(data_dir=Path(_DATA.name), max_points=5000, run_worker=False)
_SETTINGS.rate_limit_per_second, _SETTINGS.rate_limit_burst = 10_000.0, 10_000
APP = create_app(_SETTINGS)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module")
def fuzz_app() -> Iterator[FastAPI]:
    with _DATA, TestClient(APP):  # the lifespan: database, models and a key exist for the fuzzer's own client
        APP.state.fuzz_key = APP.state.store.create_key("fuzz")
        yield APP


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_server_errors(case: schemathesis.Case, fuzz_app: FastAPI) -> None:
    response = case.call(headers={"X-API-Key": fuzz_app.state.fuzz_key})
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.status_code} {response.text}"
    if response.status_code >= 400:
        content_type = response.headers["content-type"]  # schemathesis keeps every value of a header
        assert "application/problem+json" in content_type, response.text
        assert "Traceback" not in response.text
