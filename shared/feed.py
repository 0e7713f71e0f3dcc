"""Reading the scoring service's change feed: each consumer writes only what one page of events
does to its own database (`apply`).

One step: the consumer's cursor row is created if missing and locked (`FOR UPDATE` on PostgreSQL;
SQLite has one writer), a page after it is read, applied, and the cursor moved, all in one
transaction. Consumers in several replicas therefore take turns and each page is applied once; a
crash between read and commit re-reads the page, so `apply` must be idempotent anyway."""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.contracts import ChangeEvent
from shared.db import insert_ignore
from shared.loop import repeat
from shared.scoring_client import ScoringClient


class FeedConsumer(ABC):
    """`cursor_model`: the service's cursor table (a `name` key and an integer `position`);
    `cursor_name`: this consumer's row in it."""

    cursor_model: Any
    cursor_name: str

    def __init__(
        self,
        factory: async_sessionmaker[AsyncSession],
        scoring: ScoringClient,
        batch: int = 200,
        poll_seconds: float = 1.0,
    ) -> None:
        self.factory = factory
        self.scoring = scoring
        self.batch = batch
        self.poll_seconds = poll_seconds

    @abstractmethod
    async def apply(self, session: AsyncSession, events: list[ChangeEvent]) -> None:
        """What this page of events does here; only `flush()`, the step commits."""

    async def _locked_cursor(self, session: AsyncSession) -> Any:
        await session.execute(
            insert_ignore(session, self.cursor_model).values(name=self.cursor_name, position=0)
        )
        q = select(self.cursor_model).filter_by(name=self.cursor_name).with_for_update()
        return (await session.execute(q)).scalar_one()

    async def run_once(self) -> int:
        """Apply one page after the stored cursor; returns how many events were read. Scoring
        not answering raises `ScoringUnavailable` and leaves the cursor where it was."""
        async with self.factory() as session:
            cursor = await self._locked_cursor(session)
            page = await self.scoring.events(cursor.position, self.batch)
            if page.events:
                await self.apply(session, page.events)
            cursor.position = page.next_cursor
            await session.commit()
            return len(page.events)

    async def drain(self) -> int:
        """Read until the feed has nothing new; returns how many events were read."""
        total = 0
        while n := await self.run_once():
            total += n
        return total

    async def position(self, session: AsyncSession) -> int:
        row = await session.get(self.cursor_model, self.cursor_name)
        return int(row.position) if row is not None else 0

    async def run(self, stop: asyncio.Event) -> None:
        """Step until `stop` is set; a full page is followed at once, anything less waits a poll."""
        await repeat(self.run_once, stop, self.poll_seconds, f"change feed {self.cursor_name}", self.batch)
