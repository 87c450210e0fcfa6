"""The gate every HTTP request passes first (pure ASGI): API key and rate limit, body size, metrics.

Authentication happens here, before FastAPI reads a body, so an unauthenticated client cannot make the
server parse JSON or spool an upload; ``deps.require_key`` only hands the result to routes.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from anyio import to_thread
from fastapi import HTTPException
from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from detector.service.deps import authenticate
from detector.service.problems import ProblemError, problem_response
from detector.service.settings import Settings


class Metrics:
    """Prometheus metrics in a registry of this app's own (per process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "detector_http_requests", "HTTP requests", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "detector_http_request_duration_seconds",
            "HTTP request latency",
            ["route"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=self.registry,
        )
        self.series = Counter(
            "detector_series_scored", "series scored by /v1/score", ["result"], registry=self.registry
        )


class Gate:
    """401/403/429 for /v1 without a good key, 413 for bodies over the limit, request metrics for all."""

    def __init__(self, app: ASGIApp, settings: Settings, metrics: Metrics) -> None:
        self.app, self.settings, self.metrics = app, settings, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limit = self.settings.max_upload_bytes if path.rstrip("/") == "/v1/jobs" else self.settings.max_body_bytes
        status = {"code": 500}
        start = time.perf_counter()

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        try:
            if path.startswith("/v1/") and scope["method"] != "OPTIONS":
                keys = [value for name, value in scope["headers"] if name == b"x-api-key"]
                if len(keys) > 1:  # which one counts would be up to the proxy chain: refuse rather than guess
                    raise ProblemError(
                        400,
                        "invalid-header",
                        "Bad request",
                        f"send one X-API-Key header (got {len(keys)})",
                        field="X-API-Key",
                    )
                key = headers.get(b"x-api-key", b"").decode("latin-1")
                state = scope["app"].state
                client = scope["client"][0] if scope.get("client") else ""
                scope.setdefault("state", {})["caller"] = await to_thread.run_sync(authenticate, state, key, client)
            if length is not None and length.isdigit() and int(length) > limit:
                raise _too_large(limit)
        except ProblemError as exc:
            await problem_response(None, exc, path)(scope, receive, send_status)
        else:
            await self.app(scope, _counting(receive, limit), send_status)
        route = scope.get("route")
        label = getattr(route, "path", "unmatched")
        self.metrics.requests.labels(scope["method"], label, str(status["code"])).inc()
        self.metrics.latency.labels(label).observe(time.perf_counter() - start)


def _too_large(limit: int) -> ProblemError:
    return ProblemError(
        413, "payload-too-large", "Payload too large", f"request body is larger than the limit of {limit:,} bytes"
    )


class _BodyTooLarge(HTTPException):
    """Raised from ``receive`` for chunked bodies that outgrow the limit; FastAPI passes HTTPExceptions on."""


def _counting(receive: Receive, limit: int) -> Callable[[], Awaitable[Message]]:
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        seen += len(message.get("body", b""))
        if seen > limit:
            raise _BodyTooLarge(413, _too_large(limit).detail)
        return message

    return wrapped


class SameOriginDocs:
    """The API docs pages (``/docs``, ``/redoc``) may load nothing from another host.

    Their scripts are served here, but ReDoc's bundle still shows a logo from cdn.redoc.ly; this
    Content-Security-Policy keeps the browser from asking for it (the page then hides the image), so the pages
    behave the same with or without internet. Inline code, eval, data: and blob: stay allowed: the bundles use them.
    """

    POLICY = "default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:"

    def __init__(self, app: ASGIApp, paths: tuple[str, ...]) -> None:
        self.app, self.paths = app, paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            await self.app(scope, receive, send)
            return

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).append("Content-Security-Policy", self.POLICY)
            await send(message)

        await self.app(scope, receive, with_policy)
