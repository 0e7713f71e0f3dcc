"""A delivery worker: claim a few jobs (earliest deadline first), send them concurrently over the
shared pooled client, record receipts or schedule retries, all in short transactions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime

from services.sync.csdl.client import DeliveryError
from services.sync.csdl.contract import Receipt
from services.sync.deliveries.models import DeliveryJob
from services.sync.deliveries.repository import DeliveryRepository
from services.sync.deliveries.sending import Sender, Sent, retry_or_dead, send
from services.sync.webhooks.repository import WebhookRepository
from services.sync.webhooks.service import notify
from shared.db import utcnow

log = logging.getLogger("services.sync.worker")
# a retry already due but claimed by another worker: look again soon, not in a busy loop
MIN_IDLE_SECONDS = 0.02


Outcome = Sent[DeliveryJob, Receipt]


class DeliveryWorker(Sender):
    async def run(self, stop: asyncio.Event) -> None:
        """Keep up to `claim_batch` sends in flight; claim more as slots free up and record each
        finished send as it finishes, so one slow request (a timeout) holds up nothing else."""
        inflight: set[asyncio.Task[Outcome]] = set()
        while not stop.is_set():
            try:
                free = self.settings.claim_batch - len(inflight)
                # top up in chunks, not one job at a time: each claim is a transaction
                if free >= max(1, self.settings.claim_batch // 2) or not inflight:
                    for j in await self._claim(free):
                        inflight.add(asyncio.create_task(self._send(j)))
                if not inflight:
                    await self._idle(stop)
                    continue
                done, inflight = await asyncio.wait(
                    inflight, timeout=self.settings.idle_poll_seconds, return_when=asyncio.FIRST_COMPLETED
                )
                if done:
                    await self._record([t.result() for t in done])
            except Exception:
                log.exception("delivery worker %s: iteration failed", self.name)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.idle_poll_seconds)
        if inflight:  # finish what was sent; a cancelled send stays claimed until its lease ends
            done, _ = await asyncio.wait(inflight)
            await self._record([t.result() for t in done])

    async def _idle(self, stop: asyncio.Event) -> None:
        """Nothing to send: sleep until the earliest waiting retry falls due, and at most the
        idle poll (new jobs come from the feed unannounced). A fixed tick made every retry wait
        up to a tick more than its backoff, which the last retries of a run paid in full."""
        wait = self.settings.idle_poll_seconds
        async with self.factory() as s:
            due = await DeliveryRepository(s).next_due()
        if due is not None:
            wait = min(wait, max(MIN_IDLE_SECONDS, (due - utcnow()).total_seconds()))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)

    async def _claim(self, limit: int) -> list[DeliveryJob]:
        async with self.factory() as s:
            jobs = await DeliveryRepository(s).claim(self.name, utcnow(), self.settings.lease_seconds, limit)
            await s.commit()
        return jobs

    async def run_once(self) -> int:
        """Claim a batch, send it, record it: one step (tests and tools)."""
        jobs = await self._claim(self.settings.claim_batch)
        if not jobs:
            return 0
        outcomes = await asyncio.gather(*(self._send(j) for j in jobs))
        await self._record(outcomes)
        return len(jobs)

    async def _send(self, job: DeliveryJob) -> Outcome:
        return await send(
            job, lambda: self.csdl.submit(job.idempotency_key, job.submission()), f"delivery {job.id}"
        )

    async def _record(self, outcomes: list[Outcome]) -> None:
        now = utcnow()
        async with self.factory() as s:
            repo = DeliveryRepository(s)
            subs = await WebhookRepository(s).active()
            await repo.mark_delivered(
                [(o.item.id, o.result.receipt_id, o.result.recorded_at) for o in outcomes if o.result], now
            )
            for o in outcomes:
                j = o.item
                status: int | None
                err: str | None
                if o.result is not None:
                    outcome, status, err = "delivered", 201, None
                    await notify(s, "sync.delivered", j.school_code, _event_body(j, o.result, None), subs)
                else:
                    assert o.error is not None
                    outcome, status, err = await self._failed(repo, j, o.error, now)
                    if outcome == "dead":
                        await notify(s, "sync.failed", j.school_code, _event_body(j, None, err), subs)
                repo.log_attempt(o.attempt(j.id, now, self.name, outcome, status, err))
            await s.commit()

    async def _failed(
        self, repo: DeliveryRepository, j: DeliveryJob, e: DeliveryError, now: datetime
    ) -> tuple[str, int | None, str]:
        async def mark(at: datetime | None) -> bool:
            return await repo.mark_failed(j.id, self.name, e.reason, at, now)

        return await retry_or_dead(self.settings, self.rng, j.attempts, e, now, mark)


def _event_body(j: DeliveryJob, receipt: Receipt | None, error: str | None) -> dict[str, object]:
    return {
        "operation": "delivery",
        "school_code": j.school_code,
        "school_year": j.school_year,
        "kind": j.kind,
        "version": j.version,
        "receipt_id": receipt.receipt_id if receipt else None,
        "recorded_at": receipt.recorded_at.isoformat() if receipt else None,
        "error": error,
    }
