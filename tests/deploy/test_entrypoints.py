"""The processes the image runs: `services.serve` (one service under uvicorn), `services.migrate_all`
(the migration job), and the Dockerfile that packages them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import create_async_engine

from services import migrate_all, serve
from services.serve import SERVABLE, SERVICES
from tests.conftest import TEST_DATABASE_URL, _pg_url
from tests.deploy.conftest import ROOT, routes

DOCKERFILE = (ROOT / "Dockerfile").read_text()
VERSION_TABLES = {
    "scoring": "alembic_version_scoring",
    "evidence": "alembic_version_evidence",
    "sync": "alembic_version_sync",
    "gateway": "alembic_version_gateway",
}


@pytest.fixture
def quiet(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Leave the test run's logging alone, record what the process would configure; and restore
    the variable `serve.main` sets for its worker processes."""
    calls: list[bool] = []
    monkeypatch.setattr(serve, "configure_logging", lambda json_logs: calls.append(json_logs))
    monkeypatch.setenv(serve.SERVICE_ENV, "")
    # serve.main sets it for more than one worker: set-then-delete makes monkeypatch remove it after
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    for prefix in ("SCORING_", "EVIDENCE_", "SYNC_"):  # no service starts without its secret
        monkeypatch.setenv(f"{prefix}INTERNAL_SECRET", "test-internal-secret")
    return calls


class TestServe:
    def test_the_services_follow_the_ports_convention(self):
        ports = {n: s.port for n, s in SERVICES.items()}
        assert ports == {"gateway": 8000, "scoring": 8001, "evidence": 8002, "sync": 8003}

    @pytest.mark.parametrize("name", sorted(SERVICES))
    def test_each_entry_point_builds_its_app_with_a_health_route(self, name):
        assert "/healthz" in routes(name)

    def test_arguments_and_their_environment_defaults(self, monkeypatch, quiet):
        args = serve.parse_args(["evidence", "--host", "0.0.0.0", "--port", "9002", "--workers", "3"])
        assert (args.service, args.host, args.port, args.workers) == ("evidence", "0.0.0.0", 9002, 3)
        seen: dict[str, Any] = {}
        monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(app=app, **kw))
        monkeypatch.setenv("PORT", "9100")
        monkeypatch.setenv("WEB_CONCURRENCY", "4")
        serve.main(["scoring"])
        assert seen["app"] == "services.serve:app_factory"
        assert (seen["factory"], seen["port"], seen["workers"], seen["log_config"]) == (True, 9100, 4, None)
        assert seen["proxy_headers"] is False  # the gateway alone decides whose X-Forwarded-For counts
        monkeypatch.delenv("PORT")
        monkeypatch.delenv("WEB_CONCURRENCY")
        serve.main(["sync"])
        assert (seen["port"], seen["workers"]) == (8003, 1)
        monkeypatch.setenv("SYNC_LOG_JSON", "true")
        serve.main(["sync"])
        assert quiet == [False, False, True]  # logging as the service's own settings say

    def test_an_unknown_service_is_refused(self):
        with pytest.raises(SystemExit):
            serve.parse_args(["billing"])

    @pytest.mark.parametrize("mode", ["production", "development"])
    def test_a_missing_secret_stops_the_process_before_it_listens(self, monkeypatch, quiet, mode):
        monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: pytest.fail("must not start"))
        monkeypatch.setenv("GATEWAY_ENVIRONMENT", mode)
        with pytest.raises(ValueError, match="secret"):
            serve.main(["gateway"])

    def test_the_worker_factory_builds_the_service_the_parent_named(self, monkeypatch, quiet):
        monkeypatch.setenv(serve.SERVICE_ENV, "scoring")
        app = serve.app_factory()
        assert app.title.endswith("scoring")
        assert quiet == [False]


