"""Per-account login throttling: after a few wrong passwords (or client secrets) for one account,
each further attempt waits a doubling delay, whatever address it comes from, and while it waits
even the right password is refused. A success clears the account's record. Unknown accounts are
throttled exactly like known ones, so the answers tell nothing about which exist.

Kept in the gateway process (one replica's view); the per-address buckets beside it are shared
through Redis when `GATEWAY_REDIS_URL` is set.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


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

    def _delay(self, failures: int) -> float:
        over = failures - self.free_failures
        return 0.0 if over < 0 else min(self.max_delay, float(2**over))

    def wait(self, account: str) -> float:
        """Seconds before `account` may try again (0: now)."""
        r = self._records.get(account)
        if r is None:
            return 0.0
        return max(0.0, r.last + self._delay(r.failures) - self.clock())

    def failed(self, account: str) -> None:
        r = self._records.get(account)
        now = self.clock()
        if r is None:
            if len(self._records) >= self.size:  # forget the records whose delay is over
                self._records = {
                    k: v for k, v in self._records.items() if v.last + self._delay(v.failures) > now
                }
            self._records[account] = _Record(1, now)
        else:
            r.failures, r.last = r.failures + 1, now

    def succeeded(self, account: str) -> None:
        self._records.pop(account, None)
