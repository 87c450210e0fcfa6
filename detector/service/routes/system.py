"""Models, liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from detector.service.deps import KeyDep, RegistryDep
from detector.service.schemas import ModelOut, problem_responses
from detector.service.storage import nearly_full, unwritable

router = APIRouter()


@router.get("/v1/models", response_model=list[ModelOut], tags=["models"], responses=problem_responses(401, 403, 429))
def list_models(registry: RegistryDep, _: KeyDep) -> list[ModelOut]:
    """Loaded models; pass ``model`` (a version) to /v1/score or /v1/jobs to use one other than the default."""
    return [
        ModelOut(
            version=v,
            default=v == registry.default,
            threshold=m.threshold,
            features=list(m.features),
            trained_at=m.metadata.get("trained_at"),
            validation=m.metadata.get("validation"),
        )
        for v, m in registry.models.items()
    ]


@router.get("/healthz", tags=["system"])
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", tags=["system"], responses={503: {"description": "not ready; the body says what is missing"}})
def readyz(request: Request) -> JSONResponse:
    """Ready when the database answers, a model is loaded, the job worker runs and the data folder takes files
    (writable, not nearly full); when not, ``reasons`` says what is wrong (never a path)."""
    state = request.app.state
    checks = {"model": bool(getattr(state, "registry", None))}
    try:
        checks["database"] = state.store.ping()
    except Exception:  # any driver error means "not ready", never a 500
        checks["database"] = False
    checks["worker"] = state.worker.alive if state.settings.run_worker else True
    storage = unwritable(state.settings) or nearly_full(state.settings)
    checks["storage"] = storage is None
    ready = all(checks.values())
    body: dict[str, object] = {"status": "ready" if ready else "not ready", "checks": checks}
    if not ready:
        failed = [name for name, ok in checks.items() if not ok]
        body["reasons"] = [storage if name == "storage" else f"{name} not ready" for name in failed]
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics", tags=["system"], response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus text format: this process's counters, or every worker's summed when several serve."""
    registry = request.app.state.metrics.registry
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # set by `detector serve` for more than one worker
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
