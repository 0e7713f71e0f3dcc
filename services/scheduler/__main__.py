"""`python -m services.scheduler loop`: the scheduler process (compose's `scheduler` service).
`python -m services.scheduler run JOB [--slot ISO]`: one job's current slot (a Kubernetes CronJob).
`python -m services.scheduler cronjobs`: print the CronJob manifests generated from the schedule.

Settings (environment): `SCHEDULER_INTERNAL_SECRET` (the services' internal secret),
`SCHEDULER_SCORING_URL`, `SCHEDULER_EVIDENCE_URL`, `SCHEDULER_SYNC_URL`, `SCHEDULER_GATEWAY_URL`,
`SCHEDULER_TICK_SECONDS`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import datetime

import httpx
from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.scheduler.cronjobs import render
from services.scheduler.trigger import JobFailed, Scheduler, trigger
from shared.db import utcnow
from shared.observability import configure_logging
from shared.schedule import BY_NAME

log = logging.getLogger("chiso.scheduler")


class SchedulerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_prefix="SCHEDULER_")

    internal_secret: SecretStr
    scoring_url: str = "http://127.0.0.1:8001"
    evidence_url: str = "http://127.0.0.1:8002"
    sync_url: str = "http://127.0.0.1:8003"
    gateway_url: str = "http://127.0.0.1:8000"
    tick_seconds: float = 30.0
    timeout_seconds: float = 600.0  # a job (evidence verify) may take minutes

    def clients(self) -> dict[str, httpx.AsyncClient]:
        urls = {"scoring": self.scoring_url, "evidence": self.evidence_url, "sync": self.sync_url,
                "gateway": self.gateway_url}  # fmt: skip
        return {k: httpx.AsyncClient(base_url=u, timeout=self.timeout_seconds) for k, u in urls.items()}


async def loop(settings: SchedulerSettings) -> None:
    clients = settings.clients()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    log.info("scheduler running")
    try:
        await Scheduler(clients, settings.internal_secret.get_secret_value(), settings.tick_seconds).run(stop)
    finally:
        for c in clients.values():
            await c.aclose()


async def run_once(settings: SchedulerSettings, name: str, slot: datetime | None) -> int:
    job = BY_NAME[name]
    async with settings.clients()[job.service] as client:
        try:
            run = await trigger(
                client, settings.internal_secret.get_secret_value(), job, slot or job.latest_slot(utcnow())
            )
        except (httpx.HTTPError, JobFailed) as e:
            log.error("job %s did not succeed: %s", name, e)
            return 1
    log.info("job %s: %s (%s)", name, run["outcome"], "ran now" if run["ran_now"] else "already run")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m services.scheduler")
    sub = p.add_subparsers(dest="cmd", required=True)
    lp = sub.add_parser("loop", help="run the schedule until stopped")
    rp = sub.add_parser("run", help="run one job's current (or given) slot")
    rp.add_argument("job", choices=sorted(BY_NAME))
    rp.add_argument("--slot", type=datetime.fromisoformat, default=None)
    sub.add_parser("cronjobs", help="print the Kubernetes CronJobs of the schedule")
    for sp in (lp, rp):
        sp.add_argument("--log-json", action="store_true")
    args = p.parse_args(argv)
    if args.cmd == "cronjobs":
        sys.stdout.write(render())
        return 0
    configure_logging(json_logs=args.log_json)
    settings = SchedulerSettings()  # type: ignore[call-arg]
    if args.cmd == "loop":
        asyncio.run(loop(settings))
        return 0
    return asyncio.run(run_once(settings, args.job, args.slot))


if __name__ == "__main__":
    sys.exit(main())
