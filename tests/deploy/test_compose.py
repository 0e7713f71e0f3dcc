"""docker-compose.yml: valid against the Compose Specification's JSON schema (offline: the copy
check-jsonschema bundles), and everything it names exists: services and their commands, flags,
variables, ports, health paths."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from services.serve import SERVABLE, SERVICES
from tests.deploy.conftest import (
    COMPOSE,
    allowed_env,
    compose,
    compose_raw,
    compose_variables,
    env_example,
    interpolate,
    module_accepts,
    module_exists,
    process_of,
    routes,
)

APPS = ("scoring", "evidence", "sync-api", "sync-worker", "gateway")
HEALTH_URL = re.compile(r"http://127\.0\.0\.1:(\d+)(/[a-z]+)")


def schema_check(doc: dict[str, Any], where: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with its bundled Compose Specification schema, on the interpolated file
    (what `docker compose config` would validate)."""
    path = where / "compose.json"
    path.write_text(json.dumps(doc))
    cmd = [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(path)]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)


def command_of(svc: dict[str, Any]) -> list[str]:
    entry = svc.get("entrypoint") or ["python", "-m", "services.serve"]
    return [*entry, *svc.get("command", [])]


def own_services() -> dict[str, dict[str, Any]]:
    """The services that run this project's image."""
    return {n: s for n, s in compose()["services"].items() if "build" in s}


class TestSchema:
    def test_the_file_is_valid_compose(self, tmp_path):
        out = schema_check(compose(), tmp_path)
        assert out.returncode == 0, out.stdout + out.stderr

    def test_the_schema_check_catches_mistakes(self, tmp_path):
        broken = copy.deepcopy(compose())
        broken["services"]["gateway"]["healthcheck"]["intervall"] = "5s"
        broken["services"]["scoring"]["depends_on"]["migrate"]["condition"] = "service_done"
        out = schema_check(broken, tmp_path)
        assert out.returncode == 1
        assert "intervall" in out.stdout
        assert "service_done" in out.stdout


class TestVariables:
    def test_every_variable_is_documented_in_env_example_and_every_entry_used(self):
        used = compose_variables(COMPOSE.read_text())
        assert used == set(env_example())

    def test_no_secret_value_is_committed(self):
        for key, value in env_example().items():
            if any(w in key for w in ("PASSWORD", "SECRET")):
                assert value == "", f"{key} must be left for the operator to fill in"

    def test_compose_refuses_to_start_without_the_secrets(self):
        env = {k: v for k, v in env_example().items() if v}
        with pytest.raises(KeyError, match=r"POSTGRES_PASSWORD|CHISO_INTERNAL_SECRET"):
            interpolate(compose_raw(), env)


class TestTopology:
    def test_apps_start_after_the_migration_job(self):
        for name in APPS:
            cond = compose()["services"][name]["depends_on"]["migrate"]["condition"]
            assert cond == "service_completed_successfully", name

    def test_only_the_gateway_and_the_web_workspace_publish_a_port(self):
        published = {n for n, s in compose()["services"].items() if s.get("ports")}
        assert published == {"gateway", "web"}

    def test_fake_csdl_is_demo_only_and_workers_scale(self):
        services = compose()["services"]
        assert services["fake-csdl"]["profiles"] == ["demo"]
        assert int(services["sync-worker"]["deploy"]["replicas"]) >= 2
        assert "ports" not in services["sync-worker"]  # scaling needs no fixed host port

    def test_the_migration_job_gets_the_database_urls_and_nothing_else(self):
        env = compose()["services"]["migrate"]["environment"]
        assert set(env) == {f"{s.env_prefix}DATABASE_URL" for s in SERVICES.values()}

    def test_the_sync_api_replica_runs_no_workers(self):
        assert compose()["services"]["sync-api"]["environment"]["SYNC_RUN_WORKERS"] == "false"

    def test_named_volumes_are_declared(self):
        doc = compose()
        used = {
            v.split(":")[0]
            for s in doc["services"].values()
            for v in s.get("volumes", [])
            if not v.startswith((".", "/"))
        }
        assert used
        assert used <= set(doc["volumes"])

    def test_dependencies_exist_and_have_what_their_condition_needs(self):
        services = compose()["services"]
        for name, svc in services.items():
            for dep, how in (svc.get("depends_on") or {}).items():
                assert dep in services, f"{name} depends on unknown {dep}"
                if how["condition"] == "service_healthy":
                    hc = services[dep].get("healthcheck", {})
                    assert hc, f"{name} waits for {dep}, which has no health check"
                    assert not hc.get("disable"), f"{name} waits for {dep}, whose health check is off"
                if "profiles" in services[dep]:
                    pytest.fail(f"{name} depends on {dep}, which only runs in a profile")


