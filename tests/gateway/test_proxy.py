"""Routing through the gateway: forwarding with the signed principal, scope explanations,
never forwarding /internal, body limits, upstream failures, the merged OpenAPI document."""

from __future__ import annotations

import asyncio
import gzip
import time
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from services.gateway.main import create_app
from shared.principal import Principal, Role, sign_principal
from tests.gateway.conftest import add_client, client_token, gateway_settings, running
from tests.scoring.test_engine_levels import FULL

pytestmark = pytest.mark.asyncio
SELF = "/api/v1/schools/{}/assessments/2024-2025/self"


@pytest.fixture
async def vendor(gateway, gw, scoring) -> dict[str, str]:
    cid, secret = await add_client(gateway, "vendor-smas", Role.VENDOR_CLIENT, schools=["79701001"])
    return await client_token(gw, cid, secret)


class TestForwarding:
    async def test_vendor_writes_its_school_with_request_id(self, gw, vendor):
        r = await gw.put(
            SELF.format("79701001"), json={"facts": FULL}, headers={**vendor, "X-Request-ID": "req-42"}
        )
        assert r.status_code == 201, r.text
        assert r.headers["etag"] == '"1"'
        assert r.headers["x-request-id"] == "req-42"
        audit = await gw.get(SELF.format("79701001") + "/audit", headers=vendor)
        assert audit.json()["items"][0]["actor"] == "vendor-smas"

    async def test_other_school_is_404_with_a_scope_explanation(self, gw, vendor):
        r = await gw.put(SELF.format("79702001"), json={"facts": FULL}, headers=vendor)
        assert r.status_code == 404
        body = r.json()
        assert body["scope"]["your_schools"] == ["79701001"]
        assert body["scope"]["token_info"] == "/oauth/token_info"
        assert "79702001 is not in this token's school list" in body["scope"]["note"]
        # the same answer whether or not the school exists: nothing about others is revealed
        r2 = await gw.put(SELF.format("99999999"), json={"facts": FULL}, headers=vendor)
        assert r2.status_code == 404
        assert r2.json()["code"] == body["code"]

    async def test_a_forged_principal_header_is_dropped(self, gw, vendor):
        forged = Principal(sub="evil", roles=frozenset({Role.ADMIN}), all_orgs=True)
        header = {"X-Chiso-Principal": sign_principal(forged, "guessed-secret")}
        r = await gw.put(SELF.format("79702001"), json={"facts": FULL}, headers={**vendor, **header})
        assert r.status_code == 404

    async def test_no_token_is_401_but_frameworks_are_public(self, gw, scoring):
        r = await gw.get("/api/v1/org/schools")
        assert (r.status_code, r.json()["code"]) == (401, "token_invalid")
        r = await gw.get("/api/v1/frameworks")
        assert r.status_code == 200
        r = await gw.post(
            "/api/v1/frameworks/qd4725-2022/score", json={"school_levels": ["TH"], "facts": FULL}
        )
        assert r.status_code == 200

    @pytest.mark.parametrize(
        "path",
        [
            "/internal/v1/events",
            "/api/v1/internal/events",
            "/api/v1/nowhere",
            "/api/v1/org/../../internal/v1/events",
            "/api/v1/org/%2E%2E/%2E%2E/internal/v1/events",
        ],
    )
    async def test_internal_and_unknown_paths_are_never_forwarded(self, gw, vendor, path):
        r = await gw.get(path, headers=vendor)
        assert r.status_code == 404


class TestLimits:
    async def test_oversize_body_is_413(self, gateway_url, gateway_conn, upstreams, gateway, gw, vendor):
        app = create_app(gateway_settings(gateway_url, max_body_bytes=1000), upstreams)
        async with running(app, gateway_conn) as c:
            r = await c.put(SELF.format("79701001"), content=b"x" * 5000, headers=vendor)
            assert (r.status_code, r.json()["code"]) == (413, "payload_too_large")

            async def chunks() -> Any:  # no Content-Length: counted while streaming
                for _ in range(10):
                    yield b"y" * 500

            r = await c.put(SELF.format("79701001"), content=chunks(), headers=vendor)
            assert r.status_code == 413

    async def test_a_dead_upstream_is_503(self, gateway_url, gateway_conn, gateway, gw, vendor):
        dead = httpx.AsyncClient(base_url="http://127.0.0.1:9", timeout=2.0)
        app = create_app(gateway_settings(gateway_url), {"scoring": dead})
        async with running(app, gateway_conn) as c:
            r = await c.get("/api/v1/org/schools", headers=vendor)
            assert (r.status_code, r.json()["code"]) == (503, "upstream_unavailable")
            r = await c.get("/api/v1/evidence/x", headers=vendor)
            assert r.status_code == 503
        await dead.aclose()

    async def test_a_silent_upstream_is_504_within_the_clients_timeout(
        self, gateway_url, gateway_conn, gateway, gw, vendor
    ):
        async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read(65536)
            await asyncio.sleep(30)

        server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        silent = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=0.3)
        app = create_app(gateway_settings(gateway_url), {"scoring": silent})
        try:
            async with running(app, gateway_conn) as c:
                started = time.monotonic()
                r = await c.get("/api/v1/org/schools", headers=vendor)
                assert (r.status_code, r.json()["code"]) == (504, "upstream_timeout")
                assert time.monotonic() - started < 5
        finally:
            await silent.aclose()
            server.close()

    @pytest.mark.parametrize(
        ("status", "code"), [(502, "bad_gateway"), (503, "upstream_unavailable"), (404, "not_found")]
    )
    async def test_an_upstream_error_that_is_not_a_problem_becomes_one(
        self, gateway_url, gateway_conn, gateway, gw, vendor, status, code
    ):
        """A proxy or crash page between gateway and service: the client still gets a code."""

        def page(request: httpx.Request) -> httpx.Response:
            return httpx.Response(status, text="<html>Bad Gateway</html>", headers={"Retry-After": "7"})

        odd = httpx.AsyncClient(transport=httpx.MockTransport(page), base_url="http://scoring")
        app = create_app(gateway_settings(gateway_url), {"scoring": odd})
        async with running(app, gateway_conn) as c:
            r = await c.get("/api/v1/org/schools", headers=vendor)
        await odd.aclose()
        assert r.status_code == status
        assert r.headers["content-type"].startswith("application/problem+json")
        assert (r.json()["code"], r.headers["retry-after"]) == (code, "7")


