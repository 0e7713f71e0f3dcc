"""The retry schedule: Retry-After exactly, four short jittered first retries, then full jitter."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from services.sync.deliveries.backoff import delay, next_try

BASE, CAP = 1.0, 300.0


def test_retry_after_is_honoured_exactly_at_any_attempt() -> None:
    rng = random.Random(1)
    for attempt in (1, 2, 5, 9):
        assert delay(attempt, base=BASE, cap=CAP, retry_after=1.0, rng=rng) == 1.0
    assert delay(3, base=BASE, cap=CAP, retry_after=-2.0, rng=rng) == 0.0


@pytest.mark.parametrize(
    ("attempt", "low", "high"), [(1, 0.05, 0.15), (2, 0.1, 0.3), (3, 0.2, 0.6), (4, 0.4, 1.2)]
)
def test_first_four_retries_are_short_and_jittered(attempt: int, low: float, high: float) -> None:
    rng = random.Random(7)
    waits = [delay(attempt, base=BASE, cap=CAP, rng=rng) for _ in range(500)]
    assert all(low <= w <= high for w in waits)
    assert len({round(w, 6) for w in waits}) > 400  # spread, not one instant for every failure


def test_later_retries_keep_the_exponential_budget() -> None:
    rng = random.Random(3)
    for attempt in range(5, 12):
        ceiling = min(CAP, BASE * 2 ** (attempt - 1))
        waits = [delay(attempt, base=BASE, cap=CAP, rng=rng) for _ in range(300)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > 0.8 * ceiling  # the whole range is used, so an outage spreads out


def test_budget_spent_or_final_error_dead_letters() -> None:
    budget = SimpleNamespace(max_attempts=4, backoff_base_seconds=BASE, backoff_cap_seconds=CAP)
    now = datetime(2025, 5, 1, tzinfo=UTC)
    assert next_try(budget, 4, True, None, now) is None
    assert next_try(budget, 1, False, None, now) is None
    assert next_try(budget, 1, True, 2.0, now) == now + timedelta(seconds=2)


def test_a_job_still_spreads_its_budget_over_minutes() -> None:
    """The short retries must not let an outage spend the budget in seconds: with the default 10
    attempts the nine waits average about four minutes (the schedule before the fourth short
    retry: 253 s) and can reach eight."""
    rng = random.Random(5)
    spans = [sum(delay(a, base=BASE, cap=CAP, rng=rng) for a in range(1, 10)) for _ in range(2000)]
    mean = sum(spans) / len(spans)
    assert 235 < mean < 265
    assert max(spans) > 400
    assert min(spans) >= 0.75  # the four short retries alone wait at least that


def test_without_short_retries_full_jitter_from_the_first() -> None:
    """Webhooks' schedule: their budget is five attempts, too few to spend on sub-second waits."""
    rng = random.Random(9)
    for attempt in (1, 2, 3, 4):
        ceiling = BASE * 2 ** (attempt - 1)
        waits = [delay(attempt, base=BASE, cap=CAP, rng=rng, short=()) for _ in range(300)]
        assert all(0 <= w <= ceiling for w in waits)
        assert max(waits) > 0.8 * ceiling
