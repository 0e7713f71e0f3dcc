"""`Idempotency-Key` on POST, scoped to the caller.

The rules are `shared.idempotency`'s (key length, expiry, the errors, the replay marker). The
record is claimed in its own short transaction (so a concurrent duplicate
sees it at once), and completed in the request's transaction (so the answer is stored exactly when
the change commits). A failed first request releases its claim.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from services.scoring.assessments.models import IdempotencyRecord
from shared import idempotency as idem


def body_hash(body: Any) -> str:
    return idem.fingerprint(body)


async def run_idempotent(
    factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    caller: str,
    key: str | None,
    request_body: Any,
    action: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
) -> tuple[int, dict[str, Any], bool]:
    """The answer's status and body, and whether it is a replay of the first answer."""
    if not key:
        return (*await action(), False)
    idem.check_key(key)
    digest = body_hash(request_body)
    await _drop_expired(factory, caller, key)
    async with factory() as claim:
        try:
            claim.add(IdempotencyRecord(caller=caller, key=key, request_hash=digest))
            await claim.commit()
        except IntegrityError:
            await claim.rollback()
            rec = (
                await claim.execute(
                    select(IdempotencyRecord).where(
                        col(IdempotencyRecord.caller) == caller, col(IdempotencyRecord.key) == key
                    )
                )
            ).scalar_one()
            if rec.request_hash != digest:
                raise idem.reused() from None
            if rec.status is None:
                raise idem.in_progress() from None
            return rec.status, rec.body or {}, True
    try:
        status, out = await action()
    except BaseException:
        async with factory() as release:
            await release.execute(
                delete(IdempotencyRecord).where(
                    col(IdempotencyRecord.caller) == caller, col(IdempotencyRecord.key) == key
                )
            )
            await release.commit()
        raise
    done = await session.get(IdempotencyRecord, (caller, key))
    if done is not None:
        done.status, done.body = status, json.loads(json.dumps(out, default=str))
    await session.flush()
    return status, out, False


async def _drop_expired(factory: async_sessionmaker[AsyncSession], caller: str, key: str) -> None:
    """An expired record frees its key: the request is then a new one."""
    async with factory() as s:
        rec = await s.get(IdempotencyRecord, (caller, key))
        if rec is not None and rec.status is not None and idem.expired(rec.created_at):
            await s.delete(rec)
            await s.commit()
