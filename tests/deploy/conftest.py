"""What the deployment tests share: the repository's deployment files, loaded, and what the code
says they may name (services, settings fields, routes)."""

from __future__ import annotations

import importlib.util
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Route

from services.serve import PROCESS_ENV, SERVABLE, SERVICES
from services.sync.fake_csdl.app import FakeCsdlSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DEPLOY = ROOT / "deploy"
K8S_VERSION = "1.33"  # the oldest Kubernetes release the manifests must be valid for

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")


def env_example() -> dict[str, str]:
    out: dict[str, str] = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip()
    return out


def compose_variables(text: str) -> set[str]:
    return {m.group(1) for m in _VAR.finditer(text.replace("$$", ""))}


def interpolate(value: Any, env: dict[str, str]) -> Any:
    """Compose's variable interpolation (`${X}`, `${X:-default}`, `${X:?error}`, `$$`), applied to
    every string of the loaded document, as `docker compose config` does before validating."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(m: re.Match[str]) -> str:
        name, op, arg = m.group(1), m.group(2), m.group(3)
        current = env.get(name)
        if op in (":-", "-"):
            return current if current or (op == "-" and current is not None) else arg
        if op in (":?", "?") and not current:
            raise KeyError(f"{name}: {arg}")
        return current or ""

    placeholder = "\0"
    return _VAR.sub(one, value.replace("$$", placeholder)).replace(placeholder, "$")


def filled_env() -> dict[str, str]:
    """`.env.example` as an operator fills it in: every empty value (a secret) given one."""
    return {k: v or f"test-{k.lower().replace('_', '-')}" for k, v in env_example().items()}


@cache
def compose_raw() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return doc


def compose() -> dict[str, Any]:
    doc: dict[str, Any] = interpolate(compose_raw(), filled_env())
    return doc


def k8s_files() -> list[Path]:
    return sorted(p for p in DEPLOY.rglob("*.yaml") if p.name != "kustomization.yaml")


def load_docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def base_docs() -> list[dict[str, Any]]:
    return [
        d
        for p in sorted((DEPLOY / "base").glob("*.yaml"))
        if p.name != "kustomization.yaml"
        for d in load_docs(p)
    ]


@cache
def app(service: str) -> FastAPI:
    """The service's app as its factory builds it (not started: routes only)."""
    s = SERVABLE[service]
    secrets: dict[str, Any] = {"internal_secret": "test-internal-secret"}
    if service == "gateway":
        secrets["jwt_secret"] = "test-gateway-jwt-secret-at-least-32-bytes"
    if service == "web":  # a client of the gateway: no internal secret, its own cookie key
        secrets = {"session_secret": "test-web-session-secret-0123456789"}
    return s.factory()(settings=s.settings_class()(environment="test", **secrets))


def routes(service: str) -> set[str]:
    return {r.path for r in app(service).routes if isinstance(r, APIRoute | Route)}


def settings_env(prefix: str) -> set[str]:
    """The environment variable names a settings class reads (prefix + field name)."""
    if prefix == "BOOTSTRAP":  # the bucket bootstrap reads a fixed list, not a settings class
        from services.evidence.storage.bootstrap import ENV

        return set(ENV)
    from pydantic_settings import BaseSettings

    from services.scheduler.__main__ import SchedulerSettings

    classes: dict[str, type[BaseSettings]] = {s.env_prefix: s.settings_class() for s in SERVABLE.values()}

    classes.update({"FAKE_CSDL_": FakeCsdlSettings, "SCHEDULER_": SchedulerSettings})
    cls = classes[prefix]
    return {prefix + name.upper() for name in cls.model_fields}


def allowed_env(prefixes: list[str]) -> set[str]:
    return set(PROCESS_ENV).union(*(settings_env(p) for p in prefixes))


def module_exists(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def module_accepts(module: str, flag: str) -> bool:
    """The module's command line defines `flag` (its argparse source names it)."""
    spec = importlib.util.find_spec(module)
    assert spec is not None
    assert spec.origin is not None
    source = Path(spec.origin)
    texts = [source.read_text()]
    if source.name == "__init__.py":
        main = source.with_name("__main__.py")
        texts.append(main.read_text() if main.exists() else "")
    return any(f'"{flag}"' in t for t in texts)


def process_of(command: list[str]) -> tuple[str, list[str], list[str]]:
    """What a container's full command line runs: (module, its args, the env prefixes it reads)."""
    if command[:2] == ["python", "-m"]:
        module, args = command[2], command[3:]
    else:
        module, args = "services.serve", command
    if module == "services.serve":
        return module, args, [SERVABLE[args[0]].env_prefix]
    if module == "services.migrate_all":
        return module, args, [s.env_prefix for s in SERVICES.values()]
    if module.startswith("services.sync."):
        return module, args, ["FAKE_CSDL_"] if module.endswith("fake_csdl") else ["SYNC_"]
    if module == "services.scheduler":
        return module, args, ["SCHEDULER_"]
    if module == "services.evidence.storage.bootstrap":
        return module, args, ["BOOTSTRAP"]
    raise AssertionError(f"unknown process {command}")
