"""The unit's own assessment under the example unit framework, worked by hand."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from services.scoring.assessments.models import Assessment, State
from services.scoring.units.model import UnitFramework, load_units
from shared.framework.lint import lint
from tests.org import OFFICER_B, SO_OFFICER

Y1 = "2024-2025"
URL = "/api/v1/insights/units/{}/unit-assessment"


def test_example_is_labelled_and_lint_clean() -> None:
    doc = load_units()["example-unit-phong"]
    assert doc.example is True
    assert "không phải bộ chỉ số chính thức" in doc.notice.vi
    assert "EXAMPLE" in doc.framework.title.en
    assert [f for f in lint(doc.framework) if f.severity == "error"] == []


def test_every_item_needs_an_indicator() -> None:
    data = load_units()["example-unit-phong"].model_dump(mode="json")
    del data["indicators"]["1.2.1"]
    with pytest.raises(ValueError, match="every item"):
        UnitFramework.model_validate(data)


async def school(
    app: Any, code: str, state: State, levels: tuple[int, int, int], facts: dict[str, Any]
) -> None:
    async with app.state.session_factory() as s, s.begin():
        s.add(
            Assessment(
                id=str(uuid.uuid4()),
                school_code=code,
                school_year=Y1,
                kind="self",
                framework="qd4725-2022@1",
                state=state,
                facts=facts,
                g1_level=levels[0],
                g2_level=levels[1],
                overall_level=levels[2],
            )
        )


@pytest.fixture
async def org(client: httpx.AsyncClient, app: Any, province: None) -> httpx.AsyncClient:
    xchg = {"sms": {"deployed": True}, "2.3.8": {"deployed": True}}
    await school(app, "79701001", State.APPROVED, (2, 3, 2), xchg)
    await school(app, "79701002", State.APPROVED, (1, 2, 1), {})
    await school(app, "79702001", State.APPROVED, (3, 3, 3), xchg)
    await school(app, "79000001", State.DRAFT, (3, 3, 3), xchg)  # not finished: counts as not reported
    return client


@pytest.mark.asyncio
async def test_province_aggregates_and_score(org):
    """Four schools under so-79. Group 1 at level ≥ 2: 2/4 = 50% → 15; group 2: 3/4 = 75% → 15;
    overall level 3: 1/4 = 25% → 10; 2.3.8 deployed: 2/4 = 50% → 15. Criterion 1.1 = 40 (level 2),
    1.2 = 15 (level 2), the unit 55 points, level 2."""
    r = await org.get(URL.format("so-79"), params={"year": Y1}, headers=SO_OFFICER)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["example"] is True
    assert body["schools"] == 4
    assert {i["item"]: (i["numerator"], i["denominator"]) for i in body["indicators"]} == {
        "1.1.1": (2, 4),
        "1.1.2": (3, 4),
        "1.1.3": (1, 4),
        "1.2.1": (2, 4),
    }
    (g,) = body["score"]["groups"]
    assert [(c["code"], c["points"], c["level"]) for c in g["criteria"]] == [("1.1", 40, 2), ("1.2", 15, 2)]
    assert (g["points"], g["level"]) == (55, 2)


@pytest.mark.asyncio
async def test_scope_and_unknown_framework(org):
    assert (await org.get(URL.format("so-79"), params={"year": Y1}, headers=OFFICER_B)).status_code == 404
    r = await org.get(URL.format("so-79"), params={"year": Y1, "framework": "nope"}, headers=SO_OFFICER)
    assert r.status_code == 404
    assert r.json()["code"] == "unit_framework_not_found"
