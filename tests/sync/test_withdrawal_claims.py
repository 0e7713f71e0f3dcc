"""Withdrawal claims under concurrency (both backends): workers take disjoint withdrawals, a
lease that runs out makes one claimable again, and only delivered jobs' withdrawals are due."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sync.deliveries.models import WithdrawalState
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.deliveries.worker import DeliveryWorker
from services.sync.feed.consumer import apply
from services.sync.withdrawals.repository import WithdrawalRepository
from services.sync.withdrawals.worker import WithdrawalWorker
from shared.db import utcnow
from tests.sync.conftest import make_settings
from tests.sync.factories import make_event, make_snapshot
from tests.sync.test_pipeline import enqueue

Factory = async_sessionmaker[AsyncSession]


async def delivered_then_returned(factory: Factory, csdl: Any, sync_url: str, n: int) -> None:
    for i in range(n):
        await enqueue(factory, make_snapshot(school_code=f"7970{i:04d}"), event_id=i + 1)
    w = DeliveryWorker("d", factory, csdl, make_settings(sync_url, claim_batch=n))
    assert await w.run_once() == n
    async with factory() as s:
        for i in range(n):
            await apply(s, make_event(100 + i, "assessment.returned", school_code=f"7970{i:04d}"))
        await s.commit()


class TestClaims:
    @pytest.mark.commits  # claims racing each other, each in its own transaction
    async def test_concurrent_claims_are_disjoint(self, factory, csdl, sync_url):
        await delivered_then_returned(factory, csdl, sync_url, 12)

        async def claim(name: str) -> list[str]:
            got: list[str] = []
            for _ in range(8):
                async with factory() as s:
                    got += [w.id for w, _ in await WithdrawalRepository(s).claim(name, utcnow(), 30, 2)]
                    await s.commit()
                await asyncio.sleep(0)
            return got

        results = await asyncio.gather(*(claim(f"w{i}") for i in range(4)))
        flat = [x for r in results for x in r]
        assert len(flat) == len(set(flat)) == 12

    @pytest.mark.commits  # two workers claiming at once, each in its own transaction
    async def test_two_workers_withdraw_each_record_once(self, factory, csdl, sync_url, fake_http):
        await delivered_then_returned(factory, csdl, sync_url, 10)
        settings = make_settings(sync_url, claim_batch=3)
        workers = [WithdrawalWorker(f"w{i}", factory, csdl, settings) for i in range(2)]
        for _ in range(6):
            await asyncio.gather(*(w.run_once() for w in workers))
        counts = (await fake_http.get("/admin/counts")).json()
        assert sorted(counts["withdrawals_per_receipt"].values()) == [1] * 10

    async def test_expired_lease_is_claimable_again_and_pending_delivery_is_not_due(
        self, factory, csdl, sync_url
    ):
        await delivered_then_returned(factory, csdl, sync_url, 1)
        async with factory() as s:
            assert len(await WithdrawalRepository(s).claim("dead", utcnow(), 30, 5)) == 1
            await s.commit()
        async with factory() as s:
            assert await WithdrawalRepository(s).claim("w2", utcnow(), 30, 5) == []
            ((w, _),) = await WithdrawalRepository(s).claim("w2", utcnow() + timedelta(seconds=31), 30, 5)
            assert w.state == WithdrawalState.IN_FLIGHT
            assert w.claimed_by == "w2"
            await s.commit()
        # a job retried after an attempt whose answer was lost: its withdrawal waits for the receipt
        await enqueue(factory, make_snapshot(school_code="79709999"), event_id=50)
        async with factory() as s:
            (job,) = [j for j in await DeliveryRepository(s).all() if j.school_code == "79709999"]
            job.attempts = 1
            await s.commit()
        async with factory() as s:
            await apply(s, make_event(51, "assessment.returned", school_code="79709999"))
            await s.commit()
        async with factory() as s:
            (w,) = (await WithdrawalRepository(s).of_jobs([job.id])).values()
            assert w.state == WithdrawalState.PENDING  # asked for, not sent: no receipt yet
            claimed = await WithdrawalRepository(s).claim("w3", utcnow() + timedelta(seconds=90), 30, 5)
            assert "79709999" not in {j.school_code for _, j in claimed}
