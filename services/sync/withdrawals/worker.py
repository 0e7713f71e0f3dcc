"""The withdrawal worker: claims due withdrawals (their delivery holds its receipt), calls CSDL's
`thu-hoi` with the withdrawal's own key, and records the answer; retries with the deliveries'
full-jitter backoff and budget, then dead-letters. Withdrawals are rare: one loop per process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sync.config import SyncSettings
from services.sync.csdl.client import CsdlClient, DeliveryError, FinalError
from services.sync.csdl.contract import RecordedResult
from services.sync.deliveries.backoff import next_try
from services.sync.deliveries.models import DeliveryAttempt, DeliveryJob, DeliveryWithdrawal
from services.sync.webhooks.service import notify
from services.sync.withdrawals.repository import WithdrawalRepository
from shared.db import utcnow

log = logging.getLogger("services.sync.withdrawals")

REASON_TEXT = {
    "returned": "Kết quả bị trả lại để sửa / returned for changes",
    "reopened": "Kết quả được mở lại / reopened",
    "superseded": "Đã có kết quả mới thay thế / superseded by a newer result",
}


@dataclass
class Sent:
    w: DeliveryWithdrawal
    job: DeliveryJob
    record: RecordedResult | None
    error: DeliveryError | None
    ms: int


class WithdrawalWorker:
    def __init__(
        self,
        name: str,
        factory: async_sessionmaker[AsyncSession],
        csdl: CsdlClient,
        settings: SyncSettings,
        rng: random.Random | None = None,
    ) -> None:
        self.name, self.factory, self.csdl, self.settings = name, factory, csdl, settings
        self.rng = rng or random.Random()  # noqa: S311  jitter, not cryptography

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                n = await self.run_once()
            except Exception:
                log.exception("withdrawal worker %s: iteration failed", self.name)
                n = 0
            if n == 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.settings.idle_poll_seconds)

    async def run_once(self) -> int:
        async with self.factory() as s:
            claimed = await WithdrawalRepository(s).claim(
                self.name, utcnow(), self.settings.lease_seconds, self.settings.claim_batch
            )
            await s.commit()
        if not claimed:
            return 0
        sent = await asyncio.gather(*(self._send(w, j) for w, j in claimed))
        await self._record(list(sent))
        return len(claimed)

    async def _send(self, w: DeliveryWithdrawal, job: DeliveryJob) -> Sent:
        t0 = time.perf_counter()
        reason = REASON_TEXT.get(w.reason, w.reason) + (f": {w.detail}" if w.detail else "")
        try:
            assert job.receipt_id is not None  # claimed only once the job holds its receipt
            rec = await self.csdl.withdraw(w.idempotency_key, job.receipt_id, reason[:500])
            return Sent(w, job, rec, None, int((time.perf_counter() - t0) * 1000))
        except DeliveryError as e:
            return Sent(w, job, None, e, int((time.perf_counter() - t0) * 1000))
        except Exception as e:  # a bug must not loop: dead-letter it
            log.exception("withdrawal %s: cannot be sent", w.id)
            return Sent(
                w,
                job,
                None,
                FinalError(f"internal: {type(e).__name__}"),
                int((time.perf_counter() - t0) * 1000),
            )

    async def _record(self, sent: list[Sent]) -> None:
        now = utcnow()
        async with self.factory() as s:
            repo = WithdrawalRepository(s)
            for x in sent:
                outcome: str
                status: int | None
                err: str | None
                if x.record is not None:
                    await repo.mark_done(x.w, x.record.withdrawn_at or now, now)
                    outcome, status, err = "withdrawn", 200, None
                    await notify(s, "sync.withdrawn", x.job.school_code, _body(x, None))
                else:
                    assert x.error is not None
                    outcome, status, err = await self._failed(repo, x.w, x.error, now)
                    if outcome == "withdraw_dead":
                        await notify(s, "sync.failed", x.job.school_code, _body(x, err))
                s.add(
                    DeliveryAttempt(
                        job_id=x.job.id,
                        at=now,
                        worker=self.name,
                        outcome=outcome,
                        status_code=status,
                        error=err,
                        duration_ms=x.ms,
                    )
                )
            await s.commit()

    async def _failed(
        self, repo: WithdrawalRepository, w: DeliveryWithdrawal, e: DeliveryError, now: datetime
    ) -> tuple[str, int | None, str]:
        at = next_try(self.settings, w.attempts + 1, e.retryable, e.retry_after, now, self.rng)
        ok = await repo.mark_failed(w, self.name, e.reason, at, now)
        if at is not None:
            return ("withdraw_retry" if ok else "stale"), e.status, e.reason
        return ("withdraw_dead" if ok else "stale"), e.status, e.reason


def _body(x: Sent, error: str | None) -> dict[str, object]:
    return {
        "operation": "withdrawal",
        "school_code": x.job.school_code,
        "school_year": x.job.school_year,
        "kind": x.job.kind,
        "version": x.job.version,
        "receipt_id": x.job.receipt_id,
        "reason": x.w.reason,
        "withdrawn_at": x.record.withdrawn_at.isoformat() if x.record and x.record.withdrawn_at else None,
        "error": error,
    }
