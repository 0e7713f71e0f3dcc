"""Triggering a job: a signed service call to the owning service, which runs the job once per slot.

`Scheduler.run` is the long-running form (compose's `scheduler` service, the embedded process):
each tick it triggers every job whose latest slot it has not triggered yet. At start that is each
job's most recent slot, so a slot missed while no scheduler ran is caught up once; the service
answers a slot that already ran with its record, so catching up never runs anything twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from shared.db import utcnow
from shared.principal import HEADER, Principal, PrincipalKind, Role, sign_principal
from shared.schedule import JOBS, Job

log = logging.getLogger("chiso.scheduler")
MAX_ATTEMPTS = 3  # per slot; a job still failing waits for its next slot (and the metrics alert)


class JobFailed(Exception):
    pass


def _headers(secret: str) -> dict[str, str]:
    p = Principal(sub="scheduler", kind=PrincipalKind.SERVICE, roles=frozenset({Role.SERVICE}), all_orgs=True)
    return {HEADER: sign_principal(p, secret, ttl=60)}


async def trigger(client: httpx.AsyncClient, secret: str, job: Job, slot: datetime) -> dict[str, Any]:
    """The run record of `job` at `slot` (run now, or earlier); `JobFailed` if it failed."""
    r = await client.post(
        f"/internal/v1/jobs/{job.name}/runs", json={"slot": slot.isoformat()}, headers=_headers(secret)
    )
    r.raise_for_status()
    run: dict[str, Any] = r.json()
    if run["outcome"] == "failed":
        raise JobFailed(f"{job.name} at {slot.isoformat()}: {run['detail']}")
    return run


class Scheduler:
    def __init__(self, clients: Mapping[str, httpx.AsyncClient], secret: str, tick: float = 30.0) -> None:
        self.clients, self.secret, self.tick = clients, secret, tick
        self.done: dict[str, datetime] = {}
        self.attempts: dict[tuple[str, datetime], int] = {}

    async def step(self, now: datetime | None = None) -> list[str]:
        """Trigger the jobs due at `now`; the names of those that ran or were found run."""
        now = now or utcnow()
        out = []
        for job in JOBS:
            slot = job.latest_slot(now)
            if self.done.get(job.name) == slot or self.attempts.get((job.name, slot), 0) >= MAX_ATTEMPTS:
                continue
            self.attempts[(job.name, slot)] = self.attempts.get((job.name, slot), 0) + 1
            try:
                run = await trigger(self.clients[job.service], self.secret, job, slot)
            except (httpx.HTTPError, JobFailed) as e:
                log.warning("scheduled job %s (slot %s) did not succeed: %s", job.name, slot.isoformat(), e)
                continue
            self.done[job.name] = slot
            out.append(job.name)
            if run.get("ran_now"):
                log.info("scheduled job %s ran (slot %s): %s", job.name, slot.isoformat(), run["detail"])
        return out

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.step()
            except Exception:  # a bug in one tick must not end the schedule
                log.exception("scheduler tick failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.tick)
