"""The shared `Idempotency-Key` rules in scoring: a replay is marked `Idempotency-Replayed: true`
with the first answer's headers; a record expires after a day and its key is free again; a twin
waits for the first request's transaction and replays its answer, or runs itself when the first
failed; the claim, the action and the answer are one transaction."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, update

from services.scoring.assessments.models import IdempotencyRecord
from shared import idempotency as idem
from shared.db import utcnow
from tests.org import ADMIN, VENDOR
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


# twins race for real: only real commits end the first request's transaction they wait on
@pytest.mark.commits
async def test_concurrent_twins_act_once(org):
    assert (await org.put(SELF, json={"facts": FULL}, headers=VENDOR)).status_code == 201
    h = {**VENDOR, "Idempotency-Key": "submit-twins"}
    rs = await asyncio.gather(*(org.post(f"{SELF}/submit", headers=h) for _ in range(6)))
    # each twin waits for the first request's transaction, then replays its answer
    assert [r.status_code for r in rs] == [200] * 6, [r.text for r in rs]
    assert {r.json()["version"] for r in rs} == {2}
    assert [r.headers.get(idem.REPLAYED) for r in rs].count(None) == 1  # one ran, the rest replayed
    assert len({r.headers["etag"] for r in rs}) == 1
    audit = (await org.get(f"{SELF}/audit", headers=VENDOR)).json()["items"]
    assert [a["action"] for a in audit] == ["create", "submit"]
    events = (await org.get("/internal/v1/events?after=0&limit=100", headers=ADMIN)).json()["events"]
    assert [e["type"] for e in events].count("assessment.submitted") == 1


class Requests:
    """Requests as the routes run them, straight on `Idempotency`: each its own session whose
    transaction commits on success and rolls back on error (`shared.deps.request_session`)."""

    def __init__(self, app: Any) -> None:
        self.factory = app.state.session_factory
        self.ran: list[str] = []

    async def run(self, name: str, action: Any, key: str = "twin-1") -> idem.Answer:
        async def counted() -> idem.Answer:
            self.ran.append(name)
            answer: idem.Answer = await action()
            return answer

        async with self.factory() as s:
            try:
                answer = await idem.Idempotency(IdempotencyRecord, s).run("u-1", key, {"n": 1}, counted)
                await s.commit()
                return answer
            except BaseException:
                await s.rollback()
                raise


def _held(claimed: asyncio.Event, release: asyncio.Event, fail: bool = False) -> Any:
    """An action that holds its request's transaction open until `release`, then answers or fails."""

    async def action() -> idem.Answer:
        claimed.set()
        await release.wait()
        if fail:
            raise RuntimeError("the first request failed")
        return idem.Answer(200, {"by": "first"}, {"ETag": '"2"'})

    return action


async def _answer_twin() -> idem.Answer:
    return idem.Answer(200, {"by": "twin"}, {"ETag": '"3"'})


@pytest.mark.commits
async def test_a_twin_waits_for_the_first_request_and_replays_its_answer(app: Any) -> None:
    reqs, claimed, release = Requests(app), asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(reqs.run("first", _held(claimed, release)))
    await claimed.wait()
    twin = asyncio.create_task(reqs.run("twin", _answer_twin))
    await asyncio.sleep(0.3)
    assert not twin.done()  # waiting on the first request's claim, not answered 409
    release.set()
    a, b = await first, await twin
    assert reqs.ran == ["first"]
    assert (a.replayed, b.replayed) == (False, True)
    assert (b.status, b.body, b.headers) == (200, {"by": "first"}, {"ETag": '"2"'})


@pytest.mark.commits
async def test_a_twin_of_a_failed_first_request_runs_as_the_first(app: Any) -> None:
    reqs, claimed, release = Requests(app), asyncio.Event(), asyncio.Event()
    first = asyncio.create_task(reqs.run("first", _held(claimed, release, fail=True)))
    await claimed.wait()
    twin = asyncio.create_task(reqs.run("twin", _answer_twin))
    await asyncio.sleep(0.3)
    release.set()
    with pytest.raises(RuntimeError):
        await first
    b = await twin
    # the failure rolled its claim back: the twin found the key free and ran
    assert (reqs.ran, b.replayed, b.body) == (["first", "twin"], False, {"by": "twin"})
    again = await reqs.run("again", _answer_twin)
    assert (again.replayed, again.body, reqs.ran[-1]) == (True, {"by": "twin"}, "twin")


@pytest.mark.commits
async def test_an_action_with_a_key_is_one_transaction(org: httpx.AsyncClient, app: Any) -> None:
    """The claim, the submission (its audit entry and event) and the stored answer commit
    together, on one connection: no transaction of the claim's own beside the request's."""
    assert (await org.put(SELF, json={"facts": FULL}, headers=VENDOR)).status_code == 201
    seen: Counter[str] = Counter()
    engine = app.state.engine.sync_engine

    def commit(_conn: Any) -> None:
        seen["commit"] += 1

    def checkout(*_: Any) -> None:
        seen["checkout"] += 1

    event.listen(engine, "commit", commit)
    event.listen(engine.pool, "checkout", checkout)
    try:
        r = await org.post(f"{SELF}/submit", headers={**VENDOR, "Idempotency-Key": "one-tx"})
    finally:
        event.remove(engine, "commit", commit)
        event.remove(engine.pool, "checkout", checkout)
    assert r.status_code == 200, r.text
    assert seen == {"commit": 1, "checkout": 1}
