"""Jobs from snapshots (dedupe, supersede), claims, the worker against the fake, dead letters."""

from __future__ import annotations

import asyncio
import random
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sync.csdl.client import CsdlClient, RetryableError
from services.sync.deliveries.models import DeliveryJob, JobState
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.deliveries.service import DeliveryService
from services.sync.deliveries.worker import DeliveryWorker
from services.sync.feed.consumer import FeedConsumer
from shared.contracts import AssessmentSnapshot, EventPage
from shared.db import utcnow
from tests.sync.conftest import make_settings
from tests.sync.factories import make_event, make_snapshot

D = date(2025, 5, 31)


Factory = async_sessionmaker[AsyncSession]


async def enqueue(factory: Factory, snap: AssessmentSnapshot, event_id: int = 1, deadline: date = D) -> str:
    async with factory() as s:
        out = await DeliveryRepository(s).enqueue(snap, event_id, deadline, utcnow())
        await s.commit()
        return out


async def jobs(factory: Factory) -> list[DeliveryJob]:
    async with factory() as s:
        return await DeliveryRepository(s).all()


async def set_faults(http: httpx.AsyncClient, **kw: Any) -> None:
    assert (await http.put("/admin/faults", json=kw)).status_code == 200


async def fake_counts(http: httpx.AsyncClient) -> dict[str, Any]:
    r: dict[str, Any] = (await http.get("/admin/counts")).json()
    return r


class TestEnqueue:
    async def test_same_content_is_one_job(self, factory):
        assert await enqueue(factory, make_snapshot(version=3)) == "created"
        # re-approval after a return with unchanged content: nothing new to send
        assert await enqueue(factory, make_snapshot(version=5), event_id=2) == "duplicate"
        assert len(await jobs(factory)) == 1

    async def test_newer_version_supersedes_older_unsent(self, factory):
        await enqueue(factory, make_snapshot(version=3, content="a"))
        await enqueue(factory, make_snapshot(version=5, content="b"), event_id=2)
        js = await jobs(factory)
        assert [(j.version, j.state) for j in js] == [(3, "superseded"), (5, "pending")]

    async def test_older_version_arriving_late_is_stale(self, factory):
        await enqueue(factory, make_snapshot(version=5, content="b"))
        assert await enqueue(factory, make_snapshot(version=3, content="a"), event_id=2) == "stale"
        assert [j.state for j in await jobs(factory)] == ["superseded", "pending"]

    async def test_content_coming_back_revives_its_superseded_job(self, factory):
        await enqueue(factory, make_snapshot(version=3, content="a"))
        await enqueue(factory, make_snapshot(version=5, content="b"), event_id=2)
        assert await enqueue(factory, make_snapshot(version=7, content="a"), event_id=3) == "revived"
        states = {j.content_hash[:4]: (j.version, j.state) for j in await jobs(factory)}
        assert sorted(states.values()) == [(5, "superseded"), (7, "pending")]

    async def test_self_and_external_are_separate(self, factory):
        await enqueue(factory, make_snapshot(kind="self"))
        await enqueue(factory, make_snapshot(kind="external"), event_id=2)
        assert [j.state for j in await jobs(factory)] == ["pending", "pending"]


