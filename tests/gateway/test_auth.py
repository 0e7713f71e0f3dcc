"""Tokens: client credentials, login, OIDC resource-server mode, revocation, token_info, 401s."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import httpx
import jwt
import pytest
import respx
from cryptography.hazmat.primitives.asymmetric import rsa

from services.gateway.auth.tokens import Verified, VerifiedCache, issue
from services.gateway.main import create_app
from services.gateway.openapi_export import EXPORTED
from shared.openapi.naming import SCOPES
from shared.principal import Principal, PrincipalKind, Role
from tests.gateway.conftest import JWT_SECRET, add_client, add_user, client_token, gateway_settings, login
from tests.harness import started

pytestmark = pytest.mark.asyncio


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


class TestClientCredentials:
    async def test_token_then_token_info(self, gateway, gw):
        cid, secret = await add_client(gateway, "vendor-smas", Role.VENDOR_CLIENT, schools=["79701001"])
        r = await gw.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": cid, "client_secret": secret},
        )
        assert r.status_code == 200
        body = r.json()
        assert (body["token_type"], r.headers["cache-control"]) == ("Bearer", "no-store")
        assert set(body["scope"].split()) == set(SCOPES) - {"admin"}  # every scope but admin's
        info = (await gw.get("/oauth/token_info", headers=bearer(body["access_token"]))).json()
        assert (info["sub"], info["kind"], info["schools"]) == ("vendor-smas", "client", ["79701001"])
        assert info["roles"][0]["role"] == "vendor_client"
        assert "approve" not in info["roles"][0]["may"]

    async def test_http_basic(self, gateway, gw):
        cid, secret = await add_client(gateway, "vendor-vnedu", Role.VENDOR_CLIENT)
        basic = base64.b64encode(f"{cid}:{secret}".encode()).decode()
        r = await gw.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": f"Basic {basic}"},
        )
        assert r.status_code == 200

    @pytest.mark.parametrize(
        ("client_id", "secret_of"),
        [
            ("vendor-x", lambda s: s + "x"),
            ("someone-else", lambda s: s),
            ("vendor-x", lambda s: "cs_nope_abc"),
        ],
    )
    async def test_wrong_secret_or_client_is_invalid_client(self, gateway, gw, client_id, secret_of):
        _, secret = await add_client(gateway, "vendor-x", Role.VENDOR_CLIENT)
        r = await gw.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret_of(secret),
            },
        )
        assert (r.status_code, r.json()["error"]) == (401, "invalid_client")

    async def test_other_grant_types_are_refused(self, gw):
        r = await gw.post("/oauth/token", data={"grant_type": "password"})
        assert (r.status_code, r.json()["error"]) == (400, "unsupported_grant_type")

    async def test_missing_grant_type_is_an_oauth_error_not_a_problem(self, gw):
        for r in (
            await gw.post("/oauth/token", data={"client_id": "x", "client_secret": "y"}),
            await gw.post("/oauth/token", json={"grant_type": "client_credentials"}),  # JSON, not a form
        ):
            assert r.status_code == 400
            assert r.json()["error"] == "invalid_request"
            assert "grant_type" in r.json()["error_description"]
            assert r.headers["cache-control"] == "no-store"


class TestRotationAndRevocation:
    async def test_two_live_secrets_and_immediate_revocation(self, gateway, gw, admin):
        cid, first = await add_client(gateway, "vendor-smas", Role.VENDOR_CLIENT, schools=["79701001"])
        r = await gw.post(f"/admin/v1/clients/{cid}/credentials", json={"label": "rotation"}, headers=admin)
        assert r.status_code == 201, r.text
        second, second_id = r.json()["client_secret"], r.json()["id"]
        t1 = await client_token(gw, cid, first)
        t2 = await client_token(gw, cid, second)
        assert (await gw.get("/oauth/token_info", headers=t1)).status_code == 200
        assert (await gw.get("/oauth/token_info", headers=t2)).status_code == 200
        listed = (await gw.get(f"/admin/v1/clients/{cid}", headers=admin)).json()
        assert len(listed["credentials"]) == 2
        assert "client_secret" not in listed
        r = await gw.delete(f"/admin/v1/clients/{cid}/credentials/{second_id}", headers=admin)
        assert r.status_code == 200
        assert r.json()["revoked_at"]
        r = await gw.get("/oauth/token_info", headers=t2)
        assert (r.status_code, r.json()["code"]) == (401, "token_invalid")
        assert (await gw.get("/oauth/token_info", headers=t1)).status_code == 200
        r = await gw.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "client_id": cid, "client_secret": second},
        )
        assert r.status_code == 401

    async def test_disabling_or_rescoping_a_client_revokes_its_tokens(self, gateway, gw, admin):
        cid, secret = await add_client(gateway, "vendor-smas", Role.VENDOR_CLIENT, schools=["79701001"])
        t = await client_token(gw, cid, secret)
        r = await gw.patch(f"/admin/v1/clients/{cid}", json={"schools": ["79701002"]}, headers=admin)
        assert r.status_code == 200
        assert (await gw.get("/oauth/token_info", headers=t)).status_code == 401
        t = await client_token(gw, cid, secret)
        assert (await gw.get("/oauth/token_info", headers=t)).json()["schools"] == ["79701002"]
        await gw.patch(f"/admin/v1/clients/{cid}", json={"disabled": True}, headers=admin)
        assert (await gw.get("/oauth/token_info", headers=t)).status_code == 401

    async def test_user_sign_out_everywhere(self, gateway, gw, admin):
        uid = await add_user(gateway, "head.79701001", Role.SCHOOL_HEAD, schools=["79701001"])
        t = await login(gw, "head.79701001")
        r = await gw.post(f"/admin/v1/users/{uid}/revoke-tokens", headers=admin)
        assert r.status_code == 204
        assert (await gw.get("/oauth/token_info", headers=t)).status_code == 401


class TestLogin:
    async def test_login_and_wrong_password(self, gateway, gw):
        await add_user(gateway, "officer.so79", Role.OFFICER, org_units=["so-79"])
        t = await login(gw, "officer.so79")
        assert (await gw.get("/oauth/token_info", headers=t)).json()["org_units"] == ["so-79"]
        r = await gw.post("/auth/login", json={"username": "officer.so79", "password": "wrong-password"})
        assert (r.status_code, r.json()["error"]) == (401, "invalid_grant")
        r = await gw.post("/auth/login", json={"username": "nobody", "password": "wrong-password"})
        assert r.status_code == 401


class TestBadTokens:
    def _token(self, secret: str = JWT_SECRET, **claims: Any) -> str:
        now = int(time.time())
        base = {"iss": "chiso-gateway", "sub": "u-x", "kind": "user", "roles": ["admin"], "all_orgs": True}
        base.update({"gen": 1, "iat": now, "exp": now + 60, **claims})
        return jwt.encode(base, secret, algorithm="HS256")

    @pytest.mark.parametrize(
        "headers",
        [
            {},
            {"Authorization": "Bearer"},
            {"Authorization": "Bearer not-a-jwt"},
            {"Authorization": "Basic abc"},
        ],
    )
    async def test_missing_or_malformed_is_401(self, gw, headers):
        r = await gw.get("/oauth/token_info", headers=headers)
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")
        assert r.headers["content-type"] == "application/problem+json"

    async def test_forged_expired_or_unknown_subject_is_401(self, gateway, gw):
        assert (await gw.get("/oauth/token_info", headers=bearer(self._token("x" * 40)))).status_code == 401
        expired = self._token(iat=int(time.time()) - 3600, exp=int(time.time()) - 60)
        assert (await gw.get("/oauth/token_info", headers=bearer(expired))).status_code == 401
        # well signed, but the subject does not exist here
        assert (await gw.get("/oauth/token_info", headers=bearer(self._token()))).status_code == 401

    async def test_admin_api_is_for_admins(self, gateway, gw):
        await add_user(gateway, "officer.so79", Role.OFFICER, org_units=["so-79"])
        t = await login(gw, "officer.so79")
        r = await gw.get("/admin/v1/clients", headers=t)
        assert (r.status_code, r.json()["code"]) == (403, "admin_only")

    async def test_issued_token_round_trips(self, gateway):
        p = Principal(sub="c", kind=PrincipalKind.CLIENT, roles=frozenset({Role.VENDOR_CLIENT}))
        token, ttl = issue(gateway.state.settings, p, 3, "cred")
        claims = jwt.decode(token, JWT_SECRET, algorithms=["HS256"], issuer="chiso-gateway")
        assert (claims["gen"], claims["cid"], claims["exp"] - claims["iat"]) == (3, "cred", ttl)


class TestOidc:
    JWKS = "https://idp.example/realms/chiso/protocol/openid-connect/certs"
    ISS = "https://idp.example/realms/chiso"

    @pytest.fixture
    def key(self) -> rsa.RSAPrivateKey:
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def _jwks(self, key: rsa.RSAPrivateKey) -> dict[str, Any]:
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
        return {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}

    def _token(self, key: rsa.RSAPrivateKey, **claims: Any) -> str:
        now = int(time.time())
        body = {"iss": self.ISS, "aud": "chiso", "sub": "kc-officer", "iat": now, "exp": now + 300}
        body.update({"roles": ["officer"], "org_units": ["so-79"], **claims})
        return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1"})

    async def test_provider_tokens_are_accepted_by_jwks(self, gateway_url, gateway_conn, upstreams, key):
        settings = gateway_settings(
            gateway_url, oidc_jwks_url=self.JWKS, oidc_issuer=self.ISS, oidc_audience="chiso"
        )
        app = create_app(settings, upstreams)
        with respx.mock(assert_all_called=True) as mock:
            mock.get(self.JWKS).respond(json=self._jwks(key))
            async with started(app, gateway_conn):
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://gw") as gw:
                    r = await gw.get("/oauth/token_info", headers=bearer(self._token(key)))
                    assert r.status_code == 200, r.text
                    assert (r.json()["issuer"], r.json()["org_units"]) == (self.ISS, ["so-79"])
                    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                    r = await gw.get("/oauth/token_info", headers=bearer(self._token(other)))
                    assert r.status_code == 401
                    r = await gw.get("/oauth/token_info", headers=bearer(self._token(key, aud="other")))
                    assert r.status_code == 401
                    expired = self._token(key, exp=int(time.time()) - 10)
                    assert (await gw.get("/oauth/token_info", headers=bearer(expired))).status_code == 401


class TestVerifiedCache:
    async def test_entries_expire_with_their_token_and_the_oldest_goes_first(self):
        p = Principal(sub="c")
        cache = VerifiedCache(size=2)
        cache.put("a", Verified(p, 1, None, exp=100, issuer="i"))
        assert cache.get("a", now=99) is not None
        assert cache.get("a", now=100) is None  # expired: gone
        cache.put("b", Verified(p, 1, None, exp=200, issuer="i"))
        cache.put("c", Verified(p, 1, None, exp=200, issuer="i"))
        cache.put("d", Verified(p, 1, None, exp=200, issuer="i"))
        assert (cache.get("b", 0), cache.get("d", 0) is not None) == (None, True)

    async def test_the_least_recently_used_goes_first_and_a_hit_evicts_nothing(self):
        p = Principal(sub="c")
        cache = VerifiedCache(size=2)
        cache.put("a", Verified(p, 1, None, exp=200, issuer="i"))
        cache.put("b", Verified(p, 1, None, exp=200, issuer="i"))
        for _ in range(3):  # hits on a full cache
            assert cache.get("a", 0) is not None
        assert cache.get("b", 0) is not None  # still there
        assert cache.get("a", 0) is not None  # now b is the least recently used
        cache.put("c", Verified(p, 1, None, exp=200, issuer="i"))
        assert (cache.get("a", 0) is not None, cache.get("b", 0), cache.get("c", 0) is not None) == (
            True,
            None,
            True,
        )


class TestCachedTokensThroughTheProxy:
    """The verified-token cache saves the signature check, never the refusal of a token that was
    revoked or has expired since it was cached."""

    PATH = "/api/v1/org/schools"

    async def test_a_cached_token_revoked_is_refused_at_once(self, gateway, gw, scoring, admin):
        uid = await add_user(gateway, "officer.so79", Role.OFFICER, org_units=["so-79"])
        headers = await login(gw, "officer.so79")
        assert (await gw.get(self.PATH, headers=headers)).status_code == 200
        token = headers["Authorization"].removeprefix("Bearer ")
        assert gateway.state.verified_tokens.get(token, time.time()) is not None  # it is cached
        assert (await gw.post(f"/admin/v1/users/{uid}/revoke-tokens", headers=admin)).status_code == 204
        r = await gw.get(self.PATH, headers=headers)
        assert (r.status_code, r.json()["code"]) == (401, "token_invalid")

    async def test_a_cached_token_past_its_expiry_is_refused(
        self, gateway_url, gateway_conn, upstreams, scoring
    ):
        app = create_app(gateway_settings(gateway_url, access_token_ttl=1), upstreams)
        async with (
            started(app, gateway_conn),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c,
        ):
            await add_user(app, "officer.so79", Role.OFFICER, org_units=["so-79"])
            headers = await login(c, "officer.so79")
            assert (await c.get(self.PATH, headers=headers)).status_code == 200
            token = headers["Authorization"].removeprefix("Bearer ")
            cached = app.state.verified_tokens.get(token, time.time())
            assert cached is not None
            await asyncio.sleep(max(0.0, cached.exp - time.time()) + 0.05)
            r = await c.get(self.PATH, headers=headers)
            assert (r.status_code, r.json()["code"]) == (401, "token_invalid")


class TestScopes:
    """A client's token may be narrowed to some scopes; each operation needs its own."""

    async def test_a_narrowed_token_reaches_only_its_scopes(self, gateway, gw):
        cid, secret = await add_client(gateway, "vendor-smas", Role.VENDOR_CLIENT, schools=["79701001"])
        form = {"grant_type": "client_credentials", "client_id": cid, "client_secret": secret}
        r = await gw.post("/oauth/token", data={**form, "scope": "assessments:read"})
        assert (r.status_code, r.json()["scope"]) == (200, "assessments:read")
        narrow = bearer(r.json()["access_token"])
        url = "/api/v1/schools/79701001/assessments/2024-2025/self"
        read = await gw.get(url, headers=narrow)
        assert read.json().get("code") != "insufficient_scope", read.text  # reaches the service
        write = await gw.put(url, json={"facts": {}}, headers=narrow)
        assert (write.status_code, write.json()["code"]) == (403, "insufficient_scope")
        assert write.json()["required_scope"] == "assessments:write"
        assert (
            write.headers["www-authenticate"]
            == 'Bearer error="insufficient_scope", scope="assessments:write"'
        )
        evidence = await gw.get("/api/v1/schools/79701001/evidence", headers=narrow)
        assert evidence.json()["required_scope"] == "evidence:read"
        info = await gw.get("/oauth/token_info", headers=narrow)  # any token may ask what it is
        assert info.status_code == 200
        for wanted in ("admin", "assessments:read nonsense"):  # not the client's to have
            r = await gw.post("/oauth/token", data={**form, "scope": wanted})
            assert (r.status_code, r.json()["error"]) == (400, "invalid_scope")

    async def test_a_persons_token_is_not_narrowed(self, gateway, gw):
        await add_user(gateway, "head", Role.SCHOOL_HEAD, schools=["79701001"])
        headers = await login(gw, "head")
        r = await gw.get("/api/v1/schools/79701001/evidence", headers=headers)
        assert "insufficient_scope" not in r.text

    async def test_every_operation_of_the_document_names_its_scope(self):
        doc = json.loads(EXPORTED.read_text(encoding="utf-8"))
        declared = set(doc["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]["scopes"])
        scopes = {}
        for item in doc["paths"].values():
            for method, op in item.items():
                if method in ("get", "put", "post", "patch", "delete") and op["security"]:
                    scopes[op["operationId"]] = op["security"][0]["oauth2"]
        assert scopes["putAssessment"] == ["assessments:write"]
        assert scopes["getAssessment"] == ["assessments:read"]
        assert scopes["uploadEvidence"] == ["evidence:write"]
        assert scopes["getSummaries"] == ["reports:read"]
        assert scopes["createWebhook"] == ["webhooks:write"]
        assert scopes["listClients"] == ["admin"]
        assert scopes["getTokenInfo"] == []
        unscoped = sorted(oid for oid, s in scopes.items() if not s)
        assert unscoped == ["getTokenInfo"]
        assert {s for ss in scopes.values() for s in ss} <= declared
