"""`Idempotency-Key` on POST, scoped to the caller.

Same key and body → the first answer replayed; same key, different body → 422; the first request
still running → 409. The record is claimed in its own short transaction (so a concurrent duplicate
sees it at once), and completed in the request's transaction (so the answer is stored exactly when
the change commits). A failed first request releases its claim.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from services.scoring.assessments.models import IdempotencyRecord
from shared.errors import Conflict, FieldError, Unprocessable
from shared.i18n import msg


def body_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


class Replay(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status, self.body = status, body


async def run_idempotent(
    factory: async_sessionmaker[AsyncSession],
    session: AsyncSession,
    caller: str,
    key: str | None,
    request_body: Any,
    action: Callable[[], Awaitable[tuple[int, dict[str, Any]]]],
) -> tuple[int, dict[str, Any]]:
    if not key:
        return await action()
    if len(key) > 255:
        raise Unprocessable(
            errors=[
                FieldError(
                    pointer="/headers/Idempotency-Key",
                    code="too_long",
                    message=msg("Khóa quá dài.", "Key too long."),
                )
            ]
        )
    digest = body_hash(request_body)
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
                raise Unprocessable(
                    msg(
                        "Khóa Idempotency-Key đã dùng cho một yêu cầu khác.",
                        "This Idempotency-Key was used with another body.",
                    ),
                    code="idempotency_key_reused",
                ) from None
            if rec.status is None:
                raise Conflict(
                    msg("Yêu cầu gốc vẫn đang xử lý.", "The original request is still being processed."),
                    code="idempotency_in_progress",
                ) from None
            return rec.status, rec.body or {}
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
    return status, out
