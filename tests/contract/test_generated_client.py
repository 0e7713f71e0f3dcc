"""A vendor's client generated from openapi.json alone (openapi-python-client, into a temporary
directory) runs the vendor's flow against the embedded run: a token, PUT facts, read the score,
and a 422 and a 412 read through the generated `Problem` model."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from services.gateway.admin.schemas import ClientCreate
from services.gateway.admin.service import AdminService
from services.gateway.openapi_export import EXPORTED
from services.run import embedded
from shared.principal import Role
from tests.scoring.test_engine_levels import FULL

CODE, YEAR = "79100001", "2024-2025"


@pytest.fixture(scope="module")
def chiso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    out = tmp_path_factory.mktemp("client")
    tool = Path(sys.executable).parent / "openapi-python-client"
    cmd = [str(tool), "generate", "--path", str(EXPORTED), "--meta", "none", "--output-path"]
    run = subprocess.run([*cmd, str(out / "chiso_client")], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    sys.path.insert(0, str(out))
    try:
        yield importlib.import_module("chiso_client")
    finally:
        sys.path.remove(str(out))
        for name in [m for m in sys.modules if m.split(".")[0] == "chiso_client"]:
            del sys.modules[name]


def _mod(name: str) -> Any:
    return importlib.import_module(f"chiso_client.{name}")


async def _vendor_secret(gateway: Any) -> str:
    async with gateway.state.session_factory() as s:
        _, _, secret = await AdminService(s).create_client(
            ClientCreate(id="vendor-gen", name="vendor", roles=[Role.VENDOR_CLIENT], schools=[CODE])
        )
        await s.commit()
    return str(secret)


async def test_vendor_flow_through_the_generated_client(chiso, demo_dir):
    models = _mod("models")
    put, get = _mod("api.assessments.put_assessment"), _mod("api.assessments.get_assessment")
    token_op = _mod("api.authentication.issue_token")
    async with embedded(demo_dir) as e:
        secret = await _vendor_secret(e.gateway)
        transport = httpx.ASGITransport(app=e.gateway)
        anon = chiso.Client(base_url="http://gw")
        anon.set_async_httpx_client(httpx.AsyncClient(transport=transport, base_url="http://gw"))
        form = models.BodyTokenOauthTokenPost(
            grant_type="client_credentials", client_id="vendor-gen", client_secret=secret
        )
        token = (await token_op.asyncio_detailed(client=anon, body=form)).parsed
        assert isinstance(token, models.TokenResponse)
        client = chiso.AuthenticatedClient(base_url="http://gw", token=token.access_token)
        client.set_async_httpx_client(
            httpx.AsyncClient(
                transport=transport,
                base_url="http://gw",
                headers={"Authorization": f"Bearer {token.access_token}"},
            )
        )
        kind = models.AssessmentKind.SELF
        body = models.AssessmentWrite.from_dict({"facts": FULL})
        r = await put.asyncio_detailed(CODE, YEAR, kind, client=client, body=body)
        assert r.status_code == 201, r.content
        assert isinstance(r.parsed, models.AssessmentOut)
        etag = r.headers["ETag"]

        read = await get.asyncio_detailed(CODE, YEAR, kind, client=client)
        assert isinstance(read.parsed, models.AssessmentOut)
        assert read.parsed.score["groups"][0]["level"] >= 1
        assert read.headers["ETag"] == etag

        bad = models.AssessmentWrite.from_dict(
            {"facts": {**FULL, "1.6.1": {"numerator": 5, "denominator": 2}}}
        )
        r = await put.asyncio_detailed(CODE, YEAR, kind, client=client, body=bad, if_match=etag)
        assert r.status_code == 422
        assert isinstance(r.parsed, models.Problem)
        assert [e.pointer for e in r.parsed.validation_errors] == ["/facts/1.6.1/numerator"]
        assert r.parsed.validation_errors[0].code == "numerator_above_denominator"

        r = await put.asyncio_detailed(CODE, YEAR, kind, client=client, body=body, if_match='"999"')
        assert r.status_code == 412
        assert isinstance(r.parsed, models.Problem)
        assert r.parsed.code == "precondition_failed"
