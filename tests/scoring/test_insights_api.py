"""The insights routes over HTTP: scope like the assessment's, the contract the web workspace reads."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from services.scoring.assessments.models import Assessment, State
from services.scoring.frameworks.examples import PRIMARY_SCHOOL
from shared.contracts import AssessmentKind
from tests.org import OFFICER_A, OFFICER_B, STAFF, VENDOR

pytestmark = pytest.mark.asyncio
BASE = "/api/v1/schools/79701001/assessments/2024-2025"


@pytest.fixture
async def org(client: httpx.AsyncClient, province: None) -> httpx.AsyncClient:
    return client


async def put_self(
    c: httpx.AsyncClient, facts: dict[str, Any], awarded: dict[str, Any] | None = None
) -> None:
    r = await c.put(f"{BASE}/self", json={"facts": facts, "awarded": awarded or {}}, headers=VENDOR)
    assert r.status_code in (200, 201), r.text


class TestNextLevel:
    async def test_contract_and_figures(self, org):
        await put_self(org, PRIMARY_SCHOOL["facts"], PRIMARY_SCHOOL["awarded"])
        r = await org.get(f"{BASE}/self/next-level", headers=STAFF)
        assert r.status_code == 200, r.text
        g1 = r.json()["groups"][0]
        assert (g1["code"], g1["level"], g1["points"], g1["target_level"], g1["reachable"]) == (
            "1",
            2,
            "64.50",
            3,
            True,
        )
        best = g1["options"][0]
        assert (best["effort"], best["points_after"]) == ("2", "76.50")
        ch = best["changes"][0]
        assert (ch["item"], ch["from"], ch["to"], ch["points_gained"]) == (
            "1.3.4",
            {"deployed": False},
            {"deployed": True},
            "6.00",
        )
        assert ch["why"]["vi"].startswith("Triển khai 1.3.4")
        assert "+6 points" in ch["why"]["en"]
        assert "75.01" in g1["why"]["en"]

    async def test_scoped_like_the_assessment(self, org):
        await put_self(org, PRIMARY_SCHOOL["facts"])
        assert (await org.get(f"{BASE}/self/next-level", headers=OFFICER_B)).status_code == 404
        assert (await org.get(f"{BASE}/self/next-level", headers=OFFICER_A)).status_code == 200
        assert (await org.get(f"{BASE}/external/next-level", headers=OFFICER_A)).status_code == 404
        assert (await org.get(f"{BASE}/other/next-level", headers=OFFICER_A)).status_code == 422


class TestSchoolYearOnYear:
    async def test_change_against_last_year(self, org, app):
        """64.5 this year (level 2) against 40 last year (level 1): +24.5, one level up."""
        await put_self(org, PRIMARY_SCHOOL["facts"], PRIMARY_SCHOOL["awarded"])
        async with app.state.session_factory() as s, s.begin():
            s.add(
                Assessment(
                    id=str(uuid.uuid4()),
                    school_code="79701001",
                    school_year="2023-2024",
                    kind=AssessmentKind.SELF,
                    framework="qd4725-2022@1",
                    state=State.APPROVED,
                    g1_points=Decimal(40),
                    g1_level=1,
                )
            )
        r = await org.get(f"{BASE}/self/year-on-year", headers=STAFF)
        assert r.status_code == 200, r.text
        body = r.json()
        g1 = body["groups"][0]
        assert (g1["points"], g1["previous_points"], g1["change"], g1["level_change"]) == (
            "64.50",
            "40.00",
            "24.50",
            1,
        )
        assert (body["state"], body["previous_state"]) == ("draft", "approved")
        assert body["groups"][1]["change"] is None  # last year's group 2 was never scored
        assert (await org.get(f"{BASE}/self/year-on-year", headers=OFFICER_B)).status_code == 404
