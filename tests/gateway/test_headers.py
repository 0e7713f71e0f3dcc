"""Security headers on every answer, no-store where answers are personal or secret, private
operations endpoints on the embedded run, the JWKS refresh cooldown and the required audience."""

from __future__ import annotations

import time
from typing import Any

import httpx
import jwt
import pytest
import respx
from cryptography.hazmat.primitives.asymmetric import rsa

from services.gateway.main import create_app
from shared.principal import Role
from tests.gateway.conftest import add_user, gateway_settings, login, running
from tests.scoring.test_engine_levels import FULL


def assert_security_headers(r: httpx.Response) -> None:
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


class TestHeaders:
    async def test_json_answers_and_problems(self, gw, scoring):
        for r in (
            await gw.get("/api/v1/frameworks"),
            await gw.get("/oauth/token_info"),  # a 401 problem
            await gw.get("/api/v1/frameworks/%00"),  # the input guard's 400
        ):
            assert_security_headers(r)
            assert r.headers["content-security-policy"].startswith("default-src 'none'")
            assert "strict-transport-security" not in r.headers  # plain HTTP, not configured

    async def test_html_pages_may_load_their_scripts_but_not_be_framed(self, gw):
        for path in ("/docs", "/graphql"):
            r = await gw.get(path, headers={"Accept": "text/html"})
            assert r.status_code == 200
            assert_security_headers(r)
            assert "script-src 'self' 'unsafe-inline'" in r.headers["content-security-policy"]

    async def test_hsts_over_tls_or_when_configured(self, gateway, gateway_url, gateway_conn, upstreams):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="https://gw") as c:
            r = await c.get("/healthz")
            assert r.headers["strict-transport-security"].startswith("max-age=31536000")
        app = create_app(gateway_settings(gateway_url, hsts_max_age=600), upstreams)
        async with running(app, gateway_conn) as c:
            assert (await c.get("/healthz")).headers["strict-transport-security"].startswith("max-age=600")


class TestNoStore:
    async def test_tokens_token_info_and_assessments(self, gateway, gw, scoring):
        await add_user(gateway, "head", Role.SCHOOL_HEAD, schools=["79701001"])
        r = await gw.post("/auth/login", json={"username": "head", "password": "correct horse battery"})
        assert r.headers["cache-control"] == "no-store"
        t = {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert (await gw.get("/oauth/token_info", headers=t)).headers["cache-control"] == "no-store"
        url = "/api/v1/schools/79701001/assessments/2024-2025/self"
        r = await gw.put(url, json={"facts": FULL}, headers=t)
        assert (r.status_code, r.headers["cache-control"]) == (201, "no-store")
        r = await gw.get(url, headers=t)
        assert (r.status_code, r.headers["cache-control"]) == (200, "no-store")
        # a service that chose its own caching keeps it (the frameworks are public and versioned)
        assert (await gw.get("/api/v1/frameworks/qd4725-2022")).headers["cache-control"].startswith("public")


class TestPrivateOpsEndpoints:
    async def test_metrics_and_readyz_for_admins_only_when_not_public(
        self, gateway_url, gateway_conn, upstreams
    ):
        app = create_app(gateway_settings(gateway_url, ops_endpoints_public=False), upstreams)
        async with running(app, gateway_conn) as c:
            await add_user(app, "admin1", Role.ADMIN, all_orgs=True)
            await add_user(app, "officer1", Role.OFFICER, org_units=["so-79"])
            admin, officer = await login(c, "admin1"), await login(c, "officer1")
            for path in ("/metrics", "/readyz"):
                r = await c.get(path)
                assert (r.status_code, r.json()["code"]) == (401, "token_invalid")
                r = await c.get(path, headers=officer)
                assert (r.status_code, r.json()["code"]) == (403, "admin_only")
                assert (await c.get(path, headers=admin)).status_code == 200
            assert (await c.get("/healthz")).status_code == 200  # liveness stays open


class TestOidcHardening:
    JWKS = "https://idp.example/certs"
    ISS = "https://idp.example"

    @pytest.fixture
    def key(self) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def _token(self, key: rsa.RSAPrivateKey, kid: str = "k1", **claims: Any) -> str:
        now = int(time.time())
        body = {
            "iss": self.ISS,
            "aud": "chiso",
            "sub": "kc",
            "iat": now,
            "exp": now + 300,
            "roles": ["officer"],
        }
        body.update(claims)
        return jwt.encode(
            {k: v for k, v in body.items() if v is not None}, key, "RS256", headers={"kid": kid}
        )

    async def test_unknown_kids_refetch_once_per_cooldown_and_aud_is_required(
        self, gateway_url, gateway_conn, upstreams, key
    ):
        settings = gateway_settings(
            gateway_url, oidc_jwks_url=self.JWKS, oidc_issuer=self.ISS, oidc_audience="chiso"
        )
        app = create_app(settings, upstreams)
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        with respx.mock() as mock:
            route = mock.get(self.JWKS).respond(json={"keys": [{**jwk, "kid": "k1", "alg": "RS256"}]})
            async with running(app, gateway_conn) as c:
                assert (await c.get("/oauth/token_info", headers=auth(self._token(key)))).status_code == 200
                assert route.call_count == 1
                for i in range(20):
                    r = await c.get("/oauth/token_info", headers=auth(self._token(key, kid=f"made-up-{i}")))
                    assert r.status_code == 401
                assert route.call_count == 1  # fetched moments ago: the cooldown holds every refetch
                jwks = app.state.jwks
                jwks._fetched -= settings.oidc_jwks_refresh_cooldown_seconds + 1
                await c.get("/oauth/token_info", headers=auth(self._token(key, kid="made-up-x")))
                assert route.call_count == 2  # the cooldown over: one refetch (the provider may rotate)
                # a token with no audience, or another one, is refused
                for aud in (None, "other-app"):
                    r = await c.get("/oauth/token_info", headers=auth(self._token(key, aud=aud)))
                    assert r.status_code == 401


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
