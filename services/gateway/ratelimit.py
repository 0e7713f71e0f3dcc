"""Per-client token buckets: `burst` requests at once, refilled at `rate` per second.

In memory for one process; in Redis (one atomic Lua script per request, Redis's own clock) when
`GATEWAY_REDIS_URL` is set, so several gateway replicas share each client's bucket. Answers carry
`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (and `Retry-After` on a 429).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

from fastapi import Request
from prometheus_client import Counter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.gateway.clientaddr import client_address
from services.gateway.errors import RateLimited

REFUSED = Counter("chiso_gateway_rate_limited_total", "Requests refused by a rate limit", ["bucket"])


@dataclass(frozen=True)
class Decision:
    allowed: bool
    remaining: int
    retry_after: float  # seconds until one token is back (0 when allowed)
    reset: float  # seconds until the bucket is full again


class Bucket(Protocol):
    async def take(self, key: str, rate: float, burst: int) -> Decision: ...


def _decide(tokens: float, last: float, now: float, rate: float, burst: int) -> tuple[Decision, float]:
    tokens = min(float(burst), tokens + max(0.0, now - last) * rate)
    allowed = tokens >= 1.0
    if allowed:
        tokens -= 1.0
    retry = 0.0 if allowed else (1.0 - tokens) / rate
    reset = (burst - tokens) / rate
    return Decision(allowed, int(tokens), retry, reset), tokens


class MemoryBucket:
    def __init__(self, clock: Any = time.monotonic) -> None:
        self._state: dict[str, tuple[float, float]] = {}
        self._clock = clock

    async def take(self, key: str, rate: float, burst: int) -> Decision:
        now = self._clock()
        tokens, last = self._state.get(key, (float(burst), now))
        d, left = _decide(tokens, last, now, rate, burst)
        self._state[key] = (left, now)
        if len(self._state) > 100_000:  # forget idle buckets (a full bucket carries no state)
            self._state = {k: v for k, v in self._state.items() if now - v[1] < burst / rate}
        return d


# KEYS[1] bucket; ARGV rate, burst. Returns {allowed, tokens*1000, retry_ms, reset_ms}.
LUA = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local s = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(s[1]) or burst
local last = tonumber(s[2]) or now
local elapsed = now - last
if elapsed < 0 then elapsed = 0 end
tokens = math.min(burst, tokens + elapsed * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
local retry = 0
if allowed == 0 then retry = math.ceil((1 - tokens) / rate * 1000) end
return {allowed, math.floor(tokens * 1000), retry, math.ceil((burst - tokens) / rate * 1000)}
"""


class RedisBucket:
    def __init__(self, url: str, prefix: str = "chiso:rl:") -> None:
        import redis.asyncio as aioredis

        self.redis = aioredis.from_url(url)
        self.prefix = prefix
        self._script = self.redis.register_script(LUA)

    async def take(self, key: str, rate: float, burst: int) -> Decision:
        allowed, tokens_milli, retry_ms, reset_ms = await self._script(
            keys=[self.prefix + key], args=[rate, burst]
        )
        return Decision(bool(allowed), int(tokens_milli) // 1000, int(retry_ms) / 1000, int(reset_ms) / 1000)

    async def close(self) -> None:
        await self.redis.aclose()


def headers(burst: int, rate: float, d: Decision) -> dict[str, str]:
    h = {
        "RateLimit-Limit": str(burst),
        "RateLimit-Remaining": str(d.remaining),
        "RateLimit-Reset": str(math.ceil(d.reset)),
        "RateLimit-Policy": f'"burst";q={burst};w={max(1, math.ceil(burst / rate))}',
    }
    if not d.allowed:
        h["Retry-After"] = str(max(1, math.ceil(d.retry_after)))
    return h


async def limit(request: Request, key: str, rate: float, burst: int) -> None:
    """Take one token for `key`; 429 when the bucket is empty. The headers go on every answer."""
    bucket: Bucket = request.app.state.bucket
    d = await bucket.take(key, rate, burst)
    h = headers(burst, rate, d)
    # as `RateLimitHeaders` adds them to the answer: lower-case names, bytes
    request.state.ratelimit_headers = [(k.lower().encode(), v.encode()) for k, v in h.items()]
    if not d.allowed:
        REFUSED.labels(key.split(":", 1)[0]).inc()
        raise RateLimited(headers=h, retry_after=int(h["Retry-After"]))


async def limit_client(request: Request, sub: str, own: tuple[float, int] | None = None) -> None:
    """Per token subject; a client with its own limits carries them in its token."""
    rate, burst = own if own is not None else (None, None)
    s = request.app.state.settings
    await limit(request, f"sub:{sub}", rate or s.rate_limit_per_second, burst or s.rate_limit_burst)


PURPOSES = ("login", "preview", "public")


def purpose_limits(s: Any, purpose: str) -> tuple[float, int]:
    """Each purpose has its own bucket per address: scripted previews cannot lock people out of
    signing in, and guessing passwords does not eat into anyone's reads."""
    if purpose == "login":
        return s.login_rate_per_second, s.login_burst
    if purpose == "preview":
        return s.preview_rate_per_second, s.preview_burst
    return s.rate_limit_per_second, s.rate_limit_burst


async def limit_anonymous(request: Request, purpose: str) -> None:
    """Calls without a token (token and login endpoints, frameworks, the preview): per caller
    address and purpose, so guessing secrets is slow and one purpose cannot starve another."""
    assert purpose in PURPOSES
    rate, burst = purpose_limits(request.app.state.settings, purpose)
    await limit(request, f"{purpose}:ip:{client_address(request)}", rate, burst)


class RateLimitHeaders:
    """Adds the headers `limit` computed to the answer (also to streamed, proxied answers)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with(message: Message) -> None:
            if message["type"] == "http.response.start":
                h: list[tuple[bytes, bytes]] | None = scope.get("state", {}).get("ratelimit_headers")
                if h:
                    headers = message.get("headers", [])
                    present = {k.lower() for k, _ in headers}
                    message["headers"] = [*headers, *((k, v) for k, v in h if k not in present)]
            await send(message)

        await self.app(scope, receive, send_with)
