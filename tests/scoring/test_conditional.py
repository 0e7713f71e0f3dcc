"""Conditional requests on an assessment: no silent overwrite (428 without If-Match, 412 when
stale), creation needs no precondition, `If-None-Match: *` never replaces, and a GET with the
current ETag in `If-None-Match` is a 304."""

from __future__ import annotations

import httpx
import pytest

from tests.org import VENDOR
from tests.scoring.test_engine_levels import FULL

SELF = "/api/v1/schools/79701001/assessments/2024-2025/self"


@pytest.fixture
async def org(client: httpx.AsyncClient, province: None) -> httpx.AsyncClient:
    return client


async def test_create_needs_no_precondition_change_needs_if_match(org):
    r = await org.put(SELF, json={"facts": FULL}, headers=VENDOR)
    assert r.status_code == 201
    etag = r.headers["ETag"]
    r = await org.put(SELF, json={"facts": {}}, headers=VENDOR)
    assert r.status_code == 428
    assert r.json()["code"] == "precondition_required"
    assert r.json()["current_etag"] == etag
    assert (await org.get(SELF, headers=VENDOR)).json()["facts"] == FULL  # nothing overwritten
    r = await org.put(SELF, json={"facts": {}}, headers={**VENDOR, "If-Match": '"99"'})
    assert r.status_code == 412
    r = await org.put(SELF, json={"facts": {}}, headers={**VENDOR, "If-Match": etag})
    assert r.status_code == 200


async def test_if_none_match_star_creates_only(org):
    r = await org.put(SELF, json={"facts": FULL}, headers={**VENDOR, "If-None-Match": "*"})
    assert r.status_code == 201
    r = await org.put(SELF, json={"facts": {}}, headers={**VENDOR, "If-None-Match": "*"})
    assert r.status_code == 412
    assert r.json()["code"] == "precondition_failed"


async def test_get_answers_304_on_the_current_etag(org):
    etag = (await org.put(SELF, json={"facts": FULL}, headers=VENDOR)).headers["ETag"]
    r = await org.get(SELF, headers={**VENDOR, "If-None-Match": etag})
    assert r.status_code == 304
    assert r.headers["ETag"] == etag
    assert r.content == b""
    r = await org.get(SELF, headers={**VENDOR, "If-None-Match": '"0", W/' + etag})
    assert r.status_code == 304
    await org.put(SELF, json={"facts": {}}, headers={**VENDOR, "If-Match": etag})
    r = await org.get(SELF, headers={**VENDOR, "If-None-Match": etag})
    assert r.status_code == 200
