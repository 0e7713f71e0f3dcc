"""Reconciliation: read back what CSDL recorded under each receipt and flag differences with what
we sent (a record changed or lost on their side, a receipt that points nowhere)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sync.csdl.client import CsdlClient, DeliveryError
from services.sync.deliveries.models import DeliveryJob
from services.sync.deliveries.repository import DeliveryRepository
from shared.db import utcnow
from shared.loop import repeat

log = logging.getLogger("services.sync.reconciliation")


class ReconcileSummary(BaseModel):
    checked: int = 0
    match: int = 0
    differs: int = 0
    missing: int = 0
    unreachable: int = 0


def diff(sent: Any, recorded: Any, path: str = "") -> list[str]:
    """JSON-pointer paths where two JSON documents differ."""
    if isinstance(sent, dict) and isinstance(recorded, dict):
        out: list[str] = []
        for k in sorted(set(sent) | set(recorded)):
            out += diff(sent.get(k), recorded.get(k), f"{path}/{k}")
        return out
    if isinstance(sent, list) and isinstance(recorded, list) and len(sent) == len(recorded):
        return [
            p for i, (a, b) in enumerate(zip(sent, recorded, strict=True)) for p in diff(a, b, f"{path}/{i}")
        ]
    return [] if sent == recorded else [path or "/"]


async def reconcile_job(csdl: CsdlClient, job: DeliveryJob) -> tuple[str, list[str]]:
    sent = job.submission().model_dump(mode="json")
    assert job.receipt_id is not None
    recorded = await csdl.lookup(job.receipt_id)
    if recorded is None:
        return "missing", []
    d = diff(sent, recorded.submission.model_dump(mode="json"))
    return ("differs", d) if d else ("match", [])


async def reconcile(s: AsyncSession, csdl: CsdlClient, limit: int = 200) -> ReconcileSummary:
    """Check delivered jobs not yet reconciled; the caller commits."""
    summary = ReconcileSummary()
    now = utcnow()
    for job in await DeliveryRepository(s).delivered_unreconciled(limit):
        summary.checked += 1
        try:
            status, paths = await reconcile_job(csdl, job)
        except DeliveryError as e:
            log.warning("reconciliation: CSDL unreachable for %s: %s", job.receipt_id, e.reason)
            summary.unreachable += 1
            continue
        job.reconcile_status, job.reconcile_diff, job.reconciled_at = status, paths or None, now
        setattr(summary, status, getattr(summary, status) + 1)
    await s.flush()
    return summary


class Reconciler:
    """The scheduled reconciliation job."""

    def __init__(self, factory: async_sessionmaker[AsyncSession], csdl: CsdlClient, interval: float) -> None:
        self.factory, self.csdl, self.interval = factory, csdl, interval

    async def run(self, stop: asyncio.Event) -> None:
        await repeat(self.run_once, stop, self.interval, "reconciliation")

    async def run_once(self) -> int:
        """One pass; the loop then always waits the interval (it is a scheduled check, not a queue)."""
        async with self.factory() as s:
            await reconcile(s, self.csdl)
            await s.commit()
        return 0
