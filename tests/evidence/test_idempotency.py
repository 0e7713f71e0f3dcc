"""`Idempotency-Key` on creates: a retried request answers the evidence it created the first time."""

from __future__ import annotations

import asyncio

import pytest

from tests.evidence.conftest import PNG, SCHOOL, UPLOAD, stored_blobs, upload
from tests.evidence.test_upload import row_count
from tests.org import STAFF, VENDOR

LINKS = f"/api/v1/schools/{SCHOOL}/evidence/links"
LINK = {
    "school_year": "2024-2025",
    "title": "LMS",
    "kind": "screenshot",
    "items": ["1.3.2"],
    "url": "https://x.vn/",
}


async def test_retried_upload_answers_the_same_evidence(app, client, blob_root):
    h = {**STAFF, "Idempotency-Key": "upload-1"}
    first = await upload(client, h)
    again = await upload(client, h)
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json()["id"] == again.json()["id"]
    assert again.headers["location"] == first.headers["location"]
    listed = (await client.get(UPLOAD, headers=STAFF)).json()["items"]
    assert len(listed) == 1
    assert list((blob_root / "tmp").iterdir()) == []


async def test_same_key_with_another_request_is_422(client):
    h = {**STAFF, "Idempotency-Key": "upload-2"}
    assert (await upload(client, h)).status_code == 201
    r = await upload(client, h, content=PNG)
    assert (r.status_code, r.json()["code"]) == (422, "idempotency_key_reused")


async def test_keys_belong_to_their_caller(client):
    a = await upload(client, {**STAFF, "Idempotency-Key": "k"})
    b = await upload(client, {**VENDOR, "Idempotency-Key": "k"})
    assert a.json()["id"] != b.json()["id"]


@pytest.mark.commits
async def test_concurrent_twins_create_one_evidence(app, client, blob_root):
    h = {**STAFF, "Idempotency-Key": "twin"}
    rs = await asyncio.gather(*[upload(client, h) for _ in range(4)])
    # each twin waits for the first request's transaction and replays its answer
    assert [r.status_code for r in rs] == [201] * 4, [r.text for r in rs]
    assert len({r.json()["id"] for r in rs}) == 1
    assert [r.headers.get("idempotency-replayed") for r in rs].count(None) == 1
    assert len((await client.get(UPLOAD, headers=STAFF)).json()["items"]) == 1
    assert len(stored_blobs(blob_root)) == 1
    assert await row_count(app) == 3  # evidence, its item, its code


async def test_retried_link_answers_the_same_evidence(client):
    h = {**STAFF, "Idempotency-Key": "link-1"}
    first = await client.post(LINKS, json=LINK, headers=h)
    again = await client.post(LINKS, json=LINK, headers=h)
    assert first.json()["id"] == again.json()["id"]
    r = await client.post(LINKS, json={**LINK, "url": "https://y.vn/"}, headers=h)
    assert r.status_code == 422


async def test_replayed_upload_is_marked(client):
    h = {**STAFF, "Idempotency-Key": "upload-replayed"}
    first = await upload(client, h)
    again = await upload(client, h)
    assert "idempotency-replayed" not in first.headers
    assert again.headers["idempotency-replayed"] == "true"
    assert again.headers["location"] == first.headers["location"]
