"""The scoring service: ``create_app(settings)`` builds the FastAPI app (tests build their own).

Start-up (lifespan) opens the database, creates missing tables, loads the models and starts the
job worker; all of it lives on ``app.state``, never in module globals.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline
from threadpoolctl import threadpool_limits

import detector
from detector.service import openapi, problems, web
from detector.service.deps import Registry, check_media_type, check_query_once
from detector.service.jobs import JobWorker
from detector.service.middleware import Gate, Metrics, SameOriginDocs
from detector.service.ratelimit import SharedRateLimiter
from detector.service.routes import balance as balance_routes
from detector.service.routes import claims, jobs, outcomes, score, series, system
from detector.service.settings import Settings
from detector.service.store import Store, hash_key

log = logging.getLogger(__name__)

DESCRIPTION = """Score electricity load for signs of illicit crypto-mining.

* `POST /v1/score`: one series in, an answer in milliseconds.
* `POST /v1/jobs`: upload CSV or Parquet with many series; poll the job; fetch the ranked inspection list.
* `POST /v1/outcomes`: record what an inspection found (mining, not mining, could not inspect); `GET` lists them.

Every `/v1` call needs an API key in the `X-API-Key` header (`detector keys create NAME`).
Errors are RFC 9457 `application/problem+json` naming the field, index and value.
"""


def load_registry(settings: Settings) -> Registry:
    """The default model plus every artefact under ``models_dir`` (a broken one is skipped with a warning)."""
    default = detector.load_model(settings.model_dir)
    models = {default.version: default}
    if settings.models_dir is not None and settings.models_dir.is_dir():
        for sub in sorted(p for p in settings.models_dir.iterdir() if p.is_dir()):
            try:
                m = detector.load_model(sub)
            except detector.DetectorError as exc:
                log.warning("model %s skipped: %s", sub.name, exc)
                continue
            models.setdefault(m.version, m)
    return Registry(models, default.version)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the service; ``settings`` default to the environment (``DETECTOR_*``)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Several requests score at once; BLAS threads of their own only fight over the cores (measured: a
        # year of hourly load took ~110 ms of CPU with 2 OpenBLAS threads, ~35 ms with 1, on a busy 2-core box).
        blas = threadpool_limits(settings.blas_threads) if settings.blas_threads else None
        settings.make_dirs()
        store = Store(settings.db_url())
        store.create_all()
        app.state.store = store
        app.state.registry = load_registry(settings)
        app.state.env_key_hashes = frozenset(hash_key(k) for k in settings.api_keys)
        worker = JobWorker(store, app.state.registry, settings)
        app.state.worker = worker
        if settings.run_worker:
            worker.start()
        try:
            yield
        finally:
            if settings.run_worker:
                worker.stop()
            store.engine.dispose()
            if blas is not None:
                blas.restore_original_limits()

    # /docs (Swagger UI) and /redoc load their JS and CSS from the copy fastapi-offline ships, under
    # /static-offline-docs: no CDN, so they work where analysts have no internet. validatorUrl null: Swagger UI
    # would otherwise show a badge image fetched from swagger.io (and SameOriginDocs stops ReDoc's logo).
    app = FastAPIOffline(
        title="detector",
        version=detector.__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        swagger_ui_parameters={"validatorUrl": None},
    )
    metrics = Metrics()
    app.state.settings = settings
    app.state.metrics = metrics
    # One set of buckets for every worker process of this server (``ratelimit``): the limits are per key, not
    # per key and worker.
    buckets = settings.data_dir / "ratelimit.sqlite"
    app.state.limiter = SharedRateLimiter(buckets, "keys", settings.rate_limit_per_second, settings.rate_limit_burst)
    app.state.auth_failures = SharedRateLimiter(
        buckets, "wrong-keys", settings.auth_fail_limit / settings.auth_fail_window_seconds, settings.auth_fail_limit
    )
    problems.install(app)
    for router in (score, jobs, series, outcomes, balance_routes, claims, system):
        # 415 for a body of another media type, 422 for a repeated query parameter
        app.include_router(router.router, dependencies=[Depends(check_media_type), Depends(check_query_once)])
    web.install(app)  # the analyst's page at / (HTML shells and static assets; data from /v1)
    openapi.install(app)  # the document says what the server does: raw bodies, every error as problem+json
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"], allow_headers=["*"]
        )
    app.add_middleware(Gate, settings=settings, metrics=metrics)
    app.add_middleware(SameOriginDocs, paths=("/docs", "/redoc"))
    return app


def app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory`` (several workers): settings from the environment."""
    return create_app(Settings())
