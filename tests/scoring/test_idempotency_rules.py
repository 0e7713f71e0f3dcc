"""The shared `Idempotency-Key` rules in scoring: a replay is marked `Idempotency-Replayed: true`
with the first answer's headers; a record expires after a day and its key is free again."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from services.scoring.assessments.models import IdempotencyRecord
from shared import idempotency as idem
from shared.db import utcnow
from tests.org import VENDOR
from tests.scoring.test_bulk import BULK, row
from tests.scoring.test_engine_levels import FULL

SELF = "/api/v1/schools/79701001/assessments/2024-2025/self"


@pytest.fixture
async def org(client: httpx.AsyncClient, province: None) -> httpx.AsyncClient:
    return client


async def test_replay_is_marked_and_carries_the_first_answers_headers(org):
    assert (await org.put(SELF, json={"facts": FULL}, headers=VENDOR)).status_code == 201
    h = {**VENDOR, "Idempotency-Key": "submit-1"}
    first = await org.post(f"{SELF}/submit", headers=h)
    again = await org.post(f"{SELF}/submit", headers=h)
    assert (first.status_code, again.status_code) == (200, 200)
    assert "idempotency-replayed" not in first.headers
    assert again.headers["idempotency-replayed"] == "true"
    assert again.headers["etag"] == first.headers["etag"]
    assert again.json() == first.json()


async def test_an_expired_key_is_free_again(org, app: Any):
    h = {**VENDOR, "Idempotency-Key": "bulk-1"}
    assert (await org.post(BULK, json={"items": [row("79701001", FULL)]}, headers=h)).status_code == 200
    other = {"items": [row("79701002", FULL)]}
    r = await org.post(BULK, json=other, headers=h)
    assert (r.status_code, r.json()["code"]) == (422, "idempotency_key_reused")
    async with app.state.session_factory() as s:
        old = utcnow() - idem.TTL - timedelta(minutes=1)
        await s.execute(update(IdempotencyRecord).values(created_at=old))
        await s.commit()
    r = await org.post(BULK, json=other, headers=h)
    assert r.status_code == 200
    assert "idempotency-replayed" not in r.headers


def test_expiry_rule():
    now = utcnow()
    assert not idem.expired(now - idem.TTL + timedelta(seconds=1), now)
    assert idem.expired(now - idem.TTL, now)


# the claim is a transaction of its own: only real commits show it to the concurrent twins
@pytest.mark.commits
async def test_concurrent_twins_act_once(org):
    assert (await org.put(SELF, json={"facts": FULL}, headers=VENDOR)).status_code == 201
    h = {**VENDOR, "Idempotency-Key": "submit-twins"}
    rs = await asyncio.gather(*(org.post(f"{SELF}/submit", headers=h) for _ in range(6)))
    done = [r for r in rs if r.status_code == 200]
    busy = [r for r in rs if r.status_code != 200]
    assert done, [r.text for r in rs]
    assert {r.json()["version"] for r in done} == {2}
    assert [r.headers.get(idem.REPLAYED) for r in done].count(None) == 1  # one ran, the rest replayed
    assert {(r.status_code, r.json()["code"]) for r in busy} <= {(409, "idempotency_in_progress")}
    audit = (await org.get(f"{SELF}/audit", headers=VENDOR)).json()["items"]
    assert [a["action"] for a in audit] == ["create", "submit"]
