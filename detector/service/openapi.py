"""The OpenAPI document says what the server does (issue 15: Schemathesis found it drifting).

FastAPI documents what routes declare; this adds what happens around them: the bodies routes parse
themselves (``/v1/score``, ``/v1/verify``), the answers the Gate and the problem handlers give on every
``/v1`` operation (400 for two ``X-API-Key`` headers or a malformed body, 401, 403, 429, 415 for a body of
another media type), and it sends every error as ``application/problem+json`` with the ``Problem`` schema,
the media type ``problems.problem_response`` really uses (FastAPI's own 422 says ``application/json``).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from detector.service.deps import body_media_types
from detector.service.routes import claims
from detector.service.schemas import PROBLEM_TEXT, Problem, ScoreIn, problem_content

GATE_CODES = (400, 401, 403, 429)  # answered by the Gate (middleware.py) before any /v1 route runs
_BODY_400 = "malformed JSON, CSV or multipart body, or more than one X-API-Key header"
_FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")  # FastAPI's 422 schemas, replaced by Problem


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the completed document (built once, then cached as FastAPI does)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            defs = schema.setdefault("components", {}).setdefault("schemas", {})
            _add_models(defs, ScoreIn, claims.VerifyIn, Problem)
            for path, operations in schema["paths"].items():
                if path.startswith("/v1/"):
                    for operation in operations.values():
                        _document_problems(operation)
            for name in _FASTAPI_ONLY:
                defs.pop(name, None)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_models(defs: dict[str, Any], *models: type[BaseModel]) -> None:
    """Models FastAPI does not list, with the models they use: the request models that routes parse themselves
    (``ScoreIn``, ``VerifyIn``) and ``Problem`` (with its ``ErrorCode``)."""
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in {**schema.pop("$defs", {}), model.__name__: schema}.items():
            if name == "Problem":  # replaces any Problem FastAPI derived from a route's responses
                defs[name] = sub
            elif defs.setdefault(name, sub) != sub:  # two models of one name: a body would be documented wrongly
                raise RuntimeError(f"two request models are named {name}; rename one")


def _document_problems(operation: dict[str, Any]) -> None:
    """Every status the service can answer with, each error as problem+json."""
    responses: dict[str, Any] = operation["responses"]
    has_body = bool(body_media_types(operation))
    for code in (*GATE_CODES, *((415,) if has_body else ())):
        responses.setdefault(str(code), {"description": PROBLEM_TEXT[code]})
    responses["400"]["description"] = _BODY_400 if has_body else PROBLEM_TEXT[400]
    for code, response in responses.items():
        if int(code) >= 400:
            response["content"] = problem_content()
    operation["responses"] = dict(sorted(responses.items()))
