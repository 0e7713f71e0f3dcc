from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from services.scoring.config import DOCUMENTS
from services.scoring.engine import CompiledFramework, ScoreInput, ScoreResult, compile_framework, score
from services.scoring.engine.vocabulary import parse_input
from shared.framework.loader import load_directory
from shared.framework.model import Framework


@pytest.fixture(scope="session")
def qd4725() -> Framework:
    (fw,) = [f for f in load_directory(DOCUMENTS) if f.id == "qd4725-2022"]
    return fw


@pytest.fixture(scope="session")
def cf(qd4725: Framework) -> CompiledFramework:
    return compile_framework(qd4725)


@pytest.fixture(scope="session")
def run(cf: CompiledFramework) -> Callable[..., ScoreResult]:
    """Score raw vocabulary (as a client sends it); fails the test on any validation error."""

    def _run(
        facts: dict[str, Any], levels: list[str] | None = None, awarded: dict[str, Any] | None = None
    ) -> ScoreResult:
        inp, errors = parse_input(cf, levels or ["TH"], facts, awarded or {})
        assert not errors, errors
        assert isinstance(inp, ScoreInput)
        return score(cf, inp)

    return _run


def item(r: ScoreResult, code: str) -> Any:
    return next(i for g in r.groups for c in g.criteria for i in c.items if i.code == code)


def criterion(r: ScoreResult, code: str) -> Any:
    return next(c for g in r.groups for c in g.criteria if c.code == code)


def group(r: ScoreResult, code: str) -> Any:
    return next(g for g in r.groups if g.code == code)


# --- database-backed fixtures -----------------------------------------------------------------

from collections.abc import AsyncIterator  # noqa: E402

import httpx  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncConnection  # noqa: E402

from tests.conftest import asgi, scoring_service  # noqa: E402
from tests.harness import Database  # noqa: E402


@pytest.fixture
async def app(scoring_database: Database, scoring_conn: AsyncConnection | None) -> AsyncIterator[Any]:
    """A scoring app of the test's own (tests here change its state), on the test's connection."""
    async with scoring_service(scoring_database.url, scoring_conn) as application:
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with asgi(app, "scoring") as c:
        yield c
