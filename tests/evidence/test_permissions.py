"""Every capability of the evidence service refuses a caller without it exactly as before it was
declared on the route: a school out of the caller's scope is a 404 first (an outsider learns
nothing, whatever its role), a managing unit that sees the school is refused its writes with a
403, and only our services check references."""

from __future__ import annotations

import httpx
import pytest

from services.evidence import permissions
from shared.permissions import CAPABILITIES
from shared.principal import Role
from tests.evidence.conftest import PDF, UPLOAD, created, upload
from tests.org import ADMIN, OFFICER_A, OFFICER_B, OTHER_HEAD, SERVICE, STAFF, who

ONLY_THE_SCHOOL = "Only the school adds or deletes evidence."
NOT_ALLOWED = "Not allowed to do this."
LINK = {
    "school_year": "2024-2025",
    "title": "LMS",
    "kind": "screenshot",
    "items": ["1.1"],
    "url": "https://lms.example.edu.vn/",
}
OUTSIDERS = [OFFICER_B, OTHER_HEAD, who("vendor-x", Role.VENDOR_CLIENT, schools=("79702001",))]


def test_every_capability_of_the_service_is_tested_here() -> None:
    assert {k for k in CAPABILITIES if k[0] == "evidence"} == {
        ("evidence", permissions.WRITE.name),
        ("evidence", permissions.INTERNAL.name),
    }


def problem(r: httpx.Response) -> tuple[int, str, str]:
    body = r.json()
    return r.status_code, body["code"], body["message"]["en"]


@pytest.fixture
async def ev(client):
    return await created(client, STAFF)


async def writes(client: httpx.AsyncClient, ev_id: str, headers: dict[str, str]) -> list[httpx.Response]:
    return [
        await upload(client, headers),
        await client.post(f"{UPLOAD}/links", json=LINK, headers=headers),
        await client.put(
            f"/api/v1/evidence/{ev_id}/content",
            content=PDF,
            headers={**headers, "content-type": "application/octet-stream"},
        ),
        await client.delete(f"/api/v1/evidence/{ev_id}", headers=headers),
    ]


async def test_write_refuses_a_managing_unit_that_sees_the_school(client, ev):
    for r in await writes(client, ev["id"], OFFICER_A):
        assert problem(r) == (403, "forbidden", ONLY_THE_SCHOOL), r.request.url


@pytest.mark.parametrize("headers", OUTSIDERS)
async def test_write_answers_an_outsider_as_if_nothing_existed(client, ev, headers):
    upload_, link, replace, delete = await writes(client, ev["id"], headers)
    for r in (upload_, link):
        assert problem(r)[:2] == (404, "school_not_found"), r.request.url
    for r in (replace, delete):  # by id: exactly an unknown id's answer
        assert problem(r)[:2] == (404, "evidence_not_found"), r.request.url


@pytest.mark.parametrize("headers", OUTSIDERS)
async def test_reads_answer_an_outsider_as_if_nothing_existed(client, ev, headers):
    r = await client.get(UPLOAD, headers=headers)
    assert problem(r)[:2] == (404, "school_not_found")
    for r in (
        await client.get(f"/api/v1/evidence/{ev['id']}", headers=headers),
        await client.get(f"/api/v1/evidence/{ev['id']}/content", headers=headers),
        await client.post(f"/api/v1/evidence/{ev['id']}/check", headers=headers),
    ):
        assert problem(r)[:2] == (404, "evidence_not_found"), r.request.url


async def test_an_unknown_id_is_its_own_404_for_everyone(client):
    for headers in (OFFICER_B, STAFF):
        r = await client.delete("/api/v1/evidence/unknown", headers=headers)
        assert problem(r)[:2] == (404, "evidence_not_found")


@pytest.mark.parametrize("headers", [ADMIN, STAFF])
async def test_internal_check_refuses_anyone_but_a_service(client, headers):
    r = await client.post("/internal/v1/evidence/check", json={"refs": []}, headers=headers)
    assert problem(r) == (403, "forbidden", NOT_ALLOWED)
    r = await client.post("/internal/v1/evidence/check", json={"refs": []}, headers=SERVICE)
    assert r.status_code == 200
