"""Models, liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess

from detector.service.deps import KeyDep, RegistryDep
from detector.service.schemas import ModelOut, problem_responses
from detector.service.storage import disk_fault, nearly_full, unwritable
from detector.service.store import Store

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
    """Ready when the database answers and takes a write, a model is loaded, the job worker runs and the data
    folder takes files (writable, not nearly full); when not, ``reasons`` says what is wrong (never a path)."""
    state = request.app.state
    problems = {
        "model": None if getattr(state, "registry", None) else "model not ready",
        "database": _database_problem(state.store),
        "worker": None if state.worker.alive or not state.settings.run_worker else "worker not ready",
        "storage": unwritable(state.settings) or nearly_full(state.settings),
    }
    checks = {name: problem is None for name, problem in problems.items()}
    ready = all(checks.values())
    body: dict[str, object] = {"status": "ready" if ready else "not ready", "checks": checks}
    if not ready:
        body["reasons"] = [problem for problem in problems.values() if problem is not None]
    return JSONResponse(body, status_code=200 if ready else 503)


def _database_problem(store: Store) -> str | None:
    """Why the database is not ready: it does not answer, or it answers but takes no write (a full disk, a
    read-only file); None: it reads and writes. Any driver error is a reason, never a 500, and never its text
    (which may name a path): a disk fault by its kind, anything else in general words."""
    try:
        if not store.ping():
            return "database not ready"
    except Exception:
        return "database not ready"
    try:
        store.write_probe()
    except Exception as exc:
        return f"database takes no writes ({disk_fault(exc) or 'the write failed'})"
    return None


@router.get("/metrics", tags=["system"], response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus text format: this process's counters, or every worker's summed when several serve."""
    registry = request.app.state.metrics.registry
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):  # set by `detector serve` for more than one worker
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