class _Recording(httpx.AsyncBaseTransport):
    """Passes calls to an ASGI app and keeps the timeouts each call carried."""

    def __init__(self, app: Any) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.timeouts: list[Any] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.timeouts.append(request.extensions.get("timeout"))
        return await self.inner.handle_async_request(request)


class TestPassingOn:
    async def test_path_query_body_and_headers_pass_intact_and_no_cookie_is_kept(
        self, gateway_url, gateway_conn, gateway, gw, vendor
    ):
        seen: list[dict[str, Any]] = []
        big = bytes(range(256)) * 1024  # 256 KiB: more than is read whole, so streamed
        small = gzip.compress(b'{"ok": true}')  # compressed: must reach the caller as it was sent

        async def upstream(scope: dict[str, Any], receive: Any, send: Any) -> None:
            seen.append(scope)
            body = big if scope["path"].endswith("/big") else small
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            headers.append((b"set-cookie", b"upstream=1; Path=/"))
            if body is small:
                headers.append((b"content-encoding", b"gzip"))
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        transport = _Recording(upstream)
        timeout = httpx.Timeout(7.0, connect=2.0)
        base = "http://scoring/base/"
        async with httpx.AsyncClient(transport=transport, base_url=base, timeout=timeout) as up:
            app = create_app(gateway_settings(gateway_url), {"scoring": up})
            async with running(app, gateway_conn) as c:
                query = {"q": "Trường á&b", "limit": "2"}
                r = await c.get("/api/v1/org/schools", params=query, headers=vendor)
                assert (r.status_code, r.headers["content-encoding"], r.json()) == (200, "gzip", {"ok": True})
                assert r.headers["content-length"] == str(len(small))
                assert r.headers["set-cookie"] == "upstream=1; Path=/"  # the caller gets it
                c.cookies.clear()
                r = await c.get("/api/v1/org/big", headers=vendor)
                assert (r.status_code, r.content) == (200, big)
            # the gateway kept no cookie for later callers
            assert not list(up.cookies.jar)
        first, second = seen
        assert first["path"] == "/base/api/v1/org/schools"  # under the base URL's own path
        assert parse_qs(first["query_string"].decode()) == {"q": ["Trường á&b"], "limit": ["2"]}
        assert not [v for k, v in second["headers"] if k == b"cookie"]
        assert transport.timeouts == [timeout.as_dict()] * 2  # the client's timeouts still apply


class TestRawPassing:
    """The proxy works on raw header lines and hands calls to the client's transport itself."""

    @staticmethod
    async def _echo(scope: Scope, receive: Receive, send: Send) -> None:
        body = b'{"ok": true}'
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        headers += [(b"set-cookie", b"a=1; Path=/"), (b"set-cookie", b"b=2; Path=/")]
        headers += [(b"x-path", scope["path"].encode()), (b"x-query", scope["query_string"])]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def test_repeated_headers_stay_apart_and_an_escaped_query_mark_stays_in_the_path(
        self, gateway_url, gateway_conn, gateway, gw, vendor
    ):
        transport = httpx.ASGITransport(app=self._echo)
        async with httpx.AsyncClient(transport=transport, base_url="http://s") as up:
            app = create_app(gateway_settings(gateway_url), {"scoring": up})
            async with running(app, gateway_conn) as c:
                r = await c.get("/api/v1/org/a%3Fb=1%23c", params={"q": "1"}, headers=vendor)
        assert r.status_code == 200, r.text
        assert r.headers.get_list("set-cookie") == ["a=1; Path=/", "b=2; Path=/"]  # never joined
        # the decoded `?` and `#` are the path's, not a query or a fragment the caller slipped in
        assert (r.headers["x-path"], r.headers["x-query"]) == ("/api/v1/org/a?b=1#c", "q=1")

    async def test_a_client_with_its_own_hooks_still_sends_through_them(
        self, gateway_url, gateway_conn, gateway, gw, vendor
    ):
        seen: list[str] = []

        async def hook(request: httpx.Request) -> None:
            seen.append(request.url.path)

        transport = httpx.ASGITransport(app=self._echo)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://s", event_hooks={"request": [hook]}
        ) as up:
            app = create_app(gateway_settings(gateway_url), {"scoring": up})
            async with running(app, gateway_conn) as c:
                r = await c.get("/api/v1/org/schools", headers=vendor)
        assert (r.status_code, seen) == (200, ["/api/v1/org/schools"])


class TestOpenApi:
    async def test_one_merged_document(self, gw):
        doc = (await gw.get("/openapi.json")).json()
        paths = doc["paths"]
        assert "/oauth/token" in paths
        assert "/admin/v1/clients" in paths
        assert "/api/v1/org/schools" in paths
        assert "/api/v1/dashboard/summaries" in paths
        assert not [p for p in paths if p.startswith("/internal")]
        assert "AssessmentOut" in doc["components"]["schemas"]
        assert (await gw.get("/docs")).status_code == 200
