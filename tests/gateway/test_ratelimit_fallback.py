"""A Redis that refuses connections or hangs does not fail or stall requests: the decision falls
back to the process's own buckets within the timeout, and Redis is not retried during the
cool-down."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator

import pytest

from services.gateway.auth.throttle import FallbackThrottle, LoginThrottle, RedisLoginThrottle
from services.gateway.ratelimit import MemoryBucket, RedisBucket
from services.gateway.ratelimit_fallback import FallbackBucket


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def hanging_redis() -> AsyncIterator[str]:
    """Accepts connections and never answers (a Redis stuck or a network black hole)."""
    held: list[asyncio.StreamWriter] = []

    async def accept(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"redis://127.0.0.1:{port}/0"
    for w in held:
        w.close()
    server.close()


async def test_a_refused_connection_falls_back_to_memory():
    redis = RedisBucket(f"redis://127.0.0.1:{closed_port()}/0")
    bucket = FallbackBucket(redis, MemoryBucket(), timeout=1.0)
    decisions = [await bucket.take("sub:a", rate=1.0, burst=2) for _ in range(3)]
    assert [d.allowed for d in decisions] == [True, True, False]  # the limit still holds, per process
    await redis.close()


async def test_a_hanging_redis_costs_one_timeout_then_nothing(hanging_redis):
    redis = RedisBucket(hanging_redis)
    bucket = FallbackBucket(redis, MemoryBucket(), timeout=0.2, cool_down=30)
    start = time.monotonic()
    assert (await bucket.take("sub:b", rate=10.0, burst=5)).allowed
    first = time.monotonic() - start
    assert 0.15 <= first < 1.0
    start = time.monotonic()
    for _ in range(20):  # during the cool-down Redis is not tried again
        await bucket.take("sub:b", rate=1000.0, burst=1000)
    assert time.monotonic() - start < 0.1
    await redis.close()


class TestSignInThrottle:
    """The per-account sign-in throttle behind Redis degrades the same way: no failed or stalled
    sign-in during an outage, and the doubling wait still holds in the process meanwhile."""

    async def test_a_refused_connection_falls_back_and_still_throttles(self):
        redis = RedisBucket(f"redis://127.0.0.1:{closed_port()}/0")
        throttle = FallbackThrottle(
            RedisLoginThrottle(redis.redis, free_failures=2, max_delay=60), LoginThrottle(2, 60), timeout=1.0
        )
        waits = [await throttle.attempt("acct") for _ in range(4)]
        assert waits[:2] == [0.0, 0.0]  # the free failures
        assert waits[2] > 0  # then the wait, counted in this process
        await throttle.succeeded("acct")  # clears the local count; Redis is not retried yet
        assert await throttle.attempt("acct") == 0.0
        await redis.close()

    async def test_a_hanging_redis_costs_one_timeout(self, hanging_redis):
        redis = RedisBucket(hanging_redis)
        throttle = FallbackThrottle(
            RedisLoginThrottle(redis.redis, 5, 60), LoginThrottle(5, 60), timeout=0.2, cool_down=30
        )
        start = time.monotonic()
        assert await throttle.attempt("acct") == 0.0
        assert 0.15 <= time.monotonic() - start < 1.0
        start = time.monotonic()
        for _ in range(3):
            await throttle.attempt("acct")
        assert time.monotonic() - start < 0.1
        await redis.close()
