"""`make run`: the embedded default, every service in one process on SQLite and local files.

The scoring, evidence and sync services (with the sync workers and the fake CSDL ngành) are
built with their own `create_app`, their lifespans entered here, and the gateway calls them
through `httpx.AsyncClient(transport=httpx.ASGITransport(app))`: the same client code as over the
network. A demo province is loaded through the services' own APIs; only the gateway listens.

Each service also runs alone under uvicorn (distributed mode), e.g.
`uvicorn --factory services.scoring.main:create_app --port 8001` (see docs/gateway.md).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI

from services.evidence.config import EvidenceSettings
from services.evidence.main import create_app as create_evidence
from services.gateway.config import GatewaySettings
from services.gateway.demo import PREVIOUS_YEAR as DEMO_PREVIOUS_YEAR
from services.gateway.demo import YEAR as DEMO_YEAR
from services.gateway.demo import DemoInfo, mark_seeded, seed_gateway, seed_scoring, seeded
from services.gateway.main import create_app as create_gateway
from services.scheduler.trigger import Scheduler
from services.scoring.config import ScoringSettings
from services.scoring.main import create_app as create_scoring
from services.secrets_file import load_or_create
from services.sync.config import SyncSettings
from services.sync.fake_csdl.app import create_app as create_fake_csdl
from services.sync.main import create_app as create_sync
from services.web.config import WebSettings
from services.web.dispatch import Dispatcher
from services.web.main import create_app as create_web
from shared.observability import configure_logging


@dataclass
class Embedded:
    gateway: FastAPI
    services: list[str]
    demo: DemoInfo | None
    web: FastAPI | None = None

    @property
    def app(self) -> Dispatcher | FastAPI:
        """What listens on the one port: the web pages and the API side by side."""
        return self.gateway if self.web is None else Dispatcher(self.gateway, self.web)


@contextmanager
def quiet_start() -> Iterator[None]:
    """Migrations, the demo's hundreds of seeding requests and the schedule's catch-up runs at start
    stay out of the console, so the banner with the address comes first (warnings still show)."""
    loggers = [logging.getLogger(n) for n in ("chiso.access", "alembic", "chiso.jobs", "chiso.scheduler")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


async def _start(stack: AsyncExitStack, app: FastAPI, name: str) -> httpx.AsyncClient:
    await stack.enter_async_context(app.router.lifespan_context(app))
    transport = httpx.ASGITransport(app=app)
    return await stack.enter_async_context(httpx.AsyncClient(transport=transport, base_url=f"http://{name}"))


@asynccontextmanager
async def scheduled(clients: dict[str, httpx.AsyncClient], secret: str) -> AsyncIterator[Scheduler]:
    """The scheduler loop as a background task for the embedded run's lifetime."""
    scheduler, stop = Scheduler(clients, secret), asyncio.Event()
    task = asyncio.create_task(scheduler.run(stop), name="scheduler")
    try:
        yield scheduler
    finally:
        stop.set()
        await task


