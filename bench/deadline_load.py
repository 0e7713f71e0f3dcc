"""The load process of the deadline-day bench: Locust used as a library, in a process of its own
(Locust patches the standard library for gevent on import, which the rest of the bench, asyncio
throughout, must not inherit).

`python -m bench.deadline_load PLAN.json RESULT.json`. The plan names the host (a loopback URL),
the users, the time limit and one work item per school: its headers and its self-assessment. Each
user takes the next school and PUTs its draft, submits it (with an idempotency key) and approves
it, checking every answer's status and state; the run ends when every school is done or at the
time limit, whichever comes first. The result holds Locust's statistics per call and in total,
the wall time and the first failures."""

from __future__ import annotations

import json
import sys
import time
import uuid
from collections import deque
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gevent
from locust import FastHttpUser, constant, task
from locust.env import Environment
from locust.exception import StopUser

CALLS = ("PUT self", "submit", "approve")
METHODS = ("PUT", "POST", "POST")


def _plan_checked(plan: dict[str, Any]) -> None:
    host = urlsplit(plan["host"]).hostname
    if host not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"the deadline bench loads loopback only, not {host}")


class Work:
    """The schools still to do, shared by every user of this process."""

    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.todo: deque[dict[str, Any]] = deque(items)
        self.busy = 0
        self.done = 0


def user_class(work: Work, year: str) -> type[FastHttpUser]:
    class DeadlineUser(FastHttpUser):  # type: ignore[misc]
        wait_time = constant(0)
        # one connection per user, as many clients each with their own: no pooling across users
        concurrency = 1

        @task  # type: ignore[untyped-decorator]
        def one_school(self) -> None:
            if not work.todo:
                raise StopUser()
            item = work.todo.popleft()
            work.busy += 1
            try:
                self._school(item)
            finally:
                work.busy -= 1
                work.done += 1

        def _expect(
            self, method: str, path: str, name: str, status: int, state: str | None, **kw: Any
        ) -> bool:
            with self.client.request(method, path, name=name, catch_response=True, **kw) as r:
                if r.status_code != status:
                    r.failure(f"{r.status_code}: {(r.text or '')[:1000]}")
                    return False
                if state is not None and (r.json() or {}).get("state") != state:
                    r.failure(f"state {(r.json() or {}).get('state')!r}, expected {state!r}")
                    return False
                r.success()
                return True

        def _school(self, item: dict[str, Any]) -> None:
            base = f"/api/v1/schools/{item['school']}/assessments/{year}/self"
            h = item["headers"]
            if not self._expect("PUT", base, CALLS[0], 201, "draft", json=item["body"], headers=h):
                return
            idem = {**h, "Idempotency-Key": f"deadline-{uuid.uuid4().hex}"}
            if not self._expect("POST", f"{base}/submit", CALLS[1], 200, "submitted", headers=idem):
                return
            self._expect("POST", f"{base}/approve", CALLS[2], 200, "approved", headers=h)

    return DeadlineUser


def _stats(entry: Any) -> dict[str, Any]:
    n = entry.num_requests
    return {
        "requests": n,
        "failures": entry.num_failures,
        "median_ms": entry.get_response_time_percentile(0.5) if n else None,
        "p95_ms": entry.get_response_time_percentile(0.95) if n else None,
        "p99_ms": entry.get_response_time_percentile(0.99) if n else None,
        "max_ms": entry.max_response_time if n else None,
    }


def run(plan: dict[str, Any]) -> dict[str, Any]:
    _plan_checked(plan)
    work = Work(plan["items"])
    total = len(plan["items"])
    env = Environment(user_classes=[user_class(work, plan["year"])], host=plan["host"])
    runner = env.create_local_runner()
    users = min(plan["users"], total)
    start = time.perf_counter()
    runner.start(users, spawn_rate=plan.get("spawn_rate", users))
    deadline = start + plan["time_limit"]
    while time.perf_counter() < deadline and (work.todo or work.busy):
        gevent.sleep(0.05)
    elapsed = time.perf_counter() - start
    timed_out = bool(work.todo or work.busy)
    runner.quit()
    failures = [
        {"name": f.name, "error": str(f.error), "occurrences": f.occurrences}
        for f in env.stats.errors.values()
    ][:10]
    return {
        "users": users,
        "schools": total,
        "schools_done": work.done,
        "timed_out": timed_out,
        "elapsed_s": elapsed,
        "total": _stats(env.stats.total),
        "calls": {
            name: _stats(env.stats.get(name, method)) for name, method in zip(CALLS, METHODS, strict=True)
        },
        "failures": failures,
    }


def main() -> int:
    plan = json.loads(Path(sys.argv[1]).read_text())
    Path(sys.argv[2]).write_text(json.dumps(run(plan)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
