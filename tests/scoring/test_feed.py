"""The change feed never lets a reader's cursor pass an event that has not committed yet.

On PostgreSQL ids come from a sequence, handed out at insert time, not at commit: the first test
shows the race the design guards against (with the guard switched off, the reader misses an event),
the second that the guard closes it, the third hammers it with many writers and one reader."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.scoring.feed import repository as feed

pytestmark = pytest.mark.commits  # several sessions in flight at once, each its own transaction


def _ev(n: int) -> Any:
    return feed.event("assessment.submitted", f"S{n:05d}", "2024-2025", f"a-{n}", 1, {"n": n})


async def _read_all(factory: async_sessionmaker[AsyncSession], after: int) -> tuple[list[int], int]:
    async with factory() as s:
        page = await feed.read(s, after, 1000)
    return [e.id for e in page.events], page.next_cursor


@pytest.fixture
def factory(app: Any, backend: str) -> async_sessionmaker[AsyncSession]:
    if backend != "postgresql":
        pytest.skip("SQLite admits one writer at a time, so ids are in commit order by construction")
    f: async_sessionmaker[AsyncSession] = app.state.session_factory
    return f


class TestCommitOrder:
    async def test_without_the_lock_a_cursor_skips_a_late_commit(
        self, factory: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # the guard is the advisory lock in `emit`; take it away
        monkeypatch.setattr(feed, "emit", _emit_unguarded)
        slow, fast = factory(), factory()
        await feed.emit(slow, [_ev(1)])  # takes the lower id, commits late
        await feed.emit(fast, [_ev(2)])
        await fast.commit()
        seen, cursor = await _read_all(factory, 0)
        await slow.commit()
        later, _ = await _read_all(factory, cursor)
        await slow.close()
        await fast.close()
        everything, _ = await _read_all(factory, 0)
        assert len(everything) == 2
        assert sorted(seen + later) != sorted(everything)  # the reader missed the slow event

    async def test_with_the_lock_the_reader_waits_for_commit_order(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> None:
        slow, fast = factory(), factory()
        await feed.emit(slow, [_ev(1)])

        async def second() -> None:
            await feed.emit(fast, [_ev(2)])
            await fast.commit()

        task = asyncio.create_task(second())
        await asyncio.sleep(0.3)
        assert not task.done()  # blocked behind the uncommitted first writer
        seen, cursor = await _read_all(factory, 0)
        assert seen == []
        await slow.commit()
        await asyncio.wait_for(task, 5)
        later, _ = await _read_all(factory, cursor)
        await slow.close()
        await fast.close()
        assert len(later) == 2
        assert later == sorted(later)

    async def test_many_writers_one_reader_nothing_skipped(
        self, factory: async_sessionmaker[AsyncSession]
    ) -> None:
        writers, per_writer = 24, 15
        rnd = random.Random(4725)
        done = asyncio.Event()

        async def writer(w: int) -> None:
            for k in range(per_writer):
                async with factory() as s:
                    await asyncio.sleep(rnd.random() / 500)
                    await feed.emit(s, [_ev(w * 1000 + k)])
                    await asyncio.sleep(rnd.random() / 200)  # work after the insert, before commit
                    await s.commit()

        seen: list[int] = []

        async def reader() -> None:
            cursor = 0
            while True:
                finished = done.is_set()
                ids, cursor = await _read_all(factory, cursor)
                seen.extend(ids)
                if finished and not ids:
                    return
                await asyncio.sleep(0.001)

        r = asyncio.create_task(reader())
        await asyncio.gather(*(writer(w) for w in range(writers)))
        done.set()
        await asyncio.wait_for(r, 30)
        everything, _ = await _read_all(factory, 0)
        assert len(everything) == writers * per_writer
        assert seen == everything  # every event, once, in id order


async def _emit_unguarded(session: AsyncSession, events: list[Any]) -> None:
    session.add_all(events)
    await session.flush()
