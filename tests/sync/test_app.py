"""The app's lifespan: background loops start and stop cleanly; clients are built from settings."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from services.sync.config import SyncSettings
from services.sync.main import create_app
from services.sync.runtime import Runtime
from tests.sync.conftest import make_settings


class TestLifespan:
    @pytest.mark.commits  # the background loops run on the app's own pool
    async def test_embedded_default_starts_and_stops_the_loops(self, sync_url: str, fake_http, scoring_http):
        app = create_app(
            make_settings(sync_url, run_workers=True), scoring_client=scoring_http, csdl_client=fake_http
        )
        async with app.router.lifespan_context(app):
            rt: Runtime = app.state.runtime
            names = {t.get_name() for t in rt._tasks}
            assert {"sync-feed", "sync-webhooks", "sync-reconcile"} <= names
            assert sum(n.startswith("sync-worker-") for n in names) == 2
            async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as c:
                assert (await c.get("/healthz")).json() == {"status": "ok"}
            await asyncio.sleep(0.05)
            tasks = list(rt._tasks)
        assert all(t.done() for t in tasks)

    async def test_clients_from_settings_when_none_given(self, sync_url: str):
        app = create_app(
            make_settings(sync_url, scoring_url="http://scoring.test", csdl_url="http://csdl.test")
        )
        async with app.router.lifespan_context(app):
            rt: Any = app.state.runtime
            assert str(rt.csdl.http.base_url) == "http://csdl.test"
            assert str(rt.scoring.http.base_url) == "http://scoring.test"
        assert rt.csdl.http.is_closed


class TestSettings:
    def test_placeholder_csdl_secret_refused_in_production(self):
        with pytest.raises(ValidationError, match="csdl_client_secret"):
            SyncSettings(environment="production", internal_secret="a-real-secret-value")
        ok = SyncSettings(
            environment="production", internal_secret="x-real-internal-secret", csdl_client_secret="y-real"
        )
        assert ok.csdl_client_secret.get_secret_value() == "y-real"