class TestClaim:
    async def test_earlier_deadline_first(self, factory):
        await enqueue(
            factory, make_snapshot(school_code="79000001", kind="external"), deadline=date(2025, 6, 20)
        )
        await enqueue(factory, make_snapshot(school_code="79701002"), event_id=2, deadline=D)
        async with factory() as s:
            (j,) = await DeliveryRepository(s).claim("w1", utcnow(), 30, 1)
            await s.commit()
        assert j.school_code == "79701002"

    async def test_a_due_retry_takes_its_place_in_line_back(self, factory):
        """A retry goes before the jobs queued after it once its backoff has run out, not behind
        the whole backlog; before that it is not claimed."""
        for i in range(4):
            await enqueue(factory, make_snapshot(school_code=f"7970{i:04d}"), event_id=i + 1)
        now = utcnow()
        async with factory() as s:
            repo = DeliveryRepository(s)
            (first,) = await repo.claim("w1", now, 30, 1)
            assert first.event_id == 1
            assert await repo.mark_failed(first.id, "w1", "503", now + timedelta(seconds=5), now)
            await s.commit()
        async with factory() as s:  # still waiting: the next in line come first
            assert [j.event_id for j in await DeliveryRepository(s).claim("w2", now, 30, 1)] == [2]
            await s.commit()
        async with factory() as s:  # due: ahead of the jobs queued after it
            got = await DeliveryRepository(s).claim("w2", now + timedelta(seconds=6), 30, 2)
            await s.commit()
        assert [(j.event_id, j.attempts) for j in got] == [(1, 1), (3, 0)]

    async def test_orphaned_jobs_first_then_due_ones_in_line(self, factory):
        for i in range(3):
            await enqueue(factory, make_snapshot(school_code=f"7970{i:04d}"), event_id=i + 1)
        now = utcnow()
        async with factory() as s:
            await DeliveryRepository(s).claim("dead-worker", now, 30, 1)  # event 1, then it died
            await s.commit()
        async with factory() as s:
            mid = [j.event_id for j in await DeliveryRepository(s).claim("w2", now, 30, 1)]
            await s.commit()
        async with factory() as s:
            got = await DeliveryRepository(s).claim("w3", now + timedelta(seconds=31), 30, 5)
            await s.commit()
        assert mid == [2]
        # event 2's lease (w2) ran out too: both orphaned, in line, then the due one
        assert [(j.event_id, j.claimed_by) for j in got] == [(1, "w3"), (2, "w3"), (3, "w3")]

    async def test_next_due_is_the_earliest_waiting_retry(self, factory):
        async with factory() as s:
            assert await DeliveryRepository(s).next_due() is None
        for i in range(3):
            await enqueue(factory, make_snapshot(school_code=f"7970{i:04d}"), event_id=i + 1)
        now = utcnow()
        async with factory() as s:
            repo = DeliveryRepository(s)
            a, b, _ = await repo.claim("w1", now, 30, 3)
            await repo.mark_failed(a.id, "w1", "503", now + timedelta(seconds=9), now)
            await repo.mark_failed(b.id, "w1", "503", now + timedelta(seconds=4), now)
            await s.commit()
        async with factory() as s:
            assert await DeliveryRepository(s).next_due() == now + timedelta(seconds=4)

    @pytest.mark.commits  # claims racing each other, each in its own transaction
    async def test_concurrent_claims_are_disjoint(self, factory):
        for i in range(20):
            await enqueue(factory, make_snapshot(school_code=f"7970{i:04d}"), event_id=i + 1)

        async def claim(name: str) -> list[str]:
            got: list[str] = []
            for _ in range(10):
                async with factory() as s:
                    js = await DeliveryRepository(s).claim(name, utcnow(), 30, 3)
                    await s.commit()
                got += [j.id for j in js]
                await asyncio.sleep(0)
            return got

        results = await asyncio.gather(*(claim(f"w{i}") for i in range(4)))
        flat = [x for r in results for x in r]
        assert len(flat) == len(set(flat)) == 20

    async def test_expired_lease_is_claimable_again(self, factory):
        await enqueue(factory, make_snapshot())
        async with factory() as s:
            assert len(await DeliveryRepository(s).claim("dead-worker", utcnow(), 30, 5)) == 1
            await s.commit()
        async with factory() as s:
            assert await DeliveryRepository(s).claim("w2", utcnow(), 30, 5) == []
            later = utcnow() + timedelta(seconds=31)
            (j,) = await DeliveryRepository(s).claim("w2", later, 30, 5)
            await s.commit()
        assert j.claimed_by == "w2"


def worker(factory: Factory, csdl: CsdlClient, sync_url: str, **over: Any) -> DeliveryWorker:
    return DeliveryWorker("w1", factory, csdl, make_settings(sync_url, **over), rng=random.Random(1))


async def drain(w: DeliveryWorker, rounds: int = 50) -> None:
    for _ in range(rounds):
        if await w.run_once() == 0:
            async with w.factory() as s:
                st = await DeliveryRepository(s).counts_by_state()
            if not st.get("pending") and not st.get("in_flight"):
                return
            await asyncio.sleep(0.01)


