"""Improvement plans: written whole, validated like facts, progress against the next year's facts,
carried into the next year's plan, scoped and limited to the school's roles."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest

from services.scoring.assessments.models import Assessment, State
from shared.contracts import AssessmentKind
from tests.org import OFFICER_A, OFFICER_B, STAFF, VENDOR

pytestmark = pytest.mark.asyncio
Y1, Y2 = "2024-2025", "2025-2026"
PLAN = "/api/v1/schools/79701001/assessments/{}/plan"
START = {"1.4.1": {"count": 35}, "1.6.3": {"numerator": 12, "denominator": 50}}
TARGETS = [
    {"item": "1.4.1", "target": {"count": 40}, "owner": "Tổ Tin học", "due": "2025-05-31"},
    {
        "item": "1.6.3",
        "target": {"numerator": 31, "denominator": 50},
        "owner": "Phó hiệu trưởng",
        "due": "2025-12-31",
    },
    {
        "item": "lms",
        "target": {"deployed": True},
        "owner": "Hiệu trưởng",
        "due": "2025-09-30",
        "note": "K12Online",
    },
]


async def assessment(app: Any, year: str, facts: dict[str, Any]) -> None:
    async with app.state.session_factory() as s, s.begin():
        s.add(
            Assessment(
                id=str(uuid.uuid4()),
                school_code="79701001",
                school_year=year,
                kind=AssessmentKind.SELF,
                framework="qd4725-2022@1",
                state=State.DRAFT,
                facts=facts,
            )
        )


@pytest.fixture
async def org(client: httpx.AsyncClient, app: Any, province: None) -> httpx.AsyncClient:
    await assessment(app, Y1, START)
    return client


def progress(body: dict[str, Any], key: str = "targets") -> dict[str, tuple[str, str | None, str | None]]:
    return {
        t["item"]: (t["progress"]["status"], t["progress"]["reached_points"], t["progress"]["target_points"])
        for t in body[key]
    }


async def test_progress_against_next_year_and_carried(org, app):
    r = await org.put(PLAN.format(Y1), json={"targets": TARGETS}, headers=STAFF)
    assert r.status_code == 200, r.text
    assert {t["progress"]["status"] for t in r.json()["targets"]} == {"no_assessment"}
    # next year: 40 materials (10 points, the target), 15/50 = 30% (4 points: up from 2, short of 6)
    await assessment(app, Y2, {"1.4.1": {"count": 40}, "1.6.3": {"numerator": 15, "denominator": 50}})
    body = (await org.get(PLAN.format(Y1), headers=OFFICER_A)).json()
    assert progress(body) == {
        "1.4.1": ("met", "10.00", "10.00"),
        "1.6.3": ("improved", "4.00", "6.00"),
        "lms": ("not_met", "0.00", "1.00"),
    }
    nxt = (await org.get(PLAN.format(Y2), headers=STAFF)).json()
    assert nxt["targets"] == []
    assert progress(nxt, "carried") == progress(body)
    assert {t["from_year"] for t in nxt["carried"]} == {Y1}


async def test_bad_plan_is_422_and_writes_nothing(org):
    assert (await org.put(PLAN.format(Y1), json={"targets": TARGETS[:1]}, headers=STAFF)).status_code == 200
    bad = [
        {**TARGETS[0], "target": {"count": -1}},
        {**TARGETS[0], "due": "2027-01-01"},
        {**TARGETS[1], "item": "9.9.9"},
    ]
    r = await org.put(PLAN.format(Y1), json={"targets": bad}, headers=STAFF)
    assert r.status_code == 422
    pointers = {(e["pointer"], e["code"]) for e in r.json()["validation_errors"]}
    assert any(p == "/targets/0/target/count" for p, _ in pointers), pointers
    assert ("/targets/1/item", "duplicate_item") in pointers
    assert ("/targets/1/due", "due_out_of_range") in pointers
    assert ("/targets/2/item", "unknown_code") in pointers
    body = (await org.get(PLAN.format(Y1), headers=STAFF)).json()
    assert [t["item"] for t in body["targets"]] == ["1.4.1"]


async def test_who_may_write(org):
    body = {"targets": TARGETS[:1]}
    assert (await org.put(PLAN.format(Y1), json=body, headers=OFFICER_B)).status_code == 404
    assert (await org.get(PLAN.format(Y1), headers=OFFICER_B)).status_code == 404
    for headers in (OFFICER_A, VENDOR):
        r = await org.put(PLAN.format(Y1), json=body, headers=headers)
        assert r.status_code == 403, r.text
    assert (await org.get(PLAN.format(Y2), headers=STAFF)).status_code == 404  # no assessment, no plan


@pytest.mark.commits
async def test_concurrent_puts_leave_one_whole_plan(org):
    a = {"targets": TARGETS[:2]}
    b = {"targets": TARGETS[2:]}
    rs = await asyncio.gather(*(org.put(PLAN.format(Y1), json=x, headers=STAFF) for x in (a, b, a, b)))
    assert [r.status_code for r in rs] == [200] * 4
    items = {t["item"] for t in (await org.get(PLAN.format(Y1), headers=STAFF)).json()["targets"]}
    assert items in ({"1.4.1", "1.6.3"}, {"lms"})
