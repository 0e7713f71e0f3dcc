"""When a failed call is tried again: Retry-After exactly when the server sent one, four short
jittered first retries, then exponential backoff with full jitter, bounded by the retry budget."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Protocol

# The first four retries wait a tenth, a fifth, two fifths, then four fifths of the base (each
# ±50%, so failed calls do not come back together): most transient failures (a 503 from a replica
# restarting, a dropped connection) clear within a second. At 11% failures (bench/sync.py: 10%
# 503s, 1% 429s) one send in 7,000 fails four times in a row, and its fourth retry used to wait
# up to 8 s (uniform in [0, 8 s]): a 3,000-result run met one about one time in three.
# From the fifth retry on the schedule is the one it always was (ceilings 16, 32, … s up to the
# cap), so an outage still spreads a job's retries over about four minutes on average before
# anything is dead-lettered (the default budget of 10 attempts: 250 s, against 253 s with the
# 8 s step). The short retries do not raise the load on CSDL: the requests in flight are bounded
# by workers × `claim_batch` whatever the schedule.
SHORT_RETRIES = (0.1, 0.2, 0.4, 0.8)


def delay(
    attempt: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
    short: tuple[float, ...] = SHORT_RETRIES,
) -> float:
    """Seconds to wait before attempt `attempt + 1` (attempt counts from 1).

    - The server's Retry-After, exactly, when it sent one: it said when it takes calls again, and
      waiting longer only delays the result.
    - Attempts 1 to 4: `short` (`SHORT_RETRIES`) of `base`, jittered ±50% so failed calls do not
      return together.
    - Then uniform in [0, min(cap, base · 2^(attempt-1))] (full jitter).
    """
    if retry_after is not None:
        return max(0.0, retry_after)
    r = rng or random
    if attempt <= len(short):
        wait = base * short[attempt - 1]
        return r.uniform(0.5 * wait, 1.5 * wait)
    ceiling = min(cap, base * (2 ** max(0, attempt - 1)))
    return r.uniform(0, ceiling)


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
