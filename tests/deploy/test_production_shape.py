"""The production shape of deploy/: default-deny egress with the needed exceptions, a preStop pause
and keep-alive timing that avoid 502s at rollouts, the database connection budget, and a
migration job that first installs can apply (its ServiceAccount comes with it)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine

from services import serve
from shared.db import create_engine
from tests.deploy.conftest import DEPLOY, base_docs
from tests.deploy.test_kubernetes import named, of_kind, pod_specs, production  # noqa: F401

DOCS = base_docs()
HTTP = ("gateway", "scoring", "evidence", "sync-api", "web")
CONNECTION_BUDGET = 400  # PostgreSQL max_connections the docs ask for (docs/operations.md)
PRIVATE = [
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")
]


def components() -> dict[str, dict[str, str]]:
    return {
        t["metadata"]["labels"]["app.kubernetes.io/component"]: t["metadata"]["labels"]
        for _, t in pod_specs()
    }


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    ok = all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())
    for e in selector.get("matchExpressions", []):
        assert e["operator"] == "In"
        ok = ok and labels.get(e["key"]) in e["values"]
    return ok


def egress_of(component: str) -> set[tuple[str, int]]:
    """(destination, port) pairs a component may reach: a component name, `dns`, `public` or `any`."""
    pods = components()
    out: set[tuple[str, int]] = set()
    for np in of_kind("NetworkPolicy", DOCS):
        if "Egress" not in np["spec"]["policyTypes"] or not selects(
            np["spec"]["podSelector"], pods[component]
        ):
            continue
        for rule in np["spec"].get("egress", []):
            dests: list[str] = []
            for peer in rule.get("to", []) or [{}]:
                if "ipBlock" in peer:
                    block = peer["ipBlock"]
                    excluded = [ipaddress.IPv4Network(n) for n in block.get("except", [])]
                    covered = [
                        any(n.network_address in e and n.broadcast_address in e for e in excluded)
                        for n in PRIVATE
                    ]
                    assert all(covered), np["metadata"]["name"]
                    dests.append("public")
                elif "namespaceSelector" in peer:
                    dests.append("dns")
                elif "podSelector" in peer:
                    dests += [c for c, labels in pods.items() if selects(peer["podSelector"], labels)]
                else:
                    dests.append("any")
            out |= {(d, p["port"]) for d in dests for p in rule["ports"]}
    return out


class TestEgress:
    def test_outbound_traffic_is_denied_by_default(self):
        assert any(
            np["spec"]["podSelector"] == {}
            and np["spec"]["policyTypes"] == ["Egress"]
            and "egress" not in np["spec"]
            for np in of_kind("NetworkPolicy", DOCS)
        )

    @pytest.mark.parametrize(
        ("component", "allowed"),
        [
            ("gateway", {("scoring", 8001), ("evidence", 8002), ("sync-api", 8003), ("any", 5432),
                         ("any", 6379), ("public", 443)}),
            ("scoring", {("any", 5432), ("evidence", 8002), ("sync-api", 8003)}),
            ("evidence", {("scoring", 8001), ("any", 5432), ("any", 443), ("any", 9000), ("public", 80),
                          ("public", 443)}),
            ("sync-api", {("scoring", 8001), ("gateway", 8000), ("any", 5432)}),
            ("sync-worker", {("scoring", 8001), ("gateway", 8000), ("any", 5432), ("public", 443)}),
            ("migrate", {("any", 5432)}),
            ("scheduler", {("scoring", 8001), ("evidence", 8002), ("sync-api", 8003), ("gateway", 8000)}),
            ("web", {("gateway", 8000), ("public", 443)}),
        ],
    )  # fmt: skip
    def test_each_component_reaches_only_what_it_needs(self, component, allowed):
        got = egress_of(component)
        assert {("dns", 53)} <= got
        # a pod-to-pod rule lists every port of the peers it names: keep only the peer's own port
        own = {"scoring": 8001, "evidence": 8002, "sync-api": 8003, "gateway": 8000}
        got = {(d, p) for d, p in got if d not in own or own[d] == p} - {("dns", 53)}
        assert got == allowed


class TestRollouts:
    @pytest.mark.parametrize("name", HTTP)
    def test_a_pre_stop_pause_and_a_grace_period_that_covers_the_drain(self, name):
        pod = named("Deployment", f"chiso-{name}", DOCS)["spec"]["template"]["spec"]
        [container] = pod["containers"]
        pause = container["lifecycle"]["preStop"]["sleep"]["seconds"]
        assert pause >= 5
        assert pod["terminationGracePeriodSeconds"] >= pause + 20 + 5  # uvicorn drains for 20 s

    def test_uvicorn_keeps_idle_connections_longer_than_the_proxies(self, monkeypatch):
        seen: dict[str, Any] = {}
        monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw))
        monkeypatch.setattr(serve, "configure_logging", lambda json_logs: None)
        monkeypatch.setenv(serve.SERVICE_ENV, "")
        monkeypatch.delenv("KEEP_ALIVE_SECONDS", raising=False)
        monkeypatch.setenv("SCORING_INTERNAL_SECRET", "test-internal-secret")  # none starts without
        serve.main(["scoring"])
        assert seen["timeout_keep_alive"] > 60  # ingress and Gateway API upstream idle timeouts: 60 s
        monkeypatch.setenv("KEEP_ALIVE_SECONDS", "90")
        serve.main(["scoring"])
        assert seen["timeout_keep_alive"] == 90


def _env(container: dict[str, Any], docs: list[dict[str, Any]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for ref in container.get("envFrom", []):
        env.update(named("ConfigMap", ref["configMapRef"]["name"], docs)["data"])
    env.update({e["name"]: e["value"] for e in container.get("env", []) if "value" in e})
    return env


def test_the_connection_budget_holds_at_full_scale(production):  # noqa: F811
    """Every Deployment at its HPA maximum plus one surge pod, each process with its full pool."""
    total = 0
    for d in of_kind("Deployment", production):
        [c] = d["spec"]["template"]["spec"]["containers"]
        env = _env(c, production)
        prefix = next((k.removesuffix("DB_POOL_SIZE") for k in env if k.endswith("DB_POOL_SIZE")), None)
        if prefix is None:  # the web workspace has no database of its own
            assert d["metadata"]["name"] == "chiso-web"
            continue
        per_process = int(env[f"{prefix}DB_POOL_SIZE"]) + int(env[f"{prefix}DB_MAX_OVERFLOW"])
        hpa = named("HorizontalPodAutoscaler", d["metadata"]["name"], production)
        pods = hpa["spec"]["maxReplicas"] + d["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
        total += pods * int(env.get("WEB_CONCURRENCY", "1")) * per_process
    assert total + 2 <= CONNECTION_BUDGET  # + the migration job and a backup
    assert str(CONNECTION_BUDGET) in (DEPLOY.parent / "docs" / "operations.md").read_text()


def test_pool_settings_reach_the_engine():
    engine: AsyncEngine = create_engine(
        "postgresql+asyncpg://u@127.0.0.1/x", pool_size=3, max_overflow=1, pool_timeout=7
    )
    pool: Any = engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout) == (3, 1, 7)


def test_first_install_applies_the_job_with_its_service_account():
    first = [d for d in DOCS if d["metadata"].get("labels", {}).get("chiso.gov.vn/apply-first") == "true"]
    kinds = {(d["kind"], d["metadata"]["name"]) for d in first}
    job = named("Job", "chiso-migrate", DOCS)
    assert ("Job", "chiso-migrate") in kinds
    assert ("ServiceAccount", job["spec"]["template"]["spec"]["serviceAccountName"]) in kinds
    assert "apply -l chiso.gov.vn/apply-first=true" in (DEPLOY / "README.md").read_text()
