"""The operations guide names only variables, commands and paths that exist."""

from __future__ import annotations

import re

import pytest

from services.serve import SERVICES
from tests.deploy.conftest import ROOT, allowed_env, env_example, module_exists, routes

GUIDE = (ROOT / "docs" / "operations.md").read_text()
PREFIXES = [*(s.env_prefix for s in SERVICES.values()), "FAKE_CSDL_"]


def test_every_service_variable_named_exists():
    named = set(re.findall(r"\b(?:SCORING|EVIDENCE|SYNC|GATEWAY|FAKE_CSDL)_[A-Z0-9_]*[A-Z0-9]\b", GUIDE))
    compose_vars = set(env_example())
    unknown = named - allowed_env(PREFIXES) - compose_vars
    assert not unknown


@pytest.mark.parametrize("module", sorted(set(re.findall(r"python -m ([a-z_.]+)", GUIDE))))
def test_every_command_named_exists(module):
    assert module_exists(module)


def test_every_service_in_the_process_table_has_its_port():
    for name, service in SERVICES.items():
        assert re.search(rf"`python -m services\.serve {name}`[^|]*\| {service.port} \|", GUIDE), name


def test_the_health_paths_named_exist():
    for path in re.findall(r"`GET (/[a-z]+)`", GUIDE):
        assert path in routes("scoring")
