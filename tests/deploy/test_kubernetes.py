"""deploy/: every manifest valid against the Kubernetes API schemas (offline, strict), the
production overlay renders and is valid too, and everything the manifests name exists."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

from services.serve import SERVABLE, SERVICES
from tests.deploy.conftest import (
    DEPLOY,
    K8S_VERSION,
    allowed_env,
    base_docs,
    load_docs,
    module_accepts,
    module_exists,
    process_of,
    routes,
)

PATCHES = {"endpoints.yaml", "gateway-capacity.yaml"}  # partial documents, merged by kustomize
DOCS = base_docs()


def of_kind(kind: str, docs: list[dict[str, Any]] = DOCS) -> list[dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind]


def named(kind: str, name: str, docs: list[dict[str, Any]] = DOCS) -> dict[str, Any]:
    [found] = [d for d in of_kind(kind, docs) if d["metadata"]["name"] == name]
    return found


def pod_specs(docs: list[dict[str, Any]] = DOCS) -> list[tuple[str, dict[str, Any]]]:
    pods = [
        (d["metadata"]["name"], d["spec"]["template"]) for d in docs if d["kind"] in {"Deployment", "Job"}
    ]
    cron = [
        (d["metadata"]["name"], d["spec"]["jobTemplate"]["spec"]["template"])
        for d in of_kind("CronJob", docs)
    ]
    return pods + cron


def selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


CRD_GROUPS = ("gateway.networking.k8s.io/",)  # not in the bundled schemas: test_gateway_api.py checks them


def validation_errors(docs: list[dict[str, Any]]) -> list[str]:
    errors = []
    for d in docs:
        if d["apiVersion"].startswith(CRD_GROUPS):
            continue
        try:
            kubernetes_validate.validate(d, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{d['kind']}/{d['metadata']['name']}: {e.message}")
    return errors


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        if os.environ.get("CI"):  # this machine kind has it: in CI its absence is a failure
            pytest.fail("kubectl (with its built-in kustomize) is not installed: overlay not rendered")
        pytest.skip("kubectl (with its built-in kustomize) is not installed: overlay not rendered")
    out = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY / "overlays" / "production")],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [d for d in yaml.safe_load_all(out) if d]


class TestSchemas:
    @pytest.mark.parametrize(
        "path",
        [p for p in sorted(DEPLOY.rglob("*.yaml")) if p.name not in PATCHES | {"kustomization.yaml"}],
        ids=lambda p: str(p.relative_to(DEPLOY)),
    )
    def test_every_manifest_is_valid(self, path: Path):
        assert validation_errors(load_docs(path)) == []

    def test_the_production_overlay_renders_valid_manifests(self, production):
        assert validation_errors(production) == []
        assert {d["metadata"].get("namespace") for d in production if d["kind"] != "Namespace"} == {"chiso"}
        images = {c["image"] for _, t in pod_specs(production) for c in t["spec"]["containers"]}
        assert len(images) == 1
        assert ":" in images.pop()  # one released image, by tag or digest

    def test_the_validation_catches_mistakes(self):
        broken = yaml.safe_load(yaml.safe_dump(named("Deployment", "chiso-scoring")))
        broken["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/x"
        broken["spec"]["selector"] = "scoring"
        assert len(validation_errors([broken])) == 1  # one document, reported once


class TestKustomizations:
    @pytest.mark.parametrize("kustomization", sorted(DEPLOY.rglob("kustomization.yaml")), ids=str)
    def test_every_resource_and_patch_file_exists(self, kustomization: Path):
        doc = yaml.safe_load(kustomization.read_text())
        named_paths = [*doc.get("resources", []), *(p["path"] for p in doc.get("patches", []) if "path" in p)]
        assert named_paths
        for rel in named_paths:
            target = kustomization.parent / rel
            assert target.is_file() or (target / "kustomization.yaml").is_file(), rel

    def test_every_base_file_is_listed(self):
        doc = yaml.safe_load((DEPLOY / "base" / "kustomization.yaml").read_text())
        files = {p.name for p in (DEPLOY / "base").glob("*.yaml")} - {"kustomization.yaml"}
        assert set(doc["resources"]) == files


class TestWorkloads:
    @pytest.mark.parametrize("name", [n for n, _ in pod_specs()])
    def test_pods_run_non_root_read_only_with_resources(self, name):
        [spec] = [t["spec"] for n, t in pod_specs() if n == name]
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["automountServiceAccountToken"] is False
        for c in spec["containers"]:
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True
            assert sc["allowPrivilegeEscalation"] is False
            assert sc["capabilities"]["drop"] == ["ALL"]
            assert {"cpu", "memory"} <= set(c["resources"]["requests"])
            assert "memory" in c["resources"]["limits"]

    @pytest.mark.parametrize("name", [n for n, _ in pod_specs()])
    def test_the_command_and_flags_exist(self, name):
        [spec] = [t["spec"] for n, t in pod_specs() if n == name]
        for c in spec["containers"]:
            module, args, _ = process_of([*c.get("command", []), *c.get("args", [])])
            assert module_exists(module)
            for flag in (a for a in args if a.startswith("--")):
                assert module_accepts(module, flag), f"{module} has no {flag}"

    @pytest.mark.parametrize("name", [n for n, _ in pod_specs()])
    def test_every_variable_is_a_setting_of_the_process(self, name):
        [spec] = [t["spec"] for n, t in pod_specs() if n == name]
        maps = {m["metadata"]["name"]: m["data"] for m in of_kind("ConfigMap")}
        for c in spec["containers"]:
            _, _, prefixes = process_of([*c.get("command", []), *c.get("args", [])])
            names = {e["name"] for e in c.get("env", [])}
            for ref in c.get("envFrom", []):
                names |= set(maps[ref["configMapRef"]["name"]])  # the ConfigMap exists
            unknown = names - allowed_env(prefixes)
            assert not unknown, f"{name}: not read by {prefixes}: {sorted(unknown)}"

    def test_the_migration_job_gets_the_database_urls_and_nothing_else(self):
        [c] = named("Job", "chiso-migrate")["spec"]["template"]["spec"]["containers"]
        assert "envFrom" not in c
        assert {e["name"] for e in c["env"]} == {f"{s.env_prefix}DATABASE_URL" for s in SERVICES.values()}

    def test_secrets_are_referenced_never_shipped(self):
        assert of_kind("Secret") == []
        refs = {
            e["valueFrom"]["secretKeyRef"]["name"]
            for _, t in pod_specs()
            for c in t["spec"]["containers"]
            for e in c.get("env", [])
            if "valueFrom" in e
        }
        assert refs == {"chiso-secrets"}
        for m in of_kind("ConfigMap"):
            for key in m["data"]:
                assert not any(w in key for w in ("SECRET", "PASSWORD", "DATABASE_URL")), key

    @pytest.mark.parametrize(
        "name", ["chiso-scoring", "chiso-evidence", "chiso-sync-api", "chiso-gateway", "chiso-web"]
    )
    def test_probes_call_existing_paths_on_the_serving_port(self, name):
        c = named("Deployment", name)["spec"]["template"]["spec"]["containers"][0]
        service = c["args"][0]
        port = int(c["args"][c["args"].index("--port") + 1])
        assert port == SERVABLE[service].port == c["ports"][0]["containerPort"]
        assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            get = c[probe]["httpGet"]
            assert get["port"] in {"http", port}
            assert get["path"] in routes(service), (service, probe, get["path"])


class TestRouting:
    def test_services_select_their_deployments_pods_on_a_named_port(self):
        for svc in of_kind("Service"):
            pods = [
                t
                for n, t in pod_specs()
                if selects({"matchLabels": svc["spec"]["selector"]}, t["metadata"]["labels"])
            ]
            assert len(pods) == 1, svc["metadata"]["name"]
            port_names = {p["name"] for c in pods[0]["spec"]["containers"] for p in c.get("ports", [])}
            assert {p["targetPort"] for p in svc["spec"]["ports"]} <= port_names

    def test_only_the_gateway_and_the_web_workspace_are_exposed_by_the_ingress(self):
        backends = {
            p["backend"]["service"]["name"]
            for ing in of_kind("Ingress")
            for rule in ing["spec"]["rules"]
            for p in rule["http"]["paths"]
        }
        assert backends == {"chiso-gateway", "chiso-web"}
        named("Service", "chiso-gateway")
        named("Service", "chiso-web")

    def test_the_ingress_exposes_public_paths_only(self):
        """/metrics and /readyz are for the cluster: no ingress path may reach them."""
        rules = [
            (p["path"], p["pathType"])
            for ing in of_kind("Ingress")
            for r in ing["spec"]["rules"]
            for p in r["http"]["paths"]
        ]
        paths = [p for p, _ in rules]
        assert ("/", "Prefix") not in rules  # the web's home page is "/" Exact, nothing below it
        for inside in ("/metrics", "/readyz"):
            for path, kind in rules:
                reaches = inside.startswith(path.rstrip("/")) if kind == "Prefix" else inside == path
                assert not reaches, (inside, path)
        assert {"/api/v1/", "/oauth/", "/graphql", "/healthz"} <= set(paths)

    def test_autoscalers_and_disruption_budgets_target_existing_deployments(self):
        deployments = {d["metadata"]["name"]: d for d in of_kind("Deployment")}
        for hpa in of_kind("HorizontalPodAutoscaler"):
            assert hpa["spec"]["scaleTargetRef"]["name"] in deployments
            assert "replicas" not in deployments[hpa["spec"]["scaleTargetRef"]["name"]]["spec"]
        for pdb in of_kind("PodDisruptionBudget"):
            matched = [
                d
                for d in deployments.values()
                if selects(pdb["spec"]["selector"], d["spec"]["template"]["metadata"]["labels"])
            ]
            assert len(matched) == 1, pdb["metadata"]["name"]
        assert {h["spec"]["scaleTargetRef"]["name"] for h in of_kind("HorizontalPodAutoscaler")} == set(
            deployments
        )


class TestNetworkPolicies:
    def pods_by_component(self) -> dict[str, dict[str, str]]:
        return {
            t["metadata"]["labels"]["app.kubernetes.io/component"]: t["metadata"]["labels"]
            for _, t in pod_specs()
        }

    def allowed_sources(self, component: str) -> set[str]:
        pods = self.pods_by_component()
        sources: set[str] = set()
        for np in of_kind("NetworkPolicy"):
            if np["spec"]["podSelector"] and selects(np["spec"]["podSelector"], pods[component]):
                for rule in np["spec"].get("ingress", []):
                    for peer in rule["from"]:
                        if "podSelector" in peer:
                            sources |= {
                                c for c, labels in pods.items() if selects(peer["podSelector"], labels)
                            }
                        else:
                            sources.add(
                                peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                            )
        return sources

    def test_every_selector_matches_a_deployment(self):
        pods = self.pods_by_component()
        for np in of_kind("NetworkPolicy"):
            selectors = [np["spec"]["podSelector"]] + [
                peer["podSelector"]
                for r in np["spec"].get("ingress", [])
                for peer in r["from"]
                if "podSelector" in peer
            ]
            for sel in selectors:
                if sel:  # {} is the whole namespace (the default deny)
                    assert any(selects(sel, labels) for labels in pods.values()), (
                        np["metadata"]["name"],
                        sel,
                    )

    def test_ingress_is_denied_unless_allowed(self):
        assert any(
            np["spec"]["podSelector"] == {} and "ingress" not in np["spec"] for np in of_kind("NetworkPolicy")
        )

    @pytest.mark.parametrize(
        ("component", "sources"),
        [
            ("gateway", {"ingress-nginx", "web", "sync-api", "sync-worker", "scheduler", "monitoring"}),
            ("web", {"ingress-nginx", "monitoring"}),
            ("scoring", {"gateway", "evidence", "sync-api", "sync-worker", "scheduler", "monitoring"}),
            ("evidence", {"gateway", "scoring", "scheduler", "monitoring"}),  # scoring: evidence references
            (
                "sync-api",
                {"gateway", "sync-worker", "scoring", "scheduler", "monitoring"},
            ),  # scoring: the calendar
            ("sync-worker", set()),
            ("migrate", set()),
            ("scheduler", set()),
        ],
    )
    def test_who_may_call_whom(self, component, sources):
        assert self.allowed_sources(component) == sources

    def test_policies_open_the_port_the_service_serves(self):
        for np in of_kind("NetworkPolicy"):
            for rule in np["spec"].get("ingress", []):
                component = np["spec"]["podSelector"]["matchLabels"]["app.kubernetes.io/component"]
                svc = named("Service", f"chiso-{component}")
                assert {p["port"] for p in rule["ports"]} == {p["port"] for p in svc["spec"]["ports"]}
