"""Anonymous work is bounded: the public preview has a small body limit (413 from the gateway and
from the scoring service itself), a member count no larger than the framework's, a cap on the
errors it reports; anonymous calls take a bucket per purpose, sign-ins are throttled per account
with a doubling delay, and X-Forwarded-For is believed only from configured proxies."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncConnection

from services.gateway.main import create_app
from services.gateway.models_base import metadata
from shared.principal import Role
from tests.conftest import delete_rows
from tests.gateway.conftest import PASSWORD, add_user, gateway_settings
from tests.gateway.test_ratelimit import REDIS_URL, _redis_or_skip
from tests.harness import started

PREVIEW = "/api/v1/frameworks/qd4725-2022/score"


def huge_body() -> bytes:
    """The audit's request: 300,000 unknown fact keys, about 6.5 MiB."""
    facts = {f"X{i:07d}": {"v": "padding"} for i in range(300_000)}
    body = json.dumps({"school_levels": ["TH"], "facts": facts}).encode()
    assert len(body) > 6 * 1024 * 1024
    return body


async def _timed_healthz(gw: httpx.AsyncClient) -> float:
    await asyncio.sleep(0.01)  # let the preview start first
    t0 = time.perf_counter()
    assert (await gw.get("/healthz")).status_code == 200
    return time.perf_counter() - t0


class TestPreviewBounds:
    @pytest.mark.parametrize("streamed", [False, True])
    async def test_huge_preview_refused_quickly_and_healthz_stays_responsive(self, gw, streamed):
        body = huge_body()

        async def chunks() -> AsyncIterator[bytes]:
            for i in range(0, len(body), 64 * 1024):
                yield body[i : i + 64 * 1024]

        content: Any = chunks() if streamed else body
        t0 = time.perf_counter()
        r, healthz = await asyncio.gather(
            gw.post(PREVIEW, content=content, headers={"content-type": "application/json"}),
            _timed_healthz(gw),
        )
        elapsed = time.perf_counter() - t0
        assert (r.status_code, r.json()["code"]) == (413, "payload_too_large")
        assert r.headers["content-type"] == "application/problem+json"
        assert len(r.content) < 2048
        assert elapsed < 1.5, elapsed
        assert healthz < 0.5, healthz

    async def test_the_scoring_service_refuses_it_too(self, scoring):
        r = await scoring.post(PREVIEW, content=huge_body(), headers={"content-type": "application/json"})
        assert (r.status_code, r.json()["code"]) == (413, "payload_too_large")

    async def test_more_members_than_the_framework_has_is_one_error(self, gw):
        facts = {f"X{i}": 1 for i in range(5_000)}
        t0 = time.perf_counter()
        r = await gw.post(PREVIEW, json={"school_levels": ["TH"] * 100, "facts": facts, "awarded": facts})
        assert time.perf_counter() - t0 < 1.0
        assert r.status_code == 422
        errors = {(e["pointer"], e["code"]) for e in r.json()["validation_errors"]}
        assert errors == {
            ("/facts", "too_many_members"),
            ("/awarded", "too_many_members"),
            ("/school_levels", "too_many_members"),
        }

    async def test_reported_errors_are_capped_with_a_count(self, gw):
        doc = (await gw.get("/api/v1/frameworks/qd4725-2022")).json()
        codes = [i["code"] for g in doc["groups"] for c in g["criteria"] for i in c["items"]]
        r = await gw.post(
            PREVIEW,
            json={
                "school_levels": ["TH"],
                "facts": {c: {} for c in codes},
                "awarded": dict.fromkeys(codes, "x"),
            },
        )
        out = r.json()
        assert r.status_code == 422
        assert len(out["validation_errors"]) == 50
        assert out["error_count"] > 50


@asynccontextmanager
async def own(app: Any, conn: AsyncConnection | None) -> AsyncIterator[None]:
    """The app's lifespan, and what it wrote undone afterwards: the next app of the same test
    starts from the same rows (a savepoint of the test's transaction, rolled back)."""
    if conn is None:
        async with app.router.lifespan_context(app):
            try:
                yield
            finally:
                await delete_rows(app.state.session_factory, metadata)
        return
    savepoint = await conn.begin_nested()
    try:
        async with started(app, conn):
            yield
    finally:
        await savepoint.rollback()


def _settings(url: str, **kw: Any) -> Any:
    return gateway_settings(url, **{"login_burst": 3, "login_rate_per_second": 0.001, **kw})


