"""`python -m services.sync.worker [--workers N] [--no-feed] [--no-webhooks] [--no-reconcile]`:
delivery workers (and by default the feed consumer, the webhook dispatcher and reconciliation) in
their own process, configured by the `SYNC_` settings. Any number of these processes may run
against one PostgreSQL database."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal

from services.sync.config import MIGRATIONS, SyncSettings
from services.sync.runtime import Runtime
from services.sync.worker import heartbeat
from shared.db import create_engine, session_factory
from shared.migrate import upgrade
from shared.observability import configure_logging

log = logging.getLogger("chiso.sync.worker")


async def serve(settings: SyncSettings, *, feed: bool, webhooks: bool, reconcile: bool) -> None:
    if settings.migrate_on_start:
        await upgrade(MIGRATIONS, settings.database_url)
    engine = create_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
    )
    runtime = Runtime(settings, session_factory(engine))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runtime.start(feed=feed, webhooks=webhooks, reconcile=reconcile)
    beats = asyncio.create_task(
        heartbeat.beat(settings.heartbeat_file, runtime.alive, stop, settings.heartbeat_seconds)
    )
    log.info("sync worker ready")
    await stop.wait()
    await beats
    await runtime.stop()
    await engine.dispose()


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m services.sync.worker")
    p.add_argument("--workers", type=int, default=None, help="delivery loops in this process")
    p.add_argument("--no-feed", action="store_true", help="do not consume the change feed here")
    p.add_argument("--no-webhooks", action="store_true", help="do not dispatch webhooks here")
    p.add_argument("--no-reconcile", action="store_true", help="do not run reconciliation here")
    args = p.parse_args()
    settings = SyncSettings()
    configure_logging(json_logs=settings.log_json)
    if args.workers is not None:
        settings = settings.model_copy(update={"workers": args.workers})
    asyncio.run(
        serve(settings, feed=not args.no_feed, webhooks=not args.no_webhooks, reconcile=not args.no_reconcile)
    )


if __name__ == "__main__":
    main()
