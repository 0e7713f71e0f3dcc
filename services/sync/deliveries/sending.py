"""What the delivery and the withdrawal workers do alike with each claimed item: call CSDL and
time it, then either record the answer or decide between a retry and the dead letter, and log
the attempt on the delivery's history."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sync.config import SyncSettings
from services.sync.csdl.client import CsdlClient, DeliveryError, FinalError
from services.sync.deliveries.backoff import next_try
from services.sync.deliveries.models import (
    DeliveryAttempt,
    DeliveryJob,
    DeliveryWithdrawal,
    JobState,
    WithdrawalState,
)

log = logging.getLogger("services.sync.sending")

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Sent(Generic[T, R]):
    """One claimed item and what CSDL answered: `result`, or the `error` to retry or dead-letter."""

    item: T
    result: R | None
    error: DeliveryError | None
    ms: int

    def attempt(
        self, job_id: str, at: datetime, worker: str, outcome: str, status: int | None, error: str | None
    ) -> DeliveryAttempt:
        """The attempt's line in the delivery's history."""
        return DeliveryAttempt(
            job_id=job_id,
            at=at,
            worker=worker,
            outcome=outcome,
            status_code=status,
            error=error,
            duration_ms=self.ms,
        )


class Sender:
    """A worker of one queue: its name (the lease it holds), sessions, the CSDL client, settings and
    the jitter of its backoff."""

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


async def send(item: T, call: Callable[[], Awaitable[R]], what: str) -> Sent[T, R]:
    """CSDL's answer to `call`, timed. Anything but a DeliveryError is a bug in this service (a
    payload it cannot map): a final error, so the item is dead-lettered instead of looping."""
    t0 = time.perf_counter()

    def ms() -> int:
        return int((time.perf_counter() - t0) * 1000)

    try:
        return Sent(item, await call(), None, ms())
    except DeliveryError as e:
        return Sent(item, None, e, ms())
    except Exception as e:
        log.exception("%s: cannot be sent", what)
        return Sent(item, None, FinalError(f"internal: {type(e).__name__}"), ms())


async def retry_or_dead(
    settings: SyncSettings,
    rng: random.Random,
    attempts: int,
    e: DeliveryError,
    now: datetime,
    mark_failed: Callable[[datetime | None], Awaitable[bool]],
    prefix: str = "",
) -> tuple[str, int | None, str]:
    """Retry later (full-jitter backoff, never before Retry-After) or dead-letter, as
    `mark_failed(next_attempt_at or None)` records it: the attempt's outcome, status and reason;
    `stale` when the lease was lost meanwhile and another worker owns the item."""
    at = next_try(settings, attempts + 1, e.retryable, e.retry_after, now, rng)
    ok = await mark_failed(at)
    if not ok:
        return "stale", e.status, e.reason
    return f"{prefix}{'retry' if at is not None else 'dead'}", e.status, e.reason


# the delivery and the withdrawal queues name their retry states alike
RETRY_STATES = ("pending", "in_flight", "dead")
assert [JobState(s).value for s in RETRY_STATES] == [WithdrawalState(s).value for s in RETRY_STATES]


async def mark_failed_row(
    session: AsyncSession,
    model: type[DeliveryJob] | type[DeliveryWithdrawal],
    row_id: str,
    worker: str,
    error: str,
    next_at: datetime | None,
    now: datetime,
) -> bool:
    """A job or withdrawal back to pending for a later attempt, or dead (`next_at` None); only by
    the lease holder (False: the lease was lost and another worker owns it)."""
    r = await session.execute(
        update(model)
        .where(
            model.id == row_id,  # type: ignore[arg-type]
            model.state == JobState.IN_FLIGHT,  # type: ignore[arg-type]
            model.claimed_by == worker,  # type: ignore[arg-type]
        )
        .values(
            state=JobState.DEAD if next_at is None else JobState.PENDING,
            next_attempt_at=next_at or now,
            lease_until=None,
            last_error=error[:2000],
            attempts=model.attempts + 1,
            updated_at=now,
        )
    )
    return bool(r.rowcount)  # type: ignore[attr-defined]
