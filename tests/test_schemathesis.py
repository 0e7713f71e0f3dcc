"""A bounded schemathesis run over the gateway's whole OpenAPI document (its own routes and every
forwarded path of the services), against the embedded system: no answer may be a 5xx.

The embedded run (every service in one process) runs on its own event loop in a thread; each
generated case is sent to the gateway through httpx's ASGI transport on that loop. A fixed seed
(`derandomize`) and a few examples per operation keep it repeatable and inside CI's budget."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.core.result import Ok

from services.gateway.admin.schemas import UserCreate
from services.gateway.admin.service import AdminService
from services.run import embedded
from shared.principal import Role

EXAMPLES = 6  # per operation: 68 operations in about a minute on a loaded 2-core machine
PASSWORD = "schemathesis-password"
pytestmark = pytest.mark.slow


class Embedded:
    """The embedded system on its own loop, with a bearer token of an all-orgs admin and officer."""

    def __init__(self, data_dir: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self._stop: asyncio.Event | None = None
        ready: Future[tuple[dict[str, Any], str]] = Future()
        self.done = asyncio.run_coroutine_threadsafe(self._run(data_dir, ready), self.loop)
        self.openapi, token = ready.result(timeout=120)
        self.headers = {"Authorization": f"Bearer {token}"}

    async def _run(self, data_dir: Path, ready: Future[tuple[dict[str, Any], str]]) -> None:
        self._stop = asyncio.Event()
        try:
            async with embedded(data_dir, demo=False) as e:
                transport = httpx.ASGITransport(app=e.gateway, raise_app_exceptions=False)
                async with httpx.AsyncClient(transport=transport, base_url="http://gw") as c:
                    self.client = c
                    token = await self._token(e, c)
                    ready.set_result(((await c.get("/openapi.json")).json(), token))
                    await self._stop.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise

    @staticmethod
    async def _token(e: Any, c: httpx.AsyncClient) -> str:
        roles = [Role.ADMIN, Role.OFFICER, Role.ASSESSOR, Role.MINISTRY_VIEWER]
        async with e.gateway.state.session_factory() as s:
            body = UserCreate(username="fuzz", name="fuzz", password=PASSWORD, roles=roles, all_orgs=True)
            await AdminService(s).create_user(body)
            await s.commit()
        r = await c.post("/auth/login", json={"username": "fuzz", "password": PASSWORD})
        return str(r.json()["access_token"])

    def send(self, kwargs: dict[str, Any]) -> httpx.Response:
        return asyncio.run_coroutine_threadsafe(self._send(kwargs), self.loop).result(timeout=60)

    async def _send(self, kw: dict[str, Any]) -> httpx.Response:
        data = kw.get("data")
        headers = {**(kw.get("headers") or {}), **self.headers}
        if kw.get("cookies"):
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in kw["cookies"].items())
        content = data if isinstance(data, bytes | str) else None
        return await self.client.request(
            kw["method"],
            httpx.URL(kw["url"]).raw_path.decode(),
            headers=headers,
            params=kw.get("params"),
            json=kw.get("json"),
            content=content,
            data=None if content is not None else data,
            files=kw.get("files"),
        )

    def close(self) -> None:
        assert self._stop is not None
        self.loop.call_soon_threadsafe(self._stop.set)
        self.done.result(timeout=60)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


# generous limits: the run is about answers, not about being refused for going fast
LIMITS = {
    f"GATEWAY_{name}": "100000"
    for name in (
        "RATE_LIMIT_PER_SECOND",
        "RATE_LIMIT_BURST",
        "LOGIN_RATE_PER_SECOND",
        "LOGIN_BURST",
        "PREVIEW_RATE_PER_SECOND",
        "PREVIEW_BURST",
    )
}


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Embedded]:
    with pytest.MonkeyPatch.context() as mp:
        for k, v in LIMITS.items():
            mp.setenv(k, v)
        e = Embedded(tmp_path_factory.mktemp("fuzz") / "data")
    yield e
    e.close()


# Operations left out, each with the reason (none today: every operation is fuzzed).
EXCLUDED: dict[tuple[str, str], str] = {}


def test_no_answer_is_a_server_error(system: Embedded) -> None:
    schema = schemathesis.openapi.from_dict(system.openapi)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):  # the document itself is wrong there: a finding too
            failures.append(f"invalid operation in the OpenAPI document: {result.err()}")
            continue
        op = result.ok()
        if (op.method.upper(), op.path) in EXCLUDED:
            continue
        operations += 1

        @settings(
            max_examples=EXAMPLES,
            derandomize=True,  # a fixed seed: the same cases every run
            deadline=None,
            phases=[Phase.explicit, Phase.generate],  # failures are collected, never shrunk
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=op.as_strategy())
        def run(case: Any) -> None:
            r = system.send(case.as_transport_kwargs(base_url="http://gw"))
            if r.status_code >= 500:
                failures.append(f"{case.method} {r.request.url.raw_path.decode()} → {r.status_code}")

        run()
    assert operations >= 60, operations  # the whole document, not a corner of it
    assert not failures, "\n".join(sorted(set(failures)))
