"""Every error answer carries a stable `code`, and every call a service makes to another (or to
its store) is bounded by a timeout declared where its client is created."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from shared.errors import install_problem_handlers, status_problem
from shared.observability import install as install_observability

ROOT = Path(__file__).parents[2]
CLIENTS = {"AsyncClient", "Client"}  # httpx's


def _calls(name: str) -> Iterator[tuple[Path, ast.Call]]:
    for path in sorted([*(ROOT / "services").rglob("*.py"), *(ROOT / "shared").rglob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                called = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                if called == name:
                    yield path.relative_to(ROOT), node


def _keywords(call: ast.Call) -> set[str]:
    return {k.arg for k in call.keywords if k.arg}


def test_every_http_client_is_created_with_a_timeout():
    """httpx's default (5 s) is not a decision: each client names its bound. A client on an
    in-process transport (`transport=`, the embedded run and tests) reaches no network."""
    found, unbounded = 0, []
    for name in CLIENTS:
        for path, call in _calls(name):
            if isinstance(call.func, ast.Attribute) and not (
                isinstance(call.func.value, ast.Name) and call.func.value.id == "httpx"
            ):
                continue
            found += 1
            if not {"timeout", "transport"} & _keywords(call):
                unbounded.append(f"{path}:{call.lineno}")
    assert found >= 10  # the scan sees the clients
    assert not unbounded, f"httpx clients without an explicit timeout: {unbounded}"


def test_the_object_store_client_is_bounded():
    configs = [(p, c) for p, c in _calls("Config") if "storage" in str(p)]
    assert configs
    for path, call in configs:
        assert {"connect_timeout", "read_timeout"} <= _keywords(call), f"{path}:{call.lineno}"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (404, "not_found"),
        (405, "method_not_allowed"),
        (409, "conflict"),
        (502, "bad_gateway"),
        (599, "http_error"),
    ],
)
def test_a_bare_status_gets_a_stable_code_in_both_languages(status, code):
    p = status_problem(status)
    assert (p.status, p.code) == (status, code)
    assert p.message.vi
    assert p.message.en


async def test_framework_errors_and_an_unready_service_carry_a_code():
    app = FastAPI()
    install_problem_handlers(app)

    async def down() -> None:
        raise ConnectionError("database")

    install_observability(app, "probe", checks={"database": down})

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("unexpected")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://probe") as c:
        answers = {
            "unknown route": await c.get("/nowhere"),
            "wrong method": await c.delete("/readyz"),
            "crash": await c.get("/boom"),
            "not ready": await c.get("/readyz"),
        }
    codes = {what: (r.status_code, r.json().get("code")) for what, r in answers.items()}
    assert codes == {
        "unknown route": (404, "not_found"),
        "wrong method": (405, "method_not_allowed"),
        "crash": (500, "internal_error"),
        "not ready": (503, "not_ready"),
    }
    assert answers["not ready"].json()["checks"] == {"database": "failed: ConnectionError"}
