"""The lock files (`make lock`) hold every direct pin of pyproject.toml at its version, a hash for
every package, and are what make, the Dockerfile and CI install (with `--require-hashes`)."""

from __future__ import annotations

import re
import tomllib

import pytest
from packaging.requirements import Requirement

from tests.deploy.conftest import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
RUNTIME = ROOT / "requirements" / "runtime.lock"
DEV = ROOT / "requirements" / "dev.lock"


def norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(reqs: list[str]) -> dict[str, str]:
    out = {}
    for r in map(Requirement, reqs):
        [spec] = r.specifier
        assert spec.operator == "==", f"{r} is not pinned"
        out[norm(r.name)] = spec.version
    return out


def locked(path) -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes) of a pip-compile lock file."""
    text = path.read_text()
    entries = re.findall(
        r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})*)", text, re.M
    )
    return {norm(n): (v, h.count("--hash=")) for n, v, h in entries}


@pytest.mark.parametrize(
    ("lock", "reqs"),
    [(RUNTIME, PYPROJECT["dependencies"]),
     (DEV, PYPROJECT["dependencies"] + PYPROJECT["optional-dependencies"]["dev"])],
)  # fmt: skip
def test_every_pin_is_locked_at_its_version_with_hashes(lock, reqs):
    have = locked(lock)
    stale = {
        n: (v, have.get(n, ("missing",))[0]) for n, v in pins(reqs).items() if have.get(n, ("",))[0] != v
    }
    assert not stale, f"pyproject.toml and {lock.name} differ, run `make lock`: {stale}"
    assert all(hashes >= 1 for _, hashes in have.values())


def test_the_runtime_lock_holds_no_dev_tool():
    dev_only = set(pins(PYPROJECT["optional-dependencies"]["dev"])) - set(pins(PYPROJECT["dependencies"]))
    assert not dev_only & set(locked(RUNTIME))


def test_dev_heavyweights_stay_out():
    """moto with its S3 backend only: none of `moto[server]`'s other services' dependencies."""
    assert not {"cfn-lint", "docker", "aws-xray-sdk", "openapi-spec-validator", "joserfc"} & set(locked(DEV))


def test_make_the_dockerfile_and_ci_install_from_the_locks():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet --require-hashes -r $(DEV_LOCK)" in makefile
    assert re.search(r"^lock:", makefile, re.M)
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes --no-deps -r requirements/runtime.lock" in dockerfile
    assert "make test" in (ROOT / ".ci" / "run").read_text()