class TestNamesExistInTheCode:
    @pytest.mark.parametrize("name", sorted(own_services()))
    def test_the_command_runs_an_existing_module_with_flags_it_accepts(self, name):
        module, args, _ = process_of(command_of(own_services()[name]))
        assert module_exists(module)
        if module == "services.serve":
            assert args[0] in SERVABLE
        for flag in (a for a in args if a.startswith("--")):
            assert module_accepts(module, flag), f"{module} has no {flag}"

    @pytest.mark.parametrize("name", sorted(own_services()))
    def test_every_variable_is_a_setting_of_the_service_that_runs(self, name):
        svc = own_services()[name]
        _, _, prefixes = process_of(command_of(svc))
        unknown = set(svc["environment"]) - allowed_env(prefixes)
        assert not unknown, f"{name}: not read by {prefixes}: {sorted(unknown)}"

    @pytest.mark.parametrize("name", ["scoring", "evidence", "sync-api", "gateway", "web"])
    def test_the_health_check_calls_the_service_on_its_own_port(self, name):
        svc = own_services()[name]
        _, args, _ = process_of(command_of(svc))
        port = args[args.index("--port") + 1]
        assert svc["environment"]["PORT"] == port  # the image's own HEALTHCHECK reads $PORT
        m = HEALTH_URL.search(" ".join(svc["healthcheck"]["test"]))
        assert m is not None
        assert m.group(1) == port
        assert SERVABLE[args[0]].port == int(port)
        assert m.group(2) in routes(args[0])

    def test_upstream_urls_name_compose_services_on_their_ports(self):
        services = compose()["services"]
        for svc in own_services().values():
            for key, value in svc["environment"].items():
                m = re.fullmatch(r"https?://([a-z-]+):(\d+)(/.*)?", str(value))
                if m and key.endswith("_URL") and m.group(1) not in {"seaweedfs", "redis"}:
                    target = services[m.group(1)]
                    _, args, _ = process_of(command_of(target))
                    assert args[args.index("--port") + 1] == m.group(2), f"{key}={value}"


class TestLeastPrivilege:
    def test_third_party_images_are_pinned_by_digest(self):
        for name, svc in compose()["services"].items():
            if "build" not in svc:
                assert re.fullmatch(r"[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}", svc["image"]), name

    def test_each_service_connects_as_its_own_database_role(self):
        services = compose()["services"]
        for name, svc in services.items():
            for key, value in svc.get("environment", {}).items():
                if key.endswith("_DATABASE_URL"):
                    service = key.removesuffix("_DATABASE_URL").lower()
                    m = re.fullmatch(r"postgresql\+asyncpg://([^:]+):[^@]+@postgres:5432/(\w+)", str(value))
                    assert m is not None, (name, key)
                    assert m.groups() == (f"chiso_{service}", f"chiso_{service}"), (name, key)
        assert "--create-databases" not in services["migrate"]["command"]  # the roles cannot create databases

    def test_only_the_bucket_bootstrap_holds_the_storage_admin_keys(self):
        services = compose()["services"]
        holders = {n for n, s in services.items() if "S3_ADMIN_SECRET_KEY" in s.get("environment", {})}
        assert holders == {"storage-init", "seaweedfs"}
        evidence, store = services["evidence"]["environment"], services["seaweedfs"]["environment"]
        assert evidence["EVIDENCE_S3_SECRET_ACCESS_KEY"] == store["EVIDENCE_S3_SECRET_KEY"]
        assert evidence["EVIDENCE_S3_SECRET_ACCESS_KEY"] != store["S3_ADMIN_SECRET_KEY"]
        command = " ".join(services["seaweedfs"]["command"])
        assert '"actions":["Read:%s","Write:%s","List:%s"]' in command  # evidence's user: its bucket only
