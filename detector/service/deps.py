"""Request dependencies: the app's state, API-key authentication (key, tenant, admin) and the per-key rate limit
(its buckets: ``ratelimit``)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader

import detector
from detector.service.problems import ProblemError, show
from detector.service.settings import Settings
from detector.service.store import SETTINGS_TENANT, Store, hash_key


@dataclass(slots=True)
class Registry:
    """Loaded models by version; the default one answers when a request names none."""

    models: dict[str, detector.MiningModel]
    default: str

    def get(self, version: str | None) -> detector.MiningModel:
        if version is None:
            return self.models[self.default]
        if version not in self.models:
            known = ", ".join(sorted(self.models))
            raise ProblemError(
                404,
                "unknown-model",
                "Unknown model",
                f"model: no model with version {version!r} (known: {known})",
                field="model",
                value=version,
            )
        return self.models[version]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings  # type: ignore[no-any-return]


def get_store(request: Request) -> Store:
    return request.app.state.store  # type: ignore[no-any-return]


def get_registry(request: Request) -> Registry:
    return request.app.state.registry  # type: ignore[no-any-return]


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
RegistryDep = Annotated[Registry, Depends(get_registry)]

_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="key from `detector keys create NAME`")


@dataclass(frozen=True, slots=True)
class Caller:
    """Who sent a request: the key's id (None for a key from the settings), its tenant (which owns what it creates)
    and whether it is an admin key, which sees every tenant's data."""

    key_id: int | None
    tenant: str
    admin: bool = False

    @property
    def scope(self) -> str | None:
        """The tenant whose data the caller sees; None: every tenant's (an admin key)."""
        return None if self.admin else self.tenant


def authenticate(state: Any, key: str, client: str = "") -> Caller:
    """401 without a known key, 403 for a revoked one, 429 over the rate limit; else who is calling.

    Called by the middleware for every /v1 request, before any body is read. ``client`` (the address the request
    came from) may send ``auth_fail_limit`` unknown or revoked keys per ``auth_fail_window_seconds``; past that,
    every request from it is a 429 until the window lets one more through (guessing keys stays slow).
    """
    blocked = state.auth_failures.acquire(client, take=False)
    if blocked > 0:
        raise ProblemError(
            429,
            "rate-limited",
            "Too many requests",
            f"too many requests with a wrong API key from this address (at most {state.settings.auth_fail_limit} "
            f"per {state.settings.auth_fail_window_seconds:g} s)",
            headers={"Retry-After": str(max(1, math.ceil(blocked)))},
        )
    try:
        return _check_key(state, key)
    except ProblemError as exc:
        if exc.status in (401, 403) and key:  # a wrong key, not a missing one
            state.auth_failures.acquire(client)
        raise


def _check_key(state: Any, key: str) -> Caller:
    """The key's caller, or the 401/403/429 problem for it."""
    if not key:
        raise ProblemError(
            401,
            "unauthorized",
            "Unauthorized",
            "missing API key: send it in the X-API-Key header (create one with `detector keys create NAME`)",
            headers={"WWW-Authenticate": "X-API-Key"},
        )
    digest = hash_key(key)
    caller = Caller(None, SETTINGS_TENANT)
    if digest not in state.env_key_hashes:
        info = state.store.find_key(key)
        if info is None:
            raise ProblemError(
                401, "unauthorized", "Unauthorized", "unknown API key", headers={"WWW-Authenticate": "X-API-Key"}
            )
        if info.revoked_at is not None:
            raise ProblemError(403, "forbidden", "Forbidden", f"API key {info.prefix}… was revoked")
        caller = Caller(info.id, info.tenant, info.admin)
    wait = state.limiter.acquire(digest)
    if wait > 0:
        raise ProblemError(
            429,
            "rate-limited",
            "Too many requests",
            f"rate limit of {state.settings.rate_limit_per_second:g} requests/s for this key exceeded",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )
    return caller


def require_key(request: Request, _: Annotated[str | None, Depends(_header)]) -> int | None:
    """The id of the caller's key (None for a key from settings); the middleware has checked it already."""
    return request.state.caller.key_id  # type: ignore[no-any-return]


def require_tenant(request: Request, _: Annotated[str | None, Depends(_header)]) -> str:
    """The caller's tenant: the one that owns the jobs and outcomes the request creates."""
    return request.state.caller.tenant  # type: ignore[no-any-return]


def require_scope(request: Request, _: Annotated[str | None, Depends(_header)]) -> str | None:
    """The tenant whose jobs, results and outcomes the request may see: the caller's; None (every tenant's) for
    an admin key."""
    return request.state.caller.scope  # type: ignore[no-any-return]


KeyDep = Annotated[int | None, Depends(require_key)]
TenantDep = Annotated[str, Depends(require_tenant)]
ScopeDep = Annotated[str | None, Depends(require_scope)]


def body_media_types(operation: dict[str, Any]) -> tuple[str, ...]:
    """The media types an OpenAPI operation's request body may have (none: it takes no body)."""
    return tuple(operation.get("requestBody", {}).get("content", {}))


def check_media_type(request: Request) -> None:
    """415 for a body whose Content-Type the operation's OpenAPI document does not list (a missing one too).

    The accepted types are read from the document itself, so what /docs says a route takes and what it takes
    cannot drift apart. Routes without a documented body are not checked.
    """
    route = request.scope.get("route")
    path = getattr(route, "path_format", None)
    operation = request.app.openapi()["paths"].get(path, {}).get(request.method.lower(), {})
    accepted = body_media_types(operation)
    if not accepted:
        return
    sent = request.headers.get("content-type")
    media = (sent or "").split(";")[0].strip().lower()
    if media not in accepted:
        raise ProblemError(
            415,
            "unsupported-media-type",
            "Unsupported media type",
            f"Content-Type: this operation takes {' or '.join(accepted)} (got {show(sent)})",
            field="Content-Type",
            value=sent,
        )


def check_query_once(request: Request) -> None:
    """422 for a query parameter given more than once: no /v1 parameter is a list, and FastAPI would keep the last."""
    seen = request.query_params.multi_items()
    for name in dict.fromkeys(name for name, _ in seen):
        values = [value for key, value in seen if key == name]
        if len(values) > 1:
            raise ProblemError(
                422,
                "invalid-input",
                "Invalid input",
                f"{name}: give this query parameter once (got {len(values)} values)",
                field=name,
                value=values[:10],
            )
