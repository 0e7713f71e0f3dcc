"""The web workspace pages' loader sends a page's independent calls at once, and answers the first failure in
the page's own order (its main object first), as the calls made one by one did."""

from __future__ import annotations

import asyncio

import pytest

from services.web.errors import ApiProblem
from services.web.loaders import together


async def test_the_calls_run_concurrently():
    started = [asyncio.Event(), asyncio.Event()]

    async def call(i: int) -> int:
        started[i].set()
        await started[1 - i].wait()  # one by one, the first would wait for ever
        return i

    assert await asyncio.wait_for(together(call(0), call(1)), timeout=5) == [0, 1]


async def test_the_first_failure_in_order_wins_and_every_call_ends():
    ended: list[str] = []

    async def fail(status: int, after: float) -> None:
        await asyncio.sleep(after)
        ended.append(str(status))
        raise ApiProblem(status, {"code": f"http_{status}"})

    async def fine() -> str:
        await asyncio.sleep(0.02)
        ended.append("ok")
        return "ok"

    # the main object's 404 arrives last, but it is what the page shows
    with pytest.raises(ApiProblem) as e:
        await together(fail(404, 0.05), fine(), fail(503, 0.0))
    assert e.value.status == 404
    assert sorted(ended) == ["404", "503", "ok"]  # nothing left running behind the answer
