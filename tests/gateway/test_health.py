"""Health, readiness and metrics of the gateway."""

from __future__ import annotations


async def test_healthz_readyz_and_metrics(gw, scoring):
    assert (await gw.get("/healthz")).json() == {"status": "ok", "services": ["scoring"]}
    r = await gw.get("/readyz")
    assert (r.status_code, r.json()["checks"]) == (200, {"database": "ok"})
    await gw.get("/api/v1/frameworks")
    text = (await gw.get("/metrics")).text
    assert 'chiso_http_requests_total{method="GET",route="/api/v1/{path:path}",service="gateway"' in text
