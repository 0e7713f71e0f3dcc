"""Per-account sign-in throttling: after a few wrong passwords (or client secrets) for one account,
each further attempt waits a doubling delay, whatever address it comes from, and while it waits
even the right password is refused. An attempt counts as failed before it is checked (so guesses
sent at once are all counted) and a success clears the account's record. Unknown accounts are
throttled exactly like known ones, so the answers tell nothing about which exist.

In memory for one process; in Redis (one atomic script, Redis's clock) when `GATEWAY_REDIS_URL`
is set, so every gateway replica sees the same count.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from redis.exceptions import RedisError

log = logging.getLogger("chiso.gateway.auth")


class Throttle(Protocol):
    async def attempt(self, account: str) -> float:
        """0: go ahead (counted as a failure until `succeeded`); else seconds to wait."""
        ...

    async def succeeded(self, account: str) -> None: ...


def delay(failures: int, free: int, max_delay: float) -> float:
    over = failures - free
    return 0.0 if over < 0 else min(max_delay, float(2**over))


@dataclass
class _Record:
    failures: int
    last: float


class LoginThrottle:
    def __init__(
        self,
        free_failures: int = 5,
        max_delay: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        size: int = 100_000,
    ) -> None:
        self.free_failures = free_failures
        self.max_delay = max_delay
        self.clock = clock
        self.size = size
        self._records: dict[str, _Record] = {}

    def _delay(self, r: _Record) -> float:
        return delay(r.failures, self.free_failures, self.max_delay)

    async def attempt(self, account: str) -> float:
        now = self.clock()
        r = self._records.get(account)
        if r is not None:
            wait = r.last + self._delay(r) - now
            if wait > 0:
                return wait
            r.failures, r.last = r.failures + 1, now
            return 0.0
        if len(self._records) >= self.size:  # forget the records whose delay is over
            self._records = {k: v for k, v in self._records.items() if v.last + self._delay(v) > now}
        self._records[account] = _Record(1, now)
        return 0.0

    async def succeeded(self, account: str) -> None:
        self._records.pop(account, None)


# KEYS[1] the account's record; ARGV free failures, max delay. Returns the wait as a string
# ("0": go ahead, the attempt counted). Idle records expire an hour after their delay.
LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local s = redis.call('HMGET', KEYS[1], 'f', 'ts')
local f = tonumber(s[1]) or 0
local last = tonumber(s[2]) or 0
local free = tonumber(ARGV[1])
local maxd = tonumber(ARGV[2])
local d = 0
if f >= free then d = math.min(maxd, 2 ^ (f - free)) end
local wait = last + d - now
if f > 0 and wait > 0 then return tostring(wait) end
redis.call('HSET', KEYS[1], 'f', f + 1, 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((maxd + 3600) * 1000))
return '0'
"""


class RedisLoginThrottle:
    def __init__(
        self, redis: Any, free_failures: int, max_delay: float, prefix: str = "chiso:login:"
    ) -> None:
        self.redis = redis
        self.free_failures = free_failures
        self.max_delay = max_delay
        self.prefix = prefix
        self._script = redis.register_script(LUA)

    async def attempt(self, account: str) -> float:
        wait = await self._script(keys=[self.prefix + account], args=[self.free_failures, self.max_delay])
        return float(wait)

    async def succeeded(self, account: str) -> None:
        await self.redis.delete(self.prefix + account)


class FallbackThrottle:
    """The shared (Redis) throttle with a deadline per call; a failure or timeout falls back to this
    process's own counts for a cool-down, as the rate limits do (ratelimit_fallback): a Redis
    outage never fails or stalls a sign-in, and the throttle still holds per replica meanwhile."""

    def __init__(
        self, shared: Throttle, local: Throttle, timeout: float = 0.25, cool_down: float = 10.0
    ) -> None:
        self.shared, self.local = shared, local
        self.timeout, self.cool_down = timeout, cool_down
        self._down_until = 0.0

    async def _shared(self, call: Callable[[Throttle], Any]) -> tuple[bool, Any]:
        if time.monotonic() < self._down_until:
            return False, None
        try:
            return True, await asyncio.wait_for(call(self.shared), self.timeout)
        except (RedisError, OSError, TimeoutError) as e:
            self._down_until = time.monotonic() + self.cool_down
            log.warning("Redis unavailable for sign-in throttling (%s): per-process counts", type(e).__name__)
            return False, None

    async def attempt(self, account: str) -> float:
        ok, wait = await self._shared(lambda t: t.attempt(account))
        return float(wait) if ok else await self.local.attempt(account)

    async def succeeded(self, account: str) -> None:
        await self.local.succeeded(account)
        await self._shared(lambda t: t.succeeded(account))
