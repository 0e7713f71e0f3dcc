"""`python -m services.serve <scoring|evidence|sync|gateway|web> [--host H] [--port P] [--workers N]`:
one service in its own process under uvicorn (distributed mode; the container's entry point).

The service's app is built by its own `create_app` from its own settings (env prefix `SCORING_`,
`EVIDENCE_`, `SYNC_`, `GATEWAY_`). Logging is configured from the same settings (`<PREFIX>LOG_JSON`)
inside `app_factory`, so every uvicorn worker process (spawned, not forked) logs the same way.

`PORT` and `WEB_CONCURRENCY` (the usual process-level conventions) give the defaults of `--port`
and `--workers`; the container's health check reads `PORT` too.
"""

from __future__ import annotations

import argparse
import importlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from shared.observability import configure_logging, prepare_multiprocess
from shared.settings import ServiceSettings

SERVICE_ENV = "CHISO_SERVE_SERVICE"  # tells a spawned uvicorn worker which service it serves
PROCESS_ENV = ("PORT", "WEB_CONCURRENCY", "KEEP_ALIVE_SECONDS")  # process-level: read here, not by a service
# idle keep-alive of client connections: longer than the proxy's upstream idle timeout (60 s for
# most ingress and Gateway API implementations), so the proxy, not uvicorn, closes idle
# connections; uvicorn's 5 s default let the proxy reuse a connection uvicorn had just closed (502)
KEEP_ALIVE_SECONDS = 75


@dataclass(frozen=True)
class Service:
    """A service's entry points by convention: `services.<name>.main:create_app` and its settings
    class in `services.<name>.config`."""

    name: str
    settings_name: str  # the class in services.<name>.config
    port: int
    env_prefix: str

    @property
    def app(self) -> str:
        return f"services.{self.name}.main:create_app"

    @property
    def settings(self) -> str:
        return f"services.{self.name}.config:{self.settings_name}"

    def settings_class(self) -> type[ServiceSettings]:
        module, cls = self.settings.split(":")
        found: type[ServiceSettings] = getattr(importlib.import_module(module), cls)
        return found

    def factory(self) -> Callable[..., FastAPI]:
        module, fn = self.app.split(":")
        found: Callable[..., FastAPI] = getattr(importlib.import_module(module), fn)
        return found


SERVICES: dict[str, Service] = {
    s.name: s
    for s in (
        Service("gateway", "GatewaySettings", 8000, "GATEWAY_"),
        Service("scoring", "ScoringSettings", 8001, "SCORING_"),
        Service("evidence", "EvidenceSettings", 8002, "EVIDENCE_"),
        Service("sync", "SyncSettings", 8003, "SYNC_"),
    )
}
# the web workspace: a client of the gateway with no database, so not among the migrated SERVICES
WEB = Service("web", "WebSettings", 8080, "WEB_")
SERVABLE: dict[str, Service] = {**SERVICES, WEB.name: WEB}


def build_app(name: str) -> FastAPI:
    """The named service's app from its own settings, with logging configured from them."""
    service = SERVABLE[name]
    settings = service.settings_class()()
    configure_logging(json_logs=settings.log_json)
    return service.factory()(settings=settings)


def app_factory() -> FastAPI:
    """uvicorn's `--factory` target: the service named by the parent process."""
    return build_app(os.environ[SERVICE_ENV])


def _int_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m services.serve", description="Run one service under uvicorn.")
    p.add_argument("service", choices=sorted(SERVABLE))
    p.add_argument("--host", default="127.0.0.1", help="address to bind (0.0.0.0 in a container)")
    p.add_argument("--port", type=int, default=None, help="default: $PORT, else the service's own port")
    p.add_argument("--workers", type=int, default=None, help="processes (default: $WEB_CONCURRENCY or 1)")
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    service = SERVABLE[args.service]
    port = args.port if args.port is not None else _int_env("PORT", service.port)
    workers = args.workers if args.workers is not None else _int_env("WEB_CONCURRENCY", 1)
    os.environ[SERVICE_ENV] = service.name
    # several processes: their metrics must add up (Prometheus multiprocess mode), set up before
    # the workers start so they inherit it
    prepare_multiprocess(workers)
    # fail fast, in this process, on bad settings (e.g. a placeholder secret in production)
    configure_logging(json_logs=service.settings_class()().log_json)
    uvicorn.run(
        "services.serve:app_factory",
        factory=True,
        host=args.host,
        port=port,
        workers=workers,
        log_config=None,  # keep the logging configured above (JSON lines in production)
        # the peer address stays the peer's: the gateway alone decides whose X-Forwarded-For it
        # believes (GATEWAY_TRUSTED_PROXIES), uvicorn's default would believe any local peer
        proxy_headers=False,
        server_header=False,
        timeout_graceful_shutdown=20,
        timeout_keep_alive=_int_env("KEEP_ALIVE_SECONDS", KEEP_ALIVE_SECONDS),
    )


if __name__ == "__main__":
    main()
