"""The background loop every worker runs: a step, again and again, until asked to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger("shared.loop")


async def repeat(
    step: Callable[[], Awaitable[int]], stop: asyncio.Event, wait_seconds: float, what: str, full: int = 1
) -> None:
    """Run `step` until `stop` is set. A step that did `full` things or more (a whole batch) is
    followed at once; after a smaller one, or a failure (logged, never fatal: the next step
    retries), the loop waits `wait_seconds` or until stopped."""
    while not stop.is_set():
        try:
            n = await step()
        except Exception:
            log.exception("%s: step failed; will retry", what)
            n = 0
        if n < full:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), wait_seconds)
