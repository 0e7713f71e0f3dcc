"""Every service, built by its own factory and started (lifespan), answers what the probes and
the scraper call: `/healthz`, `/readyz` and `/metrics`. A service that does not serve one yet is
reported as an expected failure with its reason, so the gap stays visible until it is closed."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
from fastapi import params

from services.serve import SERVICES
from tests.conftest import SECRET

PATHS = ("/healthz", "/readyz", "/metrics")


@pytest.fixture(params=sorted(SERVICES), scope="module")
async def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    name = str(request.param)
    service = SERVICES[name]
    data: Path = tmp_path_factory.mktemp(name)
    extra: dict[str, Any] = {"run_workers": False} if name == "sync" else {}
    if name == "evidence":
        extra = {"storage_dir": data / "blobs"}
    extra["internal_secret"] = SECRET  # no service starts without its secrets
    if name == "gateway":
        extra["jwt_secret"] = "test-gateway-jwt-secret-at-least-32-bytes"
    settings = service.settings_class()(
        environment="test", database_url=f"sqlite+aiosqlite:///{data / 'db.sqlite'}", **extra
    )
    app = service.factory()(settings=settings)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}") as c,
    ):
        yield name, c


@pytest.mark.parametrize("path", PATHS)
async def test_the_service_answers(client: tuple[str, httpx.AsyncClient], path: str) -> None:
    name, c = client
    r = await c.get(path)
    assert r.status_code == 200, f"{name} {path}: {r.text}"
    if path == "/metrics":
        assert "chiso_http_requests_total" in r.text
        assert r.headers["content-type"].startswith("text/plain")
    else:
        assert r.json()["status"] == "ok"
    if path == "/readyz":
        assert r.json()["checks"], "readiness checks nothing"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_a_write_is_committed_before_its_response_is_sent(name: str) -> None:
    """With several processes, a client acts on a 201 at once, often on another replica: the
    request's commit must be done by then. FastAPI runs the exit code of a `yield` dependency (the
    session's commit) after the response is sent unless it is declared with `scope="function"`."""
    deps = importlib.import_module(f"services.{name}.deps")
    [session_dep] = [a for a in get_args(deps.SessionDep)[1:] if isinstance(a, params.Depends)]
    assert session_dep.scope == "function", (
        f"services/{name}/deps.py: SessionDep commits after the response is sent "
        '(needs Depends(request_session, scope="function"), as shared.deps.SessionDep)'
    )
