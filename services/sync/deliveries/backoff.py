"""Exponential backoff with full jitter, bounded by the retry budget; Retry-After is a floor."""

from __future__ import annotations

import random


def delay(
    attempt: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before attempt `attempt + 1` (attempt counts from 1): uniform in
    [0, min(cap, base · 2^(attempt-1))], and never less than the server's Retry-After."""
    r = rng or random
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    d = r.uniform(0, ceiling)
    if retry_after is not None:
        d = max(d, retry_after)
    return d
