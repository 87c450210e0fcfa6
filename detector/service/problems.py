"""RFC 9457 problem details: every error the service returns, and the handlers that make them.

Bad input never becomes a 500: validation errors name the field, the index and the value;
anything unexpected is a bare 500 problem (logged here, no stack trace or paths in the body).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

import detector

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Payload too large",
}


_LOCATIONS = ("body", "query", "path", "header", "cookie")
_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


class ProblemError(Exception):
    """Raised by routes and middleware; rendered as one problem document."""

    def __init__(
        self,
        status: int,
        kind: str,
        title: str,
        detail: str,
        *,
        field: str | None = None,
        index: int | None = None,
        value: Any = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.kind, self.title, self.detail = status, kind, title, detail
        self.field, self.index, self.value = field, index, value
        self.code = code  # an input error's ErrorCode, sent as the member "code"
        self.headers, self.extra = headers or {}, extra or {}


def show(value: Any) -> str:
    """A value as the user wrote it: NaN and Infinity by their JSON names, long text cut short."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def jsonable(value: Any) -> Any:
    """A value that strict JSON can carry (non-finite floats and objects become text)."""
    if value is None or isinstance(value, bool | int | str):
        return value if not isinstance(value, str) or len(value) <= 200 else value[:200]
    if isinstance(value, float):
        return value if math.isfinite(value) else show(value)
    return show(value)


def problem_response(request: Request | None, exc: ProblemError, path: str | None = None) -> JSONResponse:
    """The problem document; ``instance`` is the request path (from ``request`` or given as ``path``)."""
    body: dict[str, Any] = {
        "type": f"/problems/{exc.kind}",
        "title": exc.title,
        "status": exc.status,
        "detail": exc.detail,
    }
    instance = request.url.path if request is not None else path
    if instance is not None:
        body["instance"] = instance
    if exc.field is not None:
        body["field"] = exc.field
    if exc.index is not None:
        body["index"] = exc.index
    if exc.field is not None or exc.value is not None:
        body["value"] = jsonable(exc.value)
    if exc.code is not None:
        body["code"] = str(exc.code)
    body.update(exc.extra)
    return JSONResponse(body, status_code=exc.status, media_type=MEDIA_TYPE, headers=exc.headers)


def field_path(loc: Sequence[int | str]) -> tuple[str, str, int | None]:
    """('body', 'values', 17) -> ('values[17]', 'values', 17): where as a user writes it, the field, the index."""
    parts = list(loc[1:]) if len(loc) > 1 and loc[0] in _LOCATIONS else list(loc)
    path, field, index = "", "", None
    for p in parts:
        if isinstance(p, int):
            path, index = f"{path}[{p}]", p
        else:
            path = f"{path}.{p}" if path else str(p)
            field, index = path, None
    return path or "body", field or "body", index


def from_validation(errors: Sequence[Any]) -> ProblemError:
    """Pydantic/FastAPI validation errors -> one problem naming the first, with up to ten listed."""
    first = errors[0]
    if first.get("type") == "json_invalid":
        error = first.get("ctx", {}).get("error", "parse error")
        loc = first.get("loc") or ()
        at = f" at character {loc[-1]}" if loc and isinstance(loc[-1], int) else ""
        return ProblemError(400, "malformed-json", "Malformed JSON", f"request body is not valid JSON: {error}{at}")
    errors = [{**e, "msg": str(e.get("msg", "invalid")).removeprefix("Value error, ")} for e in errors]
    first = errors[0]
    listed = []
    for err in errors[:10]:
        _, name, index = field_path(err.get("loc", ()))
        listed.append(
            {"field": name, "index": index, "detail": err.get("msg", ""), "value": jsonable(err.get("input"))}
        )
    where, field, index = field_path(first.get("loc", ()))
    value = first.get("input")
    missing = first.get("type") == "missing"
    detail = f"{where}: {first['msg']}" + ("" if missing else f" (got {show(value)})")
    if len(errors) > 1:
        detail += f"; {len(errors) - 1} more error{'s' if len(errors) > 2 else ''}"
    return ProblemError(
        422,
        "invalid-input",
        "Invalid input",
        detail,
        field=field,
        index=index,
        value=None if missing else value,
        extra={"errors": listed},
    )


def from_detector_error(exc: detector.DetectorError) -> ProblemError:
    """A deliberate detector error -> its problem (no file paths for artefact trouble)."""
    if isinstance(exc, detector.InputValidationError):
        return ProblemError(
            422, "invalid-input", "Invalid input", str(exc), field=exc.field, value=exc.value, code=exc.code
        )
    if isinstance(exc, detector.DataSufficiencyError):
        return ProblemError(422, "insufficient-data", "Not enough data", str(exc))
    if isinstance(exc, detector.ModelNotFoundError):
        return ProblemError(404, "unknown-model", "Unknown model", str(exc))
    if isinstance(exc, detector.ScoringError):  # a bug, logged with its traceback where it happened
        return ProblemError(500, "internal", "Internal error", "the series could not be scored: internal error")
    log.error("model artefact problem: %s", exc)
    return ProblemError(500, "model-unusable", "Model unusable", "the model artefact could not be used")


async def _problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(request, exc)


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problem_response(request, from_validation(exc.errors()))


async def _detector(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, detector.DetectorError)
    return problem_response(request, from_detector_error(exc))


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title = _TITLES.get(exc.status_code, "Error")
    kind = title.lower().replace(" ", "-")
    detail = exc.detail if isinstance(exc.detail, str) else title
    headers = dict(exc.headers or {})
    if exc.status_code == 405:  # Starlette names only the first route that matched the path
        headers["Allow"] = ", ".join(allowed_methods(request))
    return problem_response(request, ProblemError(exc.status_code, kind, title, detail, headers=headers))


def allowed_methods(request: Request) -> list[str]:
    """Every method some route of the app answers on this request's path (GET, HEAD and POST on /v1/outcomes).

    Each method is tried against the routes' public ``matches``: FastAPI's included routers do not expose
    their routes' methods, and Starlette's own Allow header names only the first route whose path matched.
    """
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes)
    ]


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(request, ProblemError(500, "internal", "Internal error", "unexpected server error"))


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(ProblemError, _problem)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(detector.DetectorError, _detector)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