class TestWorker:
    async def test_delivers_and_stores_the_receipt(self, factory, csdl, fake_http, sync_url):
        await enqueue(factory, make_snapshot())
        await drain(worker(factory, csdl, sync_url))
        (j,) = await jobs(factory)
        assert j.state == JobState.DELIVERED
        assert j.receipt_id
        assert j.receipt_at
        assert j.attempts == 1
        assert (await fake_counts(fake_http))["records"] == 1

    async def test_transient_faults_are_retried_exactly_once_recorded(
        self, factory, csdl, fake_http, sync_url
    ):
        await set_faults(
            fake_http, error_rate=0.3, rate_limit_rate=0.1, retry_after_seconds=0, drop_after_commit_rate=0.2
        )
        for i in range(30):
            await enqueue(factory, make_snapshot(school_code=f"7970{i:04d}"), event_id=i + 1)
        await drain(worker(factory, csdl, sync_url, max_attempts=50), rounds=500)
        js = await jobs(factory)
        assert {j.state for j in js} == {"delivered"}
        n = await fake_counts(fake_http)
        assert n["records"] == 30
        assert set(n["records_per_content"].values()) == {1}
        assert sum(n["faults_injected"].values()) > 0

    async def test_422_is_dead_lettered_with_the_error(self, factory, csdl, sync_url):
        await enqueue(factory, make_snapshot(approval=None))
        await drain(worker(factory, csdl, sync_url))
        (j,) = await jobs(factory)
        assert j.state == JobState.DEAD
        assert "422" in (j.last_error or "")
        assert "/approval" in (j.last_error or "")

    async def test_retry_budget_then_dead_letter(self, factory, csdl, fake_http, sync_url):
        await set_faults(fake_http, error_rate=1.0)
        await enqueue(factory, make_snapshot())
        await drain(worker(factory, csdl, sync_url, max_attempts=3))
        (j,) = await jobs(factory)
        assert j.state == JobState.DEAD
        assert j.attempts == 3
        assert "503" in (j.last_error or "")

    async def test_retry_after_is_honoured(self, factory, csdl, fake_http, sync_url):
        await set_faults(fake_http, rate_limit_rate=1.0, retry_after_seconds=120)
        await enqueue(factory, make_snapshot())
        await worker(factory, csdl, sync_url).run_once()
        (j,) = await jobs(factory)
        assert j.state == JobState.PENDING
        assert j.next_attempt_at >= utcnow() + timedelta(seconds=110)

    async def test_manual_resend_revives_a_dead_job(self, factory, csdl, fake_http, sync_url):
        await set_faults(fake_http, error_rate=1.0)
        await enqueue(factory, make_snapshot())
        await drain(worker(factory, csdl, sync_url, max_attempts=1))
        (j,) = await jobs(factory)
        assert j.state == JobState.DEAD
        await set_faults(fake_http)
        async with factory() as s:
            await DeliveryService(s).resend(j.id, "admin")
            await s.commit()
        await drain(worker(factory, csdl, sync_url, max_attempts=1))
        (j,) = await jobs(factory)
        assert j.state == JobState.DELIVERED
        assert j.receipt_id


@pytest.mark.commits  # consumers racing for the cursor lock, each in its own transaction
class TestConsumerConcurrency:
    async def test_two_consumers_at_once_enqueue_each_event_once(self, factory):
        events = [make_event(i + 1, school_code=f"7970{i:04d}") for i in range(30)]

        class FakeScoring:
            async def events(self, after: int, limit: int) -> EventPage:
                page = [e for e in events if e.id > after][:limit]
                await asyncio.sleep(0.01)  # hold the cursor lock across an await
                return EventPage(events=page, next_cursor=page[-1].id if page else after)

        consumers = [FeedConsumer(factory, FakeScoring(), 7, 0.01) for _ in range(3)]  # type: ignore[arg-type]

        async def drain_feed(c: FeedConsumer) -> None:
            for _ in range(20):
                try:
                    await c.run_once()
                except Exception:  # SQLite: a writer may find the database busy; it just tries again
                    await asyncio.sleep(0.01)

        await asyncio.gather(*(drain_feed(c) for c in consumers))
        js = await jobs(factory)
        assert len(js) == 30
        assert sorted(j.event_id for j in js) == list(range(1, 31))


