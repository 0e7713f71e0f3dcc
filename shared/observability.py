"""Metrics, structured logs and health endpoints, the same for every service.

- `/metrics`: Prometheus text format; request counts and latencies labelled by service, method,
  route template (never the raw path: codes in paths would explode the series) and status, plus
  each service's own counters and gauges, all in the process's default registry (in the embedded
  one-process run every service's series appear side by side, told apart by the `service` label).
- Access logs: one line per request with the request id and the principal's subject (never a
  token, a secret or a body). `configure_logging(json=True)` makes every log line a JSON object.
- `/healthz` says the process is alive; `/readyz` runs the service's checks (database, storage)
  and answers 503 with the failing check's name when one fails.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.requestid import current_request_id

log = logging.getLogger("chiso.access")

REQUESTS = Counter(
    "chiso_http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "chiso_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
UNMATCHED = "<unmatched>"
Check = Callable[[], Awaitable[None]]


class ObservabilityMiddleware:
    """Pure ASGI: times each request, counts it by route template, writes the access log line."""

    def __init__(self, app: ASGIApp, service: str, quiet: frozenset[str] = frozenset()) -> None:
        self.app, self.service, self.quiet = app, service, quiet

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - start
            route = getattr(scope.get("route"), "path", UNMATCHED)
            method = scope["method"]
            REQUESTS.labels(self.service, method, route, str(status)).inc()
            LATENCY.labels(self.service, method, route).observe(elapsed)
            if route not in self.quiet:
                state = scope.get("state") or {}
                log.info(
                    "%s %s %s %.1fms",
                    method,
                    route,
                    status,
                    elapsed * 1000,
                    extra={
                        "service": self.service,
                        "route": route,
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 1),
                        "principal": state.get("principal_id"),
                    },
                )


def install(
    app: FastAPI,
    service: str,
    checks: Mapping[str, Check] | None = None,
    before_scrape: Callable[[], Awaitable[None]] | None = None,
    quiet: frozenset[str] = frozenset(),
) -> None:
    """Add the middleware and the `/metrics` and `/readyz` routes to a service's app.

    `before_scrape` refreshes gauges that live in the database (queue depth, age) at scrape time,
    so they are as fresh as the scrape and cost nothing between scrapes. Routes in `quiet` (polled
    endpoints) are counted in the metrics but write no access log line."""
    quiet = quiet | {"/metrics", "/healthz", "/readyz"}
    app.add_middleware(ObservabilityMiddleware, service=service, quiet=quiet)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        if before_scrape is not None:
            try:
                await before_scrape()
            except Exception:  # a scrape still answers with the series it has
                log.warning("refreshing %s gauges failed", service, exc_info=True)
        # gauges added by other modules (shared.jobs: last run per scheduled job)
        for hook in getattr(app.state, "scrape_hooks", []):
            try:
                await hook()
            except Exception:  # as above
                log.warning("refreshing %s gauges failed", service, exc_info=True)
        return Response(metrics_text(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/readyz", tags=["health"])
    async def readyz() -> JSONResponse:
        """Ready: every dependency this service needs (database, storage) answers."""
        results: dict[str, str] = {}
        # checks added at start-up by shared code (shared.lifespan: the schema at head)
        every = {**(checks or {}), **getattr(app.state, "ready_checks", {})}
        for name, check in every.items():
            try:
                await check()
                results[name] = "ok"
            except Exception as e:  # a failing dependency is the answer, not an error
                results[name] = f"failed: {type(e).__name__}"
        ok = all(v == "ok" for v in results.values())
        if ok:
            return JSONResponse({"status": "ok", "checks": results})
        # an error answer like every other: a stable code beside the checks
        return JSONResponse({"status": "unavailable", "code": "not_ready", "checks": results}, 503)


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def metrics_text() -> bytes:
    """This process's series, or, with several worker processes (`PROMETHEUS_MULTIPROC_DIR` set,
    see `prepare_multiprocess`), every worker's series merged: counters and histograms summed,
    gauges by their `multiprocess_mode`. A scrape lands on one worker but reports them all."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest()


def prepare_multiprocess(workers: int) -> str | None:
    """Before uvicorn starts several worker processes: give them a shared metrics directory (an
    emptied `PROMETHEUS_MULTIPROC_DIR`, or a fresh one under the temporary directory), which the
    workers inherit. Files from an earlier run are removed: they would add its counts to ours."""
    path = os.environ.get(MULTIPROC_ENV)
    if workers <= 1 and not path:
        return None
    if not path:
        import tempfile

        path = tempfile.mkdtemp(prefix="chiso-metrics-")
        os.environ[MULTIPROC_ENV] = path
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))
    return path


def database_check(app: FastAPI) -> Check:
    """`SELECT 1` on the engine the lifespan put on `app.state.engine`."""

    async def _check() -> None:
        from sqlalchemy import text

        async with app.state.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    return _check


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the request id of the request being served, if any."""

    FIELDS = ("service", "route", "status", "duration_ms", "principal")

    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": current_request_id(),
        }
        for f in self.FIELDS:
            v = getattr(record, f, None)
            if v is not None:
                doc[f] = v
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False)


def configure_logging(json_logs: bool, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    if json_logs:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn's own access log would duplicate ours, without the request id or principal
    logging.getLogger("uvicorn.access").disabled = True
    # one INFO line per outgoing request (gateway hops, feed polls) drowns the access log
    logging.getLogger("httpx").setLevel(max(level, logging.WARNING))
