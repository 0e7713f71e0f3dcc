"""Year on year, transitions, self versus external and good models over HTTP, on rows whose
figures are worked by hand (finished assessments are written directly: the analytics read rows,
whatever path wrote them)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import httpx
import pytest

from services.scoring.assessments.models import Assessment, CriterionScore, State
from shared.contracts import AssessmentKind
from tests.org import ADMIN, OFFICER_A, OFFICER_B, SO_OFFICER

pytestmark = pytest.mark.asyncio
Y0, Y1 = "2023-2024", "2024-2025"
EXTRA = [f"7970100{i}" for i in range(3, 7)]  # four more primary schools under phong-797-a
DRAFTED = "79701007"  # its only assessment is a draft, which no figure counts


async def add(
    app: Any, school: str, year: str, kind: str, state: State, g1: str, criteria: dict[str, str] | None = None
) -> None:
    level = 1 if Decimal(g1) < 50 else 2 if Decimal(g1) <= 75 else 3
    aid = str(uuid.uuid4())
    async with app.state.session_factory() as s, s.begin():
        s.add(
            Assessment(
                id=aid,
                school_code=school,
                school_year=year,
                kind=AssessmentKind(kind),
                framework="qd4725-2022@1",
                state=state,
                g1_points=Decimal(g1),
                g1_level=level,
                g2_points=Decimal(0),
                g2_level=1,
                overall_level=1,
            )
        )
        await s.flush()
        for code, pts in (criteria or {}).items():
            s.add(CriterionScore(assessment_id=aid, code=code, points=Decimal(pts), level=None))


@pytest.fixture
async def data(client: httpx.AsyncClient, app: Any, province: None) -> httpx.AsyncClient:
    for code in [*EXTRA, DRAFTED]:
        body = {
            "code": code,
            "name": f"Trường Tiểu học {code}",
            "levels": ["TH"],
            "managing_unit_id": "phong-797-a",
            "opened_on": "2010-09-05",
        }
        assert (await client.post("/api/v1/org/schools", json=body, headers=ADMIN)).status_code == 201
    ok = State.APPROVED
    # last year: 001 at 40 (level 1), 002 at 60 (2), 79702001 at 80 (3)
    for school, g1 in (("79701001", "40"), ("79701002", "60"), ("79702001", "80")):
        await add(app, school, Y0, "self", ok, g1)
    # this year: 001 55 (1 → 2), 002 60 (2 → 2), 79702001 60 (3 → 2), 79000001 76 (new, 3)
    for school, g1 in (("79701001", "55"), ("79701002", "60"), ("79702001", "60"), ("79000001", "76")):
        await add(app, school, Y1, "self", ok, g1)
    await add(app, DRAFTED, Y1, "self", State.DRAFT, "99")  # a draft never counts
    return client


async def get(c: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any) -> Any:
    r = await c.get(url, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


class TestYearOnYear:
    async def test_transition_matrix_for_the_province(self, data):
        body = await get(data, "/api/v1/insights/units/so-79/transitions", SO_OFFICER, year=Y1)
        cells = {(c["from_level"], c["to_level"]): c["schools"] for c in body["cells"]}
        assert cells == {(1, 2): 1, (2, 2): 1, (3, 2): 1, (None, 3): 1}
        assert (body["up"], body["same"], body["down"], body["new"]) == (1, 1, 1, 1)

    async def test_a_phong_sees_its_own_and_not_the_province(self, data):
        body = await get(data, "/api/v1/insights/units/phong-797-a/transitions", OFFICER_A, year=Y1)
        assert {(c["from_level"], c["to_level"]): c["schools"] for c in body["cells"]} == {
            (1, 2): 1,
            (2, 2): 1,
        }
        r = await data.get("/api/v1/insights/units/so-79/transitions", params={"year": Y1}, headers=OFFICER_B)
        assert r.status_code == 404

    async def test_per_school_change(self, data):
        body = await get(data, "/api/v1/insights/units/so-79/year-on-year", SO_OFFICER, year=Y1)
        by = {s["school_code"]: s["groups"][0] for s in body["items"]}
        assert set(by) == {"79701001", "79701002", "79702001", "79000001"}
        assert (by["79701001"]["change"], by["79701001"]["level_change"]) == ("15.00", 1)
        assert (by["79702001"]["change"], by["79702001"]["level_change"]) == ("-20.00", -1)
        assert by["79000001"]["previous_points"] is None
        assert by["79000001"]["change"] is None
        assert body["total"] is None  # counted only when asked

    async def test_total_counts_all_pages_when_asked(self, data):
        url = "/api/v1/insights/units/so-79/year-on-year"
        whole = await get(data, url, SO_OFFICER, year=Y1)
        first = await get(data, url, SO_OFFICER, year=Y1, limit=1, include_total="true")
        assert first["total"] == len(whole["items"]) == 4
        assert len(first["items"]) == 1
        later = await get(
            data, url, SO_OFFICER, year=Y1, limit=1, include_total="true", cursor=first["next_cursor"]
        )
        assert later["total"] == 4
        own = await get(
            data, "/api/v1/insights/units/phong-797-a/year-on-year", OFFICER_A, year=Y1, include_total="true"
        )
        assert own["total"] == len(own["items"]) == 2


class TestGoodModels:
    async def test_ranks_share_ties(self, data):
        body = await get(data, "/api/v1/insights/provinces/79/good-models", SO_OFFICER, year=Y1)
        ranks = [(s["rank"], s["school_code"], s["points"]) for s in body["items"]]
        assert ranks == [
            (1, "79000001", "76.00"),
            (2, "79701002", "60.00"),
            (2, "79702001", "60.00"),
            (4, "79701001", "55.00"),
        ]
        assert body["total"] == 4

    async def test_total_is_the_whole_ranked_set_on_every_page(self, data):
        url = "/api/v1/insights/provinces/79/good-models"
        first = await get(data, url, SO_OFFICER, year=Y1, limit=2)
        assert (len(first["items"]), first["total"]) == (2, 4)
        later = await get(data, url, SO_OFFICER, year=Y1, limit=2, cursor=first["next_cursor"])
        assert (len(later["items"]), later["total"], later["next_cursor"]) == (2, 4, None)
        own = await get(data, url, OFFICER_A, year=Y1, limit=1)
        assert own["total"] == 2  # a Phòng's ranking counts its own schools
        none = await get(data, url, SO_OFFICER, year=Y1, school_level="GDTX")
        assert (none["items"], none["total"]) == ([], 0)

    async def test_filters_and_scope(self, data):
        url = "/api/v1/insights/provinces/79/good-models"
        thpt = await get(data, url, SO_OFFICER, year=Y1, school_level="THPT")
        assert [(s["rank"], s["school_code"]) for s in thpt["items"]] == [(1, "79000001")]
        unit = await get(data, url, SO_OFFICER, year=Y1, unit="phong-797-a")
        assert [(s["rank"], s["school_code"]) for s in unit["items"]] == [(1, "79701002"), (2, "79701001")]
        own = await get(data, url, OFFICER_A, year=Y1)
        assert [s["school_code"] for s in own["items"]] == ["79701002", "79701001"]
        r = await data.get(url, params={"year": Y1, "school_level": "T%"}, headers=SO_OFFICER)
        assert r.status_code == 422


class TestSelfVsExternal:
    async def test_mean_share_and_mad_outlier(self, data, app):
        """Criterion 1.3, self − external over six schools: 0, 1, 2, 2, 3, 30. Mean 38/6 = 6.33;
        five of six self-assessments higher; median 2, MAD 1, z(30) = 0.6745 · 28 = 18.89."""
        schools = ["79701001", "79701002", *EXTRA]
        gaps = ["0", "1", "2", "2", "3", "30"]
        for school, gap in zip(schools, gaps, strict=True):
            if school in EXTRA:
                await add(app, school, Y1, "self", State.APPROVED, "50", {"1.3": gap})
            else:
                async with app.state.session_factory() as s, s.begin():
                    a = (
                        await s.execute(
                            Assessment.__table__.select().where(  # type: ignore[attr-defined]
                                Assessment.school_code == school, Assessment.school_year == Y1
                            )
                        )
                    ).first()
                    s.add(CriterionScore(assessment_id=a.id, code="1.3", points=Decimal(gap)))
            await add(app, school, Y1, "external", State.CONCLUDED, "50", {"1.3": "0"})
        body = await get(data, "/api/v1/insights/units/phong-797-a/self-vs-external", OFFICER_A, year=Y1)
        c13 = next(c for c in body["criteria"] if c["code"] == "1.3")
        assert (c13["schools"], c13["mean_difference"], c13["self_higher"], c13["share_self_higher"]) == (
            6,
            "6.33",
            5,
            "0.8333",
        )
        assert c13["outliers"] == [{"school_code": "79701006", "difference": "30.00", "robust_z": "18.89"}]
        g1 = next(c for c in body["criteria"] if c["code"] == "1")
        # group 1 points: self 55, 60, 50, 50, 50, 50 against 50 each → 5, 10, 0 ×4: mean 2.5, two higher
        assert (g1["schools"], g1["mean_difference"], g1["self_higher"]) == (6, "2.50", 2)


@pytest.mark.parametrize(
    ("url", "who"),
    [
        ("/api/v1/insights/units/so-79/transitions", SO_OFFICER),
        ("/api/v1/insights/units/so-79/year-on-year", SO_OFFICER),
        ("/api/v1/insights/provinces/79/good-models", SO_OFFICER),
        ("/api/v1/insights/units/phong-797-a/self-vs-external", OFFICER_A),
    ],
)
async def test_answers_name_the_school_year_and_keep_year(data, url, who):
    """`school_year` like every other answer; `year`, deprecated, still says the same in 1.x."""
    body = await get(data, url, who, school_year=Y1)
    assert (body["school_year"], body["year"]) == (Y1, Y1)


class TestSelfVsExternalByUnit:
    """Group 1, self − external this year: phong-797-a 55−50 = 5 and 60−70 = −10 (mean −2.50, one
    higher); phong-797-b 60−40 = 20; so-79's own THPT 76−70 = 6. Group 2 is 0 − 0 everywhere."""

    @pytest.fixture
    async def pairs(self, data, app):
        for school, ext in (("79701001", "50"), ("79701002", "70"), ("79702001", "40"), ("79000001", "70")):
            await add(app, school, Y1, "external", State.CONCLUDED, ext)
        return data

    async def test_each_child_unit_and_the_direct_schools(self, pairs):
        body = await get(pairs, "/api/v1/insights/units/so-79/self-vs-external", SO_OFFICER, year=Y1)
        g1 = {u["unit_id"]: (u["direct"], *next(
            (g["schools"], g["mean_difference"], g["self_higher"]) for g in u["groups"] if g["code"] == "1"
        )) for u in body["units"]}  # fmt: skip
        assert g1 == {
            "phong-797-a": (False, 2, "-2.50", 1),
            "phong-797-b": (False, 1, "20.00", 1),
            "so-79": (True, 1, "6.00", 1),
        }
        # the rows add up to the unit's own figure
        whole = next(c for c in body["criteria"] if c["code"] == "1")
        assert sum(n for _, n, _, _ in g1.values()) == whole["schools"] == 4
        g2 = [g for u in body["units"] for g in u["groups"] if g["code"] == "2"]
        assert {(g["mean_difference"], g["self_higher"]) for g in g2} == {("0.00", 0)}

    async def test_a_phong_sees_its_own_schools_only(self, pairs):
        body = await get(pairs, "/api/v1/insights/units/phong-797-a/self-vs-external", OFFICER_A, year=Y1)
        assert [(u["unit_id"], u["direct"]) for u in body["units"]] == [("phong-797-a", True)]
        assert body["units"][0]["groups"][0]["schools"] == 2
        r = await pairs.get(
            "/api/v1/insights/units/so-79/self-vs-external", params={"year": Y1}, headers=OFFICER_A
        )
        assert r.status_code == 404
