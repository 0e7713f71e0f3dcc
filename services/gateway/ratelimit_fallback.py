"""Rate limits survive a Redis outage: each call to Redis has a short deadline, and a failure or
timeout falls back to this process's own buckets for a cool-down period (then Redis is tried
again). During the outage each replica enforces the limits alone, so a client may get up to
replicas × burst; requests are never failed or slowed by the outage itself."""

from __future__ import annotations

import asyncio
import logging
import time

from prometheus_client import Counter
from redis.exceptions import RedisError

from services.gateway.ratelimit import Bucket, Decision

log = logging.getLogger("chiso.gateway.ratelimit")
FALLBACKS = Counter(
    "chiso_gateway_rate_limit_fallback_total", "Rate-limit decisions taken in memory because Redis failed"
)


class FallbackBucket:
    def __init__(self, shared: Bucket, local: Bucket, timeout: float = 0.25, cool_down: float = 10.0) -> None:
        self.shared, self.local = shared, local
        self.timeout, self.cool_down = timeout, cool_down
        self._down_until = 0.0

    async def take(self, key: str, rate: float, burst: int) -> Decision:
        if time.monotonic() >= self._down_until:
            try:
                return await asyncio.wait_for(self.shared.take(key, rate, burst), self.timeout)
            except (RedisError, OSError, TimeoutError) as e:
                self._down_until = time.monotonic() + self.cool_down
                log.warning(
                    "Redis unavailable for rate limits (%s): per-process limits for %.0fs",
                    type(e).__name__,
                    self.cool_down,
                )
        FALLBACKS.inc()
        return await self.local.take(key, rate, burst)
