"""Health, readiness and metrics of the gateway."""

from __future__ import annotations


async def test_healthz_readyz_and_metrics(gw, scoring):
    assert (await gw.get("/healthz")).json() == {"status": "ok", "services": ["scoring"]}
    r = await gw.get("/readyz")
    assert (r.status_code, r.json()["checks"]) == (200, {"database": "ok", "schema": "ok"})
    await gw.get("/api/v1/frameworks")
    text = (await gw.get("/metrics")).text
    assert 'chiso_http_requests_total{method="GET",route="/api/v1/{path:path}",service="gateway"' in text


async def test_every_path_the_ingress_exposes_is_served(gw, scoring):
    """The Ingress lists the gateway's public paths one by one; each must exist in the gateway."""
    import yaml

    from tests.deploy.conftest import DEPLOY

    ingress = yaml.safe_load((DEPLOY / "base" / "ingress.yaml").read_text())
    samples = {
        "/api/v1/": ("GET", "/api/v1/frameworks"),
        "/oauth/": ("GET", "/oauth/token_info"),
        "/auth/": ("POST", "/auth/login"),
        "/admin/v1/": ("GET", "/admin/v1/clients"),
    }
    paths = ingress["spec"]["rules"][0]["http"]["paths"]
    for p in (x["path"] for x in paths if x["backend"]["service"]["name"] == "chiso-gateway"):
        method, path = samples.get(p, ("GET", p))
        r = await gw.request(method, path)
        assert r.status_code not in (404, 405), (p, r.status_code)  # routed (401/422 are answers)
