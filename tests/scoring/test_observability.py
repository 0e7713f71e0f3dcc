"""Metrics, readiness and the structured access log, on the scoring service."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import create_async_engine

from shared.observability import JsonFormatter
from tests.org import ADMIN


class TestObservability:
    async def test_metrics_label_routes_by_template(self, client: httpx.AsyncClient) -> None:
        for code in ("79701001", "79701002"):
            await client.get(f"/api/v1/org/schools/{code}", headers=ADMIN)
        body = (await client.get("/metrics")).text
        line = next(
            ln
            for ln in body.splitlines()
            if ln.startswith("chiso_http_requests_total{")
            and 'route="/api/v1/org/schools/{code}"' in ln
            and 'status="404"' in ln
        )
        assert float(line.rsplit(" ", 1)[1]) >= 2
        assert "79701001" not in body  # raw paths never become labels
        assert "chiso_http_request_duration_seconds_bucket" in body

    async def test_scoring_counter(self, client: httpx.AsyncClient) -> None:
        def count(text: str) -> float:
            for ln in text.splitlines():
                if ln.startswith('chiso_scoring_computations_total{outcome="scored",source="preview"}'):
                    return float(ln.rsplit(" ", 1)[1])
            return 0.0

        before = count((await client.get("/metrics")).text)
        body = {"school_levels": ["TH"], "facts": {"1.1": {"met": True}}}
        assert (await client.post("/api/v1/frameworks/qd4725-2022/score", json=body)).status_code == 200
        assert count((await client.get("/metrics")).text) == before + 1

    async def test_readyz_reports_the_failing_check(self, app: Any, client: httpx.AsyncClient) -> None:
        assert (await client.get("/readyz")).json() == {
            "status": "ok",
            "checks": {"database": "ok", "schema": "ok"},
        }
        good = app.state.engine
        app.state.engine = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
        try:
            r = await client.get("/readyz")
        finally:
            await app.state.engine.dispose()
            app.state.engine = good
        assert r.status_code == 503
        assert r.json()["checks"]["database"].startswith("failed")

    async def test_access_log_is_json_with_request_id_and_principal(self, client: httpx.AsyncClient) -> None:
        lines: list[str] = []

        class Capture(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                lines.append(self.format(record))  # formatted while the request's context is live

        handler = Capture()
        handler.setFormatter(JsonFormatter())
        access = logging.getLogger("chiso.access")
        access.addHandler(handler)
        access.setLevel(logging.INFO)
        try:
            r = await client.get("/api/v1/org/units", headers=ADMIN | {"X-Request-ID": "req-4725"})
        finally:
            access.removeHandler(handler)
        assert r.headers["x-request-id"] == "req-4725"
        (doc,) = [json.loads(ln) for ln in lines]
        assert doc["route"] == "/api/v1/org/units"
        assert (doc["status"], doc["principal"], doc["request_id"]) == (200, "admin", "req-4725")
        assert ADMIN["X-Chiso-Principal"] not in lines[0]
