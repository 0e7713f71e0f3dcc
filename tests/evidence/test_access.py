"""Only the school's scope uploads; the school and its managing units read; others get 404."""

from __future__ import annotations

import httpx
import pytest

from shared.principal import Role
from tests.evidence.conftest import UPLOAD, created, upload
from tests.org import ADMIN, HEAD, OFFICER_A, OFFICER_B, OTHER_HEAD, SO_OFFICER, STAFF, VENDOR, who

READERS = [STAFF, HEAD, VENDOR, OFFICER_A, SO_OFFICER, ADMIN]
OUTSIDERS = [OFFICER_B, OTHER_HEAD, who("vendor-x", Role.VENDOR_CLIENT, schools=("79702001",))]


@pytest.fixture
async def ev(client):
    return await created(client, STAFF)


@pytest.mark.parametrize("headers", [STAFF, HEAD, VENDOR, ADMIN])
async def test_school_scope_uploads(client, headers):
    r = await upload(client, headers)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("headers", [OFFICER_A, SO_OFFICER])
async def test_managing_units_may_not_upload(client, headers):
    r = await upload(client, headers)
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")


@pytest.mark.parametrize("headers", OUTSIDERS)
async def test_outsiders_cannot_upload_and_learn_nothing(client, headers):
    r = await upload(client, headers)
    assert r.status_code == 404


@pytest.mark.parametrize("headers", READERS)
async def test_school_and_managing_units_read(client, ev, headers):
    for url in (UPLOAD, f"/api/v1/evidence/{ev['id']}", f"/api/v1/evidence/{ev['id']}/content"):
        r = await client.get(url, headers=headers)
        assert r.status_code == 200, (url, r.text)


@pytest.mark.parametrize("headers", OUTSIDERS)
async def test_outsiders_get_404_everywhere(client, ev, headers):
    for url in (UPLOAD, f"/api/v1/evidence/{ev['id']}", f"/api/v1/evidence/{ev['id']}/content"):
        r = await client.get(url, headers=headers)
        assert r.status_code == 404, url
    assert (await client.delete(f"/api/v1/evidence/{ev['id']}", headers=headers)).status_code == 404


async def test_managing_unit_may_not_delete(client, ev):
    r = await client.delete(f"/api/v1/evidence/{ev['id']}", headers=OFFICER_A)
    assert r.status_code == 403


@pytest.mark.parametrize("code", ["..", "a.b", "x" * 40, "%2e%2e"])
async def test_odd_school_codes_are_404_without_asking(client, code):
    r = await client.get(f"/api/v1/schools/{code}/evidence", headers=ADMIN)
    assert r.status_code == 404


async def test_unknown_school_is_404(client):
    r = await upload(client, ADMIN, school="99999999")
    assert r.status_code == 404
    assert (await client.get("/api/v1/schools/99999999/evidence", headers=ADMIN)).status_code == 404


async def test_missing_or_forged_principal_is_401(client, ev):
    assert (await client.get(UPLOAD)).status_code == 401
    forged = {"X-Chiso-Principal": STAFF["X-Chiso-Principal"][:-4] + "AAAA"}
    assert (await client.get(UPLOAD, headers=forged)).status_code == 401
    assert (await upload(client, forged)).status_code == 401


async def test_scoring_down_is_503(app, client):
    async def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    app.state.scoring.http = httpx.AsyncClient(transport=httpx.MockTransport(down), base_url="http://scoring")
    r = await client.get(UPLOAD, headers=STAFF)
    assert (r.status_code, r.json()["code"]) == (503, "upstream_unavailable")


async def test_scope_is_cached_briefly():
    from shared.scoring_client import ScoringClient

    calls = 0

    async def scoring(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        assert request.headers["x-chiso-principal"]  # signed as this service
        if request.url.path.endswith("/99999999/scope"):
            return httpx.Response(404)
        return httpx.Response(
            200, json={"code": "79701001", "name": "x", "ancestors": ["so-79", "phong-797-a"]}
        )

    client = httpx.AsyncClient(transport=httpx.MockTransport(scoring), base_url="http://scoring")
    scopes = ScoringClient(client, "secret", "evidence", scope_ttl=60)
    for _ in range(3):
        s = await scopes.school_scope("79701001")
        assert s is not None
        assert s.ancestors == ["so-79", "phong-797-a"]
        assert await scopes.school_scope("99999999") is None
    assert calls == 2
    expired = ScoringClient(client, "secret", "evidence", scope_ttl=0)
    await expired.school_scope("79701001")
    await expired.school_scope("79701001")
    assert calls == 4


async def test_one_code_per_situation_school_and_evidence(client):
    """A school out of reach is `school_not_found`, as in every service; unknown evidence is
    `evidence_not_found`."""
    r = await client.get("/api/v1/schools/79702001/evidence?school_year=2024-2025", headers=HEAD)
    assert (r.status_code, r.json()["code"]) == (404, "school_not_found")
    r = await client.get("/api/v1/evidence/ev_missing", headers=HEAD)
    assert (r.status_code, r.json()["code"]) == (404, "evidence_not_found")
