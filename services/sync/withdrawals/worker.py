"""The withdrawal worker: claims due withdrawals (their delivery holds its receipt), calls CSDL's
`thu-hoi` with the withdrawal's own key, and records the answer; retries with the deliveries'
full-jitter backoff and budget, then dead-letters. Withdrawals are rare: one loop per process."""

from __future__ import annotations

import asyncio
from datetime import datetime

from services.sync.csdl.client import DeliveryError
from services.sync.csdl.contract import RecordedResult
from services.sync.deliveries.models import DeliveryJob, DeliveryWithdrawal
from services.sync.deliveries.sending import Sender, Sent, retry_or_dead, send
from services.sync.webhooks.service import notify
from services.sync.withdrawals.repository import WithdrawalRepository
from shared.db import utcnow
from shared.loop import repeat

REASON_TEXT = {
    "returned": "Kết quả bị trả lại để sửa / returned for changes",
    "reopened": "Kết quả được mở lại / reopened",
    "superseded": "Đã có kết quả mới thay thế / superseded by a newer result",
}


Withdrawn = Sent[tuple[DeliveryWithdrawal, DeliveryJob], RecordedResult]


class WithdrawalWorker(Sender):
    async def run(self, stop: asyncio.Event) -> None:
        await repeat(self.run_once, stop, self.settings.idle_poll_seconds, f"withdrawal worker {self.name}")

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

    async def _send(self, w: DeliveryWithdrawal, job: DeliveryJob) -> Withdrawn:
        reason = REASON_TEXT.get(w.reason, w.reason) + (f": {w.detail}" if w.detail else "")

        async def call() -> RecordedResult:
            assert job.receipt_id is not None  # claimed only once the job holds its receipt
            return await self.csdl.withdraw(w.idempotency_key, job.receipt_id, reason[:500])

        return await send((w, job), call, f"withdrawal {w.id}")

    async def _record(self, sent: list[Withdrawn]) -> None:
        now = utcnow()
        async with self.factory() as s:
            repo = WithdrawalRepository(s)
            for x in sent:
                w, job = x.item
                status: int | None
                err: str | None
                if x.result is not None:
                    await repo.mark_done(w, x.result.withdrawn_at or now, now)
                    outcome, status, err = "withdrawn", 200, None
                    await notify(s, "sync.withdrawn", job.school_code, _body(x, None))
                else:
                    assert x.error is not None
                    outcome, status, err = await self._failed(repo, w, x.error, now)
                    if outcome == "withdraw_dead":
                        await notify(s, "sync.failed", job.school_code, _body(x, err))
                s.add(x.attempt(job.id, now, self.name, outcome, status, err))
            await s.commit()

    async def _failed(
        self, repo: WithdrawalRepository, w: DeliveryWithdrawal, e: DeliveryError, now: datetime
    ) -> tuple[str, int | None, str]:
        async def mark(at: datetime | None) -> bool:
            return await repo.mark_failed(w, self.name, e.reason, at, now)

        return await retry_or_dead(self.settings, self.rng, w.attempts, e, now, mark, prefix="withdraw_")


def _body(x: Withdrawn, error: str | None) -> dict[str, object]:
    w, job = x.item
    return {
        "operation": "withdrawal",
        "school_code": job.school_code,
        "school_year": job.school_year,
        "kind": job.kind,
        "version": job.version,
        "receipt_id": job.receipt_id,
        "reason": w.reason,
        "withdrawn_at": x.result.withdrawn_at.isoformat() if x.result and x.result.withdrawn_at else None,
        "error": error,
    }
