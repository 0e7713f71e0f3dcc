from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.sync.feed.models import FeedCursor


async def lock_cursor(s: AsyncSession, name: str) -> FeedCursor:
    """The cursor row, locked to the end of the transaction on PostgreSQL (one consumer at a time
    across replicas); SQLite serialises writers by itself."""
    q = select(FeedCursor).where(FeedCursor.name == name)
    if s.bind is not None and s.bind.dialect.name == "postgresql":
        q = q.with_for_update()
    return (await s.execute(q)).scalar_one()