class TestPoisonPayload:
    async def test_unmappable_payload_is_dead_lettered_not_retried_forever(self, factory, csdl, sync_url):
        await enqueue(factory, make_snapshot())
        async with factory() as s:
            (j,) = await DeliveryRepository(s).all()
            j.payload = {"not": "a snapshot"}
            await s.commit()
        await drain(worker(factory, csdl, sync_url))
        (j,) = await jobs(factory)
        assert j.state == JobState.DEAD
        assert (j.last_error or "").startswith("internal: ValidationError")


@pytest.mark.commits  # the worker loop runs beside the test's own reads
class TestContinuousWorker:
    async def test_a_hung_request_holds_up_nothing_else(self, factory, csdl, sync_url):
        slow_key = ""

        class OneSlow(CsdlClient):
            async def submit(self, key, submission):  # type: ignore[no-untyped-def]
                if key == slow_key:
                    await asyncio.sleep(1.5)
                return await super().submit(key, submission)

        for i in range(12):
            await enqueue(factory, make_snapshot(school_code=f"7970{i:04d}"), event_id=i + 1)
        slow_key = (await jobs(factory))[0].idempotency_key
        client = OneSlow(csdl.http, "c", "s", timeout=5.0)
        w = DeliveryWorker(
            "w1", factory, client, make_settings(sync_url, claim_batch=4), rng=random.Random(1)
        )
        stop = asyncio.Event()
        task = asyncio.create_task(w.run(stop))
        try:
            for _ in range(100):
                async with factory() as s:
                    st = await DeliveryRepository(s).counts_by_state()
                if st.get("delivered") == 11:
                    break
                await asyncio.sleep(0.02)
            assert st == {"delivered": 11, "in_flight": 1}  # the other 11 went past the slow one
        finally:
            stop.set()
            await asyncio.wait_for(task, 5)
        async with factory() as s:
            assert (await DeliveryRepository(s).counts_by_state()) == {"delivered": 12}  # finished on stop

    async def test_an_idle_worker_wakes_when_a_retry_falls_due(self, factory, csdl, sync_url):
        """With nothing to send a worker sleeps until the earliest retry is due, not a whole idle
        poll (here 30 s) later."""
        await enqueue(factory, make_snapshot())
        now = utcnow()
        async with factory() as s:
            repo = DeliveryRepository(s)
            (j,) = await repo.claim("w0", now, 30, 1)
            await repo.mark_failed(j.id, "w0", "503", now + timedelta(seconds=0.5), now)
            await s.commit()
        w = DeliveryWorker("w1", factory, csdl, make_settings(sync_url, idle_poll_seconds=30.0))
        stop = asyncio.Event()
        task = asyncio.create_task(w.run(stop))
        try:
            for _ in range(200):
                (j,) = await jobs(factory)
                if j.state == JobState.DELIVERED:
                    break
                await asyncio.sleep(0.02)
            assert j.state == JobState.DELIVERED
            assert j.delivered_at is not None
            assert j.delivered_at >= now + timedelta(seconds=0.5)  # not before its backoff
            assert j.delivered_at < now + timedelta(seconds=3)  # and not a poll interval later
        finally:
            stop.set()
            await asyncio.wait_for(task, 5)


class TestLostLease:
    async def test_a_worker_that_lost_its_lease_does_not_overwrite_the_new_holder(
        self, factory, csdl, sync_url
    ):
        await enqueue(factory, make_snapshot())
        async with factory() as s:
            (old,) = await DeliveryRepository(s).claim("w1", utcnow(), 30, 1)
            await s.commit()
        async with factory() as s:  # w1 stalled past its lease; w2 took the job
            (j,) = await DeliveryRepository(s).claim("w2", utcnow() + timedelta(seconds=31), 30, 1)
            await s.commit()
        w1 = worker(factory, csdl, sync_url)
        async with factory() as s:
            outcome, _, _ = await w1._failed(DeliveryRepository(s), old, RetryableError("503"), utcnow())
            await s.commit()
        assert outcome == "stale"
        (j,) = await jobs(factory)
        assert j.state == JobState.IN_FLIGHT
        assert j.claimed_by == "w2"