class TestBuckets:
    async def test_login_and_preview_have_their_own_buckets(self, gateway_url, gateway_conn, upstreams):
        app = create_app(_settings(gateway_url, preview_burst=2, preview_rate_per_second=0.001), upstreams)
        transport = httpx.ASGITransport(app=app)
        async with own(app, gateway_conn), httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
            await add_user(app, "u1", Role.OFFICER, org_units=["so-79"])
            body = {"school_levels": ["TH"], "facts": {}}
            codes = [(await c.post(PREVIEW, json=body)).status_code for _ in range(3)]
            assert codes[-1] == 429
            r = await c.post("/auth/login", json={"username": "u1", "password": PASSWORD})
            assert r.status_code == 200  # the preview's bucket is empty, sign-in still works
            # public reads are a third bucket
            assert (await c.get("/api/v1/frameworks")).status_code == 200
            codes = [
                (await c.post("/auth/login", json={"username": "u1", "password": PASSWORD})).status_code
                for _ in range(3)
            ]
            assert codes[-1] == 429

    async def test_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy(
        self, gateway_url, gateway_conn, upstreams
    ):
        for trusted, expect in (("", [200, 200, 200, 429]), ("127.0.0.1/32", [200, 200, 200, 200])):
            app = create_app(_settings(gateway_url, trusted_proxies=trusted), upstreams)
            transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
            async with (
                own(app, gateway_conn),
                httpx.AsyncClient(transport=transport, base_url="http://gw") as c,
            ):
                await add_user(app, "u1", Role.OFFICER, org_units=["so-79"])
                codes = []
                for i in range(4):
                    xff = {"X-Forwarded-For": f"203.0.113.{i}"}
                    r = await c.post(
                        "/auth/login", json={"username": "u1", "password": PASSWORD}, headers=xff
                    )
                    codes.append(r.status_code)
                assert codes == expect, trusted

    def test_a_bad_trusted_proxies_setting_is_a_start_up_error(self, gateway_url):
        with pytest.raises(ValueError, match=r"trusted|does not appear"):
            gateway_settings(gateway_url, trusted_proxies="10.0.0.0/8, not-an-address")


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class TestLoginThrottling:
    async def test_wrong_passwords_then_a_doubling_wait_even_for_the_right_one(self, gateway, gw):
        await add_user(gateway, "u1", Role.OFFICER, org_units=["so-79"])
        clock = Clock()
        gateway.state.login_throttle.clock = clock
        wrong = {"username": "u1", "password": "wrong-password"}
        right = {"username": "u1", "password": PASSWORD}
        codes = [(await gw.post("/auth/login", json=wrong)).status_code for _ in range(5)]
        assert codes == [401] * 5
        r = await gw.post("/auth/login", json=right)  # the right password, too soon
        assert (r.status_code, r.json()["code"]) == (429, "login_throttled")
        assert r.headers["retry-after"] == "1"
        # another address changes nothing: the account is throttled, not the address
        clock.t += 1.1
        assert (await gw.post("/auth/login", json=wrong)).status_code == 401
        clock.t += 1.1
        r = await gw.post("/auth/login", json=right)
        assert (r.status_code, r.headers["retry-after"]) == (429, "1")
        clock.t += 1.0
        assert (await gw.post("/auth/login", json=right)).status_code == 200
        # a success clears the record
        assert (await gw.post("/auth/login", json=wrong)).status_code == 401

    async def test_unknown_accounts_and_client_secrets_are_throttled_alike(self, gateway, gw):
        gateway.state.login_throttle.clock = Clock()
        for _ in range(5):
            assert (
                await gw.post("/auth/login", json={"username": "nobody", "password": "x"})
            ).status_code == 401
        assert (await gw.post("/auth/login", json={"username": "nobody", "password": "x"})).status_code == 429
        form = {"grant_type": "client_credentials", "client_id": "nope", "client_secret": "cs_x_y"}
        codes = [(await gw.post("/oauth/token", data=form)).status_code for _ in range(6)]
        assert codes == [401] * 5 + [429]


class TestSharedLoginThrottling:
    @pytest.mark.commits  # two replicas, each on its own pool
    async def test_replicas_sharing_redis_count_one_accounts_failures_together(
        self, gateway_url, gateway_conn, upstreams
    ):
        probe = await _redis_or_skip()
        await probe.close()
        account = f"user-{uuid.uuid4().hex[:8]}"
        apps = [create_app(gateway_settings(gateway_url, redis_url=REDIS_URL), upstreams) for _ in range(2)]
        async with own(apps[0], gateway_conn), started(apps[1], gateway_conn):
            clients = [
                httpx.AsyncClient(transport=httpx.ASGITransport(app=a), base_url="http://gw") for a in apps
            ]
            await add_user(apps[0], account, Role.OFFICER, org_units=["so-79"])
            wrong = {"username": account, "password": "wrong-password"}
            codes = [(await clients[i % 2].post("/auth/login", json=wrong)).status_code for i in range(5)]
            assert codes == [401] * 5
            right = {"username": account, "password": PASSWORD}
            for c in clients:  # each replica saw only some of the failures, and both refuse
                r = await c.post("/auth/login", json=right)
                assert (r.status_code, r.json()["code"]) == (429, "login_throttled")
            for c in clients:
                await c.aclose()
