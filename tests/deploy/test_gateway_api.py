"""The Gateway API component routes exactly the paths the Ingress routes, to the gateway's port,
and renders with the base (kustomize); the gateway pods accept the Gateway's proxies."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.conftest import DEPLOY, load_docs
from tests.deploy.test_kubernetes import named

COMPONENT = DEPLOY / "components" / "gateway-api"


def ingress_paths() -> dict[str, set[tuple[str, str]]]:
    """The Ingress's paths per backend Service."""
    ingress = named("Ingress", "chiso-gateway", load_docs(DEPLOY / "base" / "ingress.yaml"))
    kinds = {"Prefix": "PathPrefix", "Exact": "Exact"}
    out: dict[str, set[tuple[str, str]]] = {}
    for p in ingress["spec"]["rules"][0]["http"]["paths"]:
        out.setdefault(p["backend"]["service"]["name"], set()).add((kinds[p["pathType"]], p["path"]))
    return out


def test_the_route_matches_the_ingress_paths_and_port():
    route = named("HTTPRoute", "chiso-gateway", load_docs(COMPONENT / "httproute.yaml"))
    by_backend: dict[str, set[tuple[str, str]]] = {}
    for rule in route["spec"]["rules"]:
        [backend] = rule["backendRefs"]
        name = backend["name"]
        service = named("Service", name, load_docs(DEPLOY / "base" / f"{name.removeprefix('chiso-')}.yaml"))
        assert backend["port"] == service["spec"]["ports"][0]["port"]
        by_backend[name] = {(m["path"]["type"], m["path"]["value"]) for m in rule["matches"]}
    assert by_backend == ingress_paths()
    assert set(by_backend) == {"chiso-gateway", "chiso-web"}
    gateway = named("Gateway", "chiso", load_docs(COMPONENT / "gateway.yaml"))
    assert route["spec"]["parentRefs"][0]["sectionName"] in {
        li["name"] for li in gateway["spec"]["listeners"]
    }
    assert not {v for paths in ingress_paths().values() for _, v in paths} & {"/metrics", "/readyz"}


def test_the_resources_have_the_gateway_api_v1_shape():
    """The fields the v1 CRDs require, with their types (the CRD schemas are not bundled offline)."""
    gateway = named("Gateway", "chiso", load_docs(COMPONENT / "gateway.yaml"))
    assert gateway["apiVersion"] == "gateway.networking.k8s.io/v1"
    assert isinstance(gateway["spec"]["gatewayClassName"], str)
    for listener in gateway["spec"]["listeners"]:
        assert {"name", "protocol", "port"} <= set(listener)
        assert listener["protocol"] in {"HTTP", "HTTPS"}
        assert isinstance(listener["port"], int)
    route = named("HTTPRoute", "chiso-gateway", load_docs(COMPONENT / "httproute.yaml"))
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    for rule in route["spec"]["rules"]:
        assert len(rule["matches"]) <= 64
        assert all(m["path"]["type"] in {"Exact", "PathPrefix"} for m in rule["matches"])
        assert all(m["path"]["value"].startswith("/") for m in rule["matches"])


def test_it_renders_with_the_base(tmp_path: Path):
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        if os.environ.get("CI"):
            pytest.fail("kubectl (with its built-in kustomize) is not installed")
        pytest.skip("kubectl (with its built-in kustomize) is not installed")
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "kustomization.yaml").write_text(
        yaml.safe_dump(
            {
                "apiVersion": "kustomize.config.k8s.io/v1beta1",
                "kind": "Kustomization",
                "resources": [os.path.relpath(DEPLOY / "base", overlay)],
                "components": [os.path.relpath(COMPONENT, overlay)],
            }
        )
    )
    out = subprocess.run(
        [kubectl, "kustomize", str(overlay)], check=True, capture_output=True, text=True
    ).stdout
    docs: list[dict[str, Any]] = [d for d in yaml.safe_load_all(out) if d]
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert {("HTTPRoute", "chiso-gateway"), ("Gateway", "chiso"), ("Ingress", "chiso-gateway")} <= kinds
    policy = named("NetworkPolicy", "chiso-gateway-from-gateway-api", docs)
    assert policy["spec"]["ingress"][0]["ports"] == [{"protocol": "TCP", "port": 8000}]
