"""The integrator's contract: the merged OpenAPI document as the embedded run serves it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from services.gateway.openapi_export import build


@pytest.fixture(scope="session")
def served() -> dict[str, Any]:
    """Built once per run (the embedded run takes seconds to start)."""
    return asyncio.run(build())
