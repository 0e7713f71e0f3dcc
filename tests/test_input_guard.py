"""Requests no route can serve are a 400 problem in every service and the gateway, never a 500:
a control character anywhere in the path, a multipart boundary longer than RFC 2046 allows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from services.serve import SERVICES
from services.sync.fake_csdl.app import FakeCsdlSettings
from services.sync.fake_csdl.app import create_app as create_fake
from tests.conftest import SECRET


def _service(name: str) -> Callable[[], FastAPI]:
    def build() -> FastAPI:
        s = SERVICES[name]
        secrets: dict[str, Any] = {"internal_secret": SECRET}
        if name == "gateway":
            secrets["jwt_secret"] = "test-gateway-jwt-secret-at-least-32-bytes"
        return s.factory()(settings=s.settings_class()(environment="test", **secrets))

    return build


APPS = {name: _service(name) for name in SERVICES}
APPS["fake-csdl"] = lambda: create_fake(FakeCsdlSettings(client_id="c", client_secret="s"))

PATHS = [
    "/api/v1/frameworks/%00",
    "/api/v1/frameworks/qd4725-2022%0A",
    "/api/v1/schools/79701001%1b/assessments",
    "/api/v1/org/schools/%7F",
    "/healthz%09",
    "/%18",
]


@pytest.fixture(params=sorted(APPS))
async def client(request: pytest.FixtureRequest) -> Any:
    app = APPS[request.param]()  # refused before routing: no lifespan needed
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://svc") as c:
        yield c


@pytest.mark.parametrize("path", PATHS)
async def test_a_control_character_in_the_path_is_a_400_problem(client, path):
    r = await client.get(path)
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "invalid_path"


@pytest.mark.parametrize("length", [71, 257, 5000])
async def test_an_overlong_multipart_boundary_is_a_400_problem(client, length):
    b = "b" * length
    body = f'--{b}\r\nContent-Disposition: form-data; name="x"\r\n\r\n1\r\n--{b}--\r\n'.encode()
    r = await client.post(
        "/api/v1/schools/79701001/evidence",
        content=body,
        headers={"content-type": f"multipart/form-data; boundary={b}"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["code"] == "invalid_multipart"
