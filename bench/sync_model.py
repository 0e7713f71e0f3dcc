"""A queue model of `bench sync`'s faulty run, free of the machine's noise: what the claim order
and the retry schedule do to the faulty/clean ratio's spread, over many simulated runs.

`C` sends in flight share a throughput of `X` requests/s (a request takes in-flight/X seconds, at
least 20 ms); each attempt meets the bench's faults (1% 429 with Retry-After 1 s, then 10% 503);
a failed send waits the service's own `backoff.delay` (with the short retries given) and is then
claimed either in line (by its place in the queue, as `DeliveryRepository.claim` does) or behind
every job not yet tried (the order by `next_attempt_at` it replaced). A model, not a measurement:
`python -m bench.sync_model [N] [runs]`.
"""

from __future__ import annotations

import heapq
import random
import statistics
import sys
from collections.abc import Callable

from services.sync.deliveries.backoff import SHORT_RETRIES, delay

Delay = Callable[[int, random.Random, bool], float]


def _schedule(short: tuple[float, ...]) -> Delay:
    def wait(attempt: int, rng: random.Random, rate_limited: bool) -> float:
        retry_after = 1.0 if rate_limited else None
        return delay(attempt, base=1.0, cap=300.0, retry_after=retry_after, rng=rng, short=short)

    return wait


def run(n: int, c: int, x: float, wait: Delay, in_line: bool, rng: random.Random, lag: float = 0.03) -> float:
    """One faulty run's makespan over the clean run's (n / x)."""
    fresh = list(range(n))[::-1]  # pop() gives the next in line
    waiting: list[tuple[float, int]] = []  # (due, job)
    due: list[tuple[float, int]] = []  # (place in line, or due time when behind the backlog; job)
    slots = [(0.0, k) for k in range(c)]  # (free at, slot)
    attempts: dict[int, int] = {}
    done, last = 0, 0.0
    while done < n:
        free_at, k = heapq.heappop(slots)
        while waiting and waiting[0][0] <= free_at:
            d, i = heapq.heappop(waiting)
            heapq.heappush(due, (i if in_line else d, i))
        if fresh and (not due or not in_line or fresh[-1] < due[0][0]):
            i = fresh.pop()
        elif due:
            i = heapq.heappop(due)[1]
        else:  # nothing due: the slot's worker sleeps until the earliest retry falls due
            if waiting:
                heapq.heappush(slots, (waiting[0][0] + rng.uniform(0, lag), k))
            continue
        busy = sum(1 for t, _ in slots if t > free_at) + 1
        end = free_at + max(0.02, busy / x) * rng.uniform(0.8, 1.2)
        attempts[i] = a = attempts.get(i, 0) + 1
        if rng.random() < 0.01:
            heapq.heappush(waiting, (end + lag + wait(a, rng, True), i))
        elif rng.random() < 0.10:
            heapq.heappush(waiting, (end + lag + wait(a, rng, False), i))
        else:
            done, last = done + 1, max(last, end)
        heapq.heappush(slots, (end, k))
    return last / (n / x)


def main(n: int = 3_000, runs: int = 300, c: int = 64, x: float = 190.0) -> None:
    three = SHORT_RETRIES[:3]
    for label, short, in_line in [
        ("retries behind the backlog, 3 short retries", three, False),
        ("retries in line, 3 short", three, True),
        ("retries behind the backlog, 4 short", SHORT_RETRIES, False),
        ("retries in line, 4 short (the service now)", SHORT_RETRIES, True),
    ]:
        rng = random.Random(42)
        rs = sorted(run(n, c, x, _schedule(short), in_line, rng) for _ in range(runs))

        def q(p: float, rs: list[float] = rs) -> float:
            return rs[min(len(rs) - 1, int(p * len(rs)))]

        print(
            f"{label:<45} mean {statistics.mean(rs):.2f} median {q(0.5):.2f} p90 {q(0.9):.2f} "
            f"p99 {q(0.99):.2f} over 1.2: {sum(r > 1.2 for r in rs) / len(rs):.0%}",
            flush=True,
        )


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
