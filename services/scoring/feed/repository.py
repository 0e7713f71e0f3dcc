"""Writing and reading the change feed.

A reader asks for events after its cursor (the last id it saw). With a plain sequence that is not
enough: two transactions may take ids 7 and 8 and commit 8 first, so a reader at 6 sees 8, moves
its cursor past 7, and misses 7 when it commits. So on PostgreSQL every writer takes a
transaction-scoped advisory lock just before inserting its events and holds it to commit: ids are
then handed out in commit order and a cursor never passes an uncommitted event. The lock is taken
as late as possible (events are the last write of a transaction) so it serialises only the tail of
each write. SQLite has one writer at a time, so its ids are already in commit order.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.assessments.models import ChangeEventRow
from shared.contracts import ChangeEvent, EventPage
from shared.db import on_postgresql

FEED_LOCK_KEY = 0x63686973_6F666565  # arbitrary constant: "chisofee"


async def emit(session: AsyncSession, events: list[ChangeEventRow]) -> None:
    if not events:
        return
    if on_postgresql(session):
        await session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": FEED_LOCK_KEY})
    session.add_all(events)
    await session.flush()


def event(
    type_: str, school_code: str, year: str, assessment_id: str, version: int, payload: dict[str, Any]
) -> ChangeEventRow:
    return ChangeEventRow(
        type=type_,
        school_code=school_code,
        school_year=year,
        assessment_id=assessment_id,
        version=version,
        payload=payload,
    )


async def read(session: AsyncSession, after: int, limit: int) -> EventPage:
    rows = (
        await session.execute(
            select(ChangeEventRow).where(ChangeEventRow.id > after).order_by(ChangeEventRow.id).limit(limit)
        )
    ).scalars()
    events = [
        ChangeEvent(
            id=r.id or 0,
            type=r.type,
            occurred_at=r.occurred_at,
            school_code=r.school_code,
            school_year=r.school_year,
            assessment_id=r.assessment_id,
            version=r.version,
            payload=r.payload,
        )
        for r in rows
    ]
    return EventPage(events=events, next_cursor=events[-1].id if events else after)


async def head(session: AsyncSession) -> int:
    return int((await session.execute(select(func.coalesce(func.max(ChangeEventRow.id), 0)))).scalar_one())