class TestMigrateAll:
    async def _tables(self, url: str) -> set[str]:
        engine = create_async_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
        await engine.dispose()
        return names

    async def test_every_database_reaches_head_and_a_rerun_changes_nothing(self, tmp_path: Path, monkeypatch):
        urls = {}
        for name, s in SERVICES.items():
            urls[name] = f"sqlite+aiosqlite:///{tmp_path / name}.db"
            monkeypatch.setenv(f"{s.env_prefix}DATABASE_URL", urls[name])
        await migrate_all.migrate(list(migrate_all.ORDER), wait=5)
        for name, url in urls.items():
            assert VERSION_TABLES[name] in await self._tables(url)
        before = {n: (tmp_path / f"{n}.db").stat().st_size for n in urls}
        await migrate_all.migrate(list(migrate_all.ORDER), wait=5)
        assert before == {n: (tmp_path / f"{n}.db").stat().st_size for n in urls}

    async def test_only_the_named_services(self, tmp_path: Path, monkeypatch):
        monkeypatch.setenv("SYNC_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'sync.db'}")
        monkeypatch.setenv("SCORING_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'scoring.db'}")
        await migrate_all.migrate(["sync"], wait=5)
        assert (tmp_path / "sync.db").exists()
        assert not (tmp_path / "scoring.db").exists()

    def test_an_unknown_service_is_refused(self):
        with pytest.raises(SystemExit):
            migrate_all.main(["billing"])

    async def test_an_unreachable_server_times_out_with_its_address(self):
        with pytest.raises(TimeoutError, match=r"127\.0\.0\.1:1\b"):
            await migrate_all.wait_for_server("postgresql+asyncpg://u:p@127.0.0.1:1/x", within=0.5)

    @pytest.mark.postgres
    @pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL (TEST_DATABASE_URL)")
    async def test_a_missing_postgresql_database_is_created(self, monkeypatch):
        url = _pg_url("test_deploy_migrate_all_created")
        admin = create_async_engine(_pg_url("postgres"), isolation_level="AUTOCOMMIT")
        from sqlalchemy import text

        async with admin.connect() as conn:
            await conn.execute(text('DROP DATABASE IF EXISTS "test_deploy_migrate_all_created" WITH (FORCE)'))
        monkeypatch.setenv("SCORING_DATABASE_URL", url)
        await migrate_all.migrate(["scoring"], create=True, wait=10)
        await migrate_all.migrate(["scoring"], create=True, wait=10)  # exists now: left alone
        assert "alembic_version_scoring" in await self._tables(url)
        async with admin.connect() as conn:
            await conn.execute(text('DROP DATABASE "test_deploy_migrate_all_created" WITH (FORCE)'))
        await admin.dispose()


class TestDockerfile:
    def test_the_base_image_is_pinned_by_digest_and_both_stages_use_it(self):
        assert re.search(
            r"^ARG PYTHON_IMAGE=python:3\.11-slim-bookworm@sha256:[0-9a-f]{64}$", DOCKERFILE, re.M
        )
        assert re.findall(r"^FROM \$\{PYTHON_IMAGE\} AS (\w+)$", DOCKERFILE, re.M) == ["build", "runtime"]

    def test_it_runs_as_a_non_root_user(self):
        users = re.findall(r"^USER (\S+)$", DOCKERFILE, re.M)
        assert users
        assert users[-1].split(":")[0] not in {"0", "root"}

    def test_the_entry_point_and_health_check(self):
        assert 'ENTRYPOINT ["python", "-m", "services.serve"]' in DOCKERFILE
        health = re.search(r"^HEALTHCHECK .*?CMD (.*)$", DOCKERFILE, re.M | re.S)
        assert health is not None
        assert "urllib.request" in health.group(1)
        assert "/healthz" in health.group(1)
        assert "os.environ.get('PORT'" in health.group(1)
        exposed = {int(p) for p in re.findall(r"^EXPOSE (.*)$", DOCKERFILE, re.M)[0].split()}
        assert exposed == {s.port for s in SERVABLE.values()}

    def test_the_build_context_holds_only_what_the_image_needs(self):
        lines = [ln.strip() for ln in (ROOT / ".dockerignore").read_text().splitlines()]
        rules = [ln for ln in lines if ln and not ln.startswith("#")]
        assert rules[0] == "*"  # deny everything, then allow
        allowed = {ln[1:].rstrip("/") for ln in rules if ln.startswith("!")}
        copied = set(re.findall(r"^COPY (?!--from)(\S+) ", DOCKERFILE, re.M)) | {"README.md"}
        assert copied <= allowed
        assert not allowed & {".env", ".venv", "data", "tests", ".git"}
