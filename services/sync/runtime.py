"""The background side of the service: httpx clients, the feed consumer, the delivery workers and
the webhook dispatcher, started and stopped together (by the app's lifespan or the worker process)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.sync.config import SyncSettings
from services.sync.csdl.client import CsdlClient
from services.sync.deliveries.worker import DeliveryWorker
from services.sync.feed.consumer import FeedConsumer
from services.sync.grants import GatewayClient
from services.sync.reconciliation.service import Reconciler
from services.sync.webhooks.service import WebhookDispatcher
from services.sync.withdrawals.worker import WithdrawalWorker
from shared.outbound import system_resolver
from shared.scoring_client import ScoringClient

log = logging.getLogger("services.sync.runtime")


class Runtime:
    def __init__(
        self,
        settings: SyncSettings,
        factory: async_sessionmaker[AsyncSession],
        *,
        scoring_http: httpx.AsyncClient | None = None,
        csdl_http: httpx.AsyncClient | None = None,
        webhook_http: httpx.AsyncClient | None = None,
        gateway_http: httpx.AsyncClient | None = None,
    ) -> None:
        self.settings = settings
        self.factory = factory
        self._owned: list[httpx.AsyncClient] = []
        if scoring_http is None:
            scoring_http = self._own(httpx.AsyncClient(base_url=settings.scoring_url, timeout=10.0))
        if csdl_http is None:
            limits = httpx.Limits(
                max_connections=settings.csdl_max_connections,
                max_keepalive_connections=settings.csdl_max_connections,
            )
            csdl_http = self._own(
                httpx.AsyncClient(
                    base_url=settings.csdl_url, limits=limits, timeout=settings.csdl_timeout_seconds
                )
            )
        if webhook_http is None:
            webhook_http = self._own(httpx.AsyncClient(timeout=settings.webhook_timeout_seconds))
        self.scoring = ScoringClient(scoring_http, settings.internal_secret.get_secret_value(), "sync")
        self.csdl = CsdlClient(
            csdl_http,
            settings.csdl_client_id,
            settings.csdl_client_secret.get_secret_value(),
            timeout=settings.csdl_timeout_seconds,
        )
        self.consumer = FeedConsumer(factory, self.scoring, settings.feed_batch, settings.feed_poll_seconds)
        prefix = f"{socket.gethostname()}-{os.getpid()}"
        self.workers = [
            DeliveryWorker(f"{prefix}-{i}", factory, self.csdl, settings) for i in range(settings.workers)
        ]
        self.withdrawals = WithdrawalWorker(f"{prefix}-thu-hoi", factory, self.csdl, settings)
        if gateway_http is None and settings.gateway_url:
            gateway_http = self._own(httpx.AsyncClient(base_url=settings.gateway_url, timeout=10.0))
        self.webhooks = WebhookDispatcher(
            factory,
            webhook_http,
            max_attempts=settings.webhook_max_attempts,
            timeout=settings.webhook_timeout_seconds,
            resolver=None if settings.webhook_allow_private_addresses else system_resolver,
            scoring=self.scoring,
            gateway=self._gateway(gateway_http),
        )
        self.reconciler = Reconciler(factory, self.csdl, settings.reconcile_interval_seconds)
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def _gateway(self, http: httpx.AsyncClient | None) -> GatewayClient | None:
        return GatewayClient(http, self.settings.internal_secret.get_secret_value()) if http else None

    def use_gateway(self, http: httpx.AsyncClient) -> None:
        """The embedded run starts the gateway after this service: it hands its client over then."""
        self.webhooks.gateway = self._gateway(http)

    def _own(self, c: httpx.AsyncClient) -> httpx.AsyncClient:
        self._owned.append(c)
        return c

    def start(self, *, feed: bool = True, webhooks: bool = True, reconcile: bool = True) -> None:
        self._stop.clear()
        if feed:
            self._tasks.append(asyncio.create_task(self.consumer.run(self._stop), name="sync-feed"))
        for w in self.workers:
            self._tasks.append(asyncio.create_task(w.run(self._stop), name=f"sync-worker-{w.name}"))
        if self.workers:
            self._tasks.append(asyncio.create_task(self.withdrawals.run(self._stop), name="sync-withdrawals"))
        if webhooks:
            self._tasks.append(asyncio.create_task(self.webhooks.run(self._stop), name="sync-webhooks"))
        if reconcile:
            self._tasks.append(asyncio.create_task(self.reconciler.run(self._stop), name="sync-reconcile"))

    def alive(self) -> bool:
        """Every loop started is still running (none crashed)."""
        return bool(self._tasks) and not any(t.done() for t in self._tasks)

    async def stop(self, grace: float = 10.0) -> None:
        """Ask every loop to finish its step, wait a grace period, then cancel what is left; a job
        cancelled mid-send stays claimed until its lease runs out and is then sent again with the
        same key."""
        self._stop.set()
        if self._tasks:
            _, pending = await asyncio.wait(self._tasks, timeout=grace)
            for t in pending:
                t.cancel()
            for t in pending:
                with contextlib.suppress(asyncio.CancelledError):
                    await t
        self._tasks.clear()
        for c in self._owned:
            await c.aclose()
        self._owned.clear()