@asynccontextmanager
async def embedded(data_dir: Path, demo: bool = True, schedule: bool = True) -> AsyncIterator[Embedded]:
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    own = await asyncio.to_thread(load_or_create, data_dir)
    scoring_existed = await asyncio.to_thread((data_dir / "scoring.db").exists)
    secret = own["internal_secret"]
    gw_settings = GatewaySettings(
        database_url=f"sqlite+aiosqlite:///{data_dir / 'gateway.db'}",
        jwt_secret=own["jwt_secret"],
        internal_secret=secret,
        ops_endpoints_public=False,  # one process listens for everything: metrics for admins only
    )
    async with AsyncExitStack() as stack:
        quiet = ExitStack()
        quiet.enter_context(quiet_start())  # left before the yield below
        stack.callback(quiet.close)
        scoring_settings = ScoringSettings(
            database_url=f"sqlite+aiosqlite:///{data_dir / 'scoring.db'}",
            internal_secret=secret,
            sync_url=None,  # sync and evidence run in-process: connected below once they exist
            evidence_url=None,
            # the demo province's school years are past ones, opened explicitly for it (writing
            # there still needs the Sở's audited extension past the edit lock, as anywhere)
            school_years=["current", "next", *([DEMO_PREVIOUS_YEAR, DEMO_YEAR] if demo else [])],
        )
        scoring = create_scoring(scoring_settings)
        clients: dict[str, httpx.AsyncClient] = {"scoring": await _start(stack, scoring, "scoring")}
        ev_settings = EvidenceSettings(
            database_url=f"sqlite+aiosqlite:///{data_dir / 'evidence.db'}",
            storage_dir=data_dir / "blobs",
            internal_secret=secret,
            consume_feed=True,  # lock evidence once its assessment is approved
        )
        app = create_evidence(settings=ev_settings, scoring_client=clients["scoring"])
        clients["evidence"] = await _start(stack, app, "evidence")
        scoring.state.evidence_refs.http = clients["evidence"]  # evidence references, at write time
        csdl = await _start(stack, create_fake_csdl(), "csdl")
        sync_settings = SyncSettings(
            database_url=f"sqlite+aiosqlite:///{data_dir / 'sync.db'}", internal_secret=secret
        )
        sync_app = create_sync(settings=sync_settings, scoring_client=clients["scoring"], csdl_client=csdl)
        clients["sync"] = await _start(stack, sync_app, "sync")
        scoring.state.calendar.http = clients["sync"]  # the edit lock, read from sync's calendar
        gateway = create_gateway(gw_settings, clients)
        await stack.enter_async_context(gateway.router.lifespan_context(gateway))
        # webhook sends re-check the subscriber's current grant with the gateway's registry
        sync_app.state.runtime.use_gateway(
            await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway")
            )
        )
        if schedule:  # the one schedule (shared.schedule), run in-process, the gateway's job included
            to_self = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url="http://gateway")
            own_job = await stack.enter_async_context(to_self)
            await stack.enter_async_context(scheduled({**clients, "gateway": own_job}, secret))
        info = None
        if demo:
            schools = await asyncio.to_thread(seeded, data_dir, scoring_existed)
            if schools is None:
                schools = await seed_scoring(clients["scoring"], secret)
                await asyncio.to_thread(mark_seeded, data_dir, schools)
            info = await seed_gateway(
                gateway.state.session_factory, schools, own["demo_password"], own["demo_vendor_secret"]
            )
        to_gateway = httpx.ASGITransport(app=gateway)
        gw_client = await stack.enter_async_context(
            httpx.AsyncClient(transport=to_gateway, base_url="http://gateway")
        )
        # plain http on 127.0.0.1: browsers keep Secure cookies there, so the flag stays on
        web = create_web(WebSettings(session_secret=own["web_session_secret"]), gateway=gw_client)
        quiet.close()
        yield Embedded(gateway, sorted(clients), info, web)


def banner(port: int, e: Embedded) -> str:
    url = f"http://127.0.0.1:{port}"
    lines = [
        f"Chỉ số chuyển đổi số — open {url}/ in a browser (web workspace; sign in with a demo user below)",
        f"  embedded services: {', '.join(e.services)}",
        f"  API docs   {url}/docs",
        f"  GraphQL    {url}/graphql",
        f"  health     {url}/healthz",
    ]
    if e.demo is not None:
        lines += [f"  demo province: {e.demo.schools} schools; users (password '{e.demo.password}'):"]
        lines += [f"    {u:<22} {what}" for u, what in e.demo.users.items()]
        lines += [
            f"  vendor API client: client_id={e.demo.client_id} client_secret={e.demo.client_secret}",
            f"    curl -s {url}/oauth/token -d grant_type=client_credentials "
            f"-d client_id={e.demo.client_id} -d client_secret={e.demo.client_secret}",
        ]
    return "\n".join(lines)


async def serve(port: int, data_dir: Path) -> None:
    async with embedded(data_dir) as e:
        print(banner(port, e), flush=True)
        config = uvicorn.Config(
            e.app,
            host="127.0.0.1",
            port=port,
            lifespan="off",
            log_config=None,
            access_log=False,
            proxy_headers=False,  # see services/gateway/clientaddr.py: GATEWAY_TRUSTED_PROXIES
        )
        await uvicorn.Server(config).serve()


def main() -> None:
    configure_logging(json_logs=os.environ.get("CHISO_LOG_JSON", "").lower() in {"1", "true", "yes"})
    port = int(os.environ.get("PORT", "8000"))
    asyncio.run(serve(port, Path(os.environ.get("CHISO_DATA_DIR", "./data"))))


if __name__ == "__main__":
    main()
