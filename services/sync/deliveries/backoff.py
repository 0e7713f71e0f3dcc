"""Exponential backoff with full jitter, bounded by the retry budget; Retry-After is a floor."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Protocol


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


class RetryBudget(Protocol):
    max_attempts: int
    backoff_base_seconds: float
    backoff_cap_seconds: float


def next_try(
    budget: RetryBudget,
    attempt: int,
    retryable: bool,
    retry_after: float | None,
    now: datetime,
    rng: random.Random | None = None,
) -> datetime | None:
    """When a failed call (deliveries and withdrawals alike) is tried again, or None: dead-letter
    (a final error, or the retry budget spent)."""
    if not retryable or attempt >= budget.max_attempts:
        return None
    wait = delay(
        attempt,
        base=budget.backoff_base_seconds,
        cap=budget.backoff_cap_seconds,
        retry_after=retry_after,
        rng=rng,
    )
    return now + timedelta(seconds=wait)
