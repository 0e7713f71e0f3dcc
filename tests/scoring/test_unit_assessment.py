"""The unit's own assessment under the example unit framework, worked by hand."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from services.scoring.assessments.models import Assessment, State
from services.scoring.units.model import UnitFramework, load_units
from shared.contracts import AssessmentKind
from shared.framework.lint import lint
from shared.principal import HEADER, verify_principal
from tests.conftest import SECRET
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
                kind=AssessmentKind.SELF,
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
    """Four schools under so-79, scoring run without sync. Group 1 at level ≥ 2: 2/4 = 50% → 15;
    group 2: 3/4 = 75% → 15; overall level 3: 1/4 = 25% → 10; 2.3.8 deployed: 2/4 = 50% → 10; on
    time: not available (no sync here) → 0. Criterion 1.1 = 40 (level 2), 1.2 = 10 (level 1), the
    unit 50 points, level 2."""
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
        "1.2.2": (None, 4),
    }
    on_time = body["indicators"][-1]
    assert on_time["available"] is False
    assert "not connected" in on_time["why"]["en"]
    (g,) = body["score"]["groups"]
    assert [(c["code"], c["points"], c["level"]) for c in g["criteria"]] == [("1.1", 40, 2), ("1.2", 10, 1)]
    assert (g["points"], g["level"]) == (50, 2)


def sync_answering(statuses: dict[str, str] | None, seen: list[httpx.Request]) -> httpx.AsyncClient:
    """A stand-in for sync's timeliness route: `statuses` per school, or None to fail (502); it
    answers two rows a page, whatever limit is asked, so the caller must follow `next_cursor`."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if statuses is None:
            return httpx.Response(502)
        rows = [{"school_code": c, "status": st} for c, st in sorted(statuses.items())]
        at = int(request.url.params.get("cursor", "0"))
        nxt = str(at + 2) if at + 2 < len(rows) else None
        return httpx.Response(200, json={"items": rows[at : at + 2], "next_cursor": nxt, "total": len(rows)})

    return httpx.AsyncClient(transport=httpx.MockTransport(handler), base_url="http://sync")


@pytest.mark.asyncio
async def test_share_on_time_from_sync(org, app):
    """Sync says three of the four schools are on time, one of them (79999001) outside so-79's
    subtree: 2/4 = 50% → 10 points; criterion 1.2 = 10 + 10 = 20 (level 2), the unit 60 points.
    Sync is asked for the unit's province with the caller's own principal."""
    seen: list[httpx.Request] = []
    statuses = {"79701001": "on_time", "79701002": "late", "79702001": "on_time", "79999001": "on_time",
                "79000001": "missing"}  # fmt: skip
    app.state.calendar.http = sync_answering(statuses, seen)
    try:
        r = await org.get(URL.format("so-79"), params={"year": Y1}, headers=SO_OFFICER)
    finally:
        app.state.calendar.http = None
    assert r.status_code == 200, r.text
    body = r.json()
    on_time = next(i for i in body["indicators"] if i["item"] == "1.2.2")
    assert (on_time["available"], on_time["numerator"], on_time["denominator"]) == (True, 2, 4)
    (g,) = body["score"]["groups"]
    assert [(c["code"], c["points"], c["level"]) for c in g["criteria"]] == [("1.1", 40, 2), ("1.2", 20, 2)]
    assert (g["points"], g["level"]) == (60, 2)
    assert len(seen) == 3  # five rows, two a page: every page read
    call = seen[0]
    assert (call.url.path, dict(call.url.params)) == (
        "/api/v1/sync/timeliness",
        {"school_year": Y1, "kind": "self", "province": "79", "limit": "500"},
    )
    assert [r.url.params.get("cursor") for r in seen] == [None, "2", "4"]
    assert verify_principal(call.headers[HEADER], SECRET).sub == "officer-so"


@pytest.mark.asyncio
async def test_sync_not_answering_is_503(org, app):
    app.state.calendar.http = sync_answering(None, [])
    try:
        r = await org.get(URL.format("so-79"), params={"year": Y1}, headers=SO_OFFICER)
    finally:
        app.state.calendar.http = None
    assert r.status_code == 503
    assert r.json()["code"] == "timeliness_unavailable"


@pytest.mark.asyncio
async def test_scope_and_unknown_framework(org):
    assert (await org.get(URL.format("so-79"), params={"year": Y1}, headers=OFFICER_B)).status_code == 404
    r = await org.get(URL.format("so-79"), params={"year": Y1, "framework": "nope"}, headers=SO_OFFICER)
    assert r.status_code == 404
    assert r.json()["code"] == "unit_framework_not_found"
