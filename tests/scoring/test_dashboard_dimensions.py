"""The summary's dimensions (school level, ownership), criterion titles and maxima, and per-item
shares: each figure checked against a count made here from the seeded data (the schools as the
registry lists them, the items as each assessment's own score shows them)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import httpx
import pytest

from services.scoring.config import DOCUMENTS
from shared.framework.lint import item_max
from shared.framework.loader import load_directory
from shared.principal import Role
from tests.org import ADMIN, HEAD, OFFICER_A, OFFICER_B, SO_OFFICER, VENDOR, who
from tests.scoring.test_engine_levels import FULL

pytestmark = pytest.mark.asyncio
YEAR = "2024-2025"
MIXED = "79701009"  # a primary and lower-secondary school, ngoài công lập, under phong-797-a
MIXED_HEAD = who("head-mixed", Role.SCHOOL_HEAD, schools=(MIXED,))
MIXED_VENDOR = who("vendor-mixed", Role.VENDOR_CLIENT, schools=(MIXED,))


def url(code: str) -> str:
    return f"/api/v1/schools/{code}/assessments/{YEAR}/self"


async def approve(c: httpx.AsyncClient, code: str, body: dict[str, Any], vendor: Any, head: Any) -> None:
    r = await c.put(url(code), json=body, headers=vendor)
    assert r.status_code == 201, r.text
    assert (await c.post(url(code) + "/submit", headers=vendor)).status_code == 200
    r = await c.post(url(code) + "/approve", headers=head)
    assert r.status_code == 200, r.text


def first_items(fw: Any, n: int) -> list[str]:
    return [i.code for i in fw.items()][:n]


@pytest.fixture
def framework() -> Any:
    fws = load_directory(DOCUMENTS)
    return next(f for f in fws if f.ref == "qd4725-2022@1")


@pytest.fixture
async def data(client: httpx.AsyncClient, province: None, framework: Any) -> httpx.AsyncClient:
    """79701001 approved with full facts; MIXED approved with its first two items awarded 0 and
    the third half its points; 79701002 a draft (never counted)."""
    body = {
        "code": MIXED,
        "name": "Trường Tiểu học và THCS Hòa Bình",
        "levels": ["TH", "THCS"],
        "ownership": "non_public",
        "managing_unit_id": "phong-797-a",
        "opened_on": "2010-09-05",
    }
    assert (await client.post("/api/v1/org/schools", json=body, headers=ADMIN)).status_code == 201
    await approve(client, "79701001", {"facts": FULL}, VENDOR, HEAD)
    a, b, c = first_items(framework, 3)
    third = next(i for i in framework.items() if i.code == c)
    awarded = {a: "0", b: "0", c: str(item_max(third) / 2)}
    await approve(client, MIXED, {"facts": FULL, "awarded": awarded}, MIXED_VENDOR, MIXED_HEAD)
    r = await client.put(url("79701002"), json={"facts": FULL}, headers=VENDOR)
    assert r.status_code == 201, r.text
    return client


async def summary(c: httpx.AsyncClient, unit: str, headers: dict[str, str]) -> dict[str, Any]:
    r = await c.get(f"/api/v1/dashboard/units/{unit}/summary", params={"school_year": YEAR}, headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def registry_schools(c: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = await c.get("/api/v1/org/schools", params={"limit": 500}, headers=headers)
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def dims(rows: list[dict[str, Any]]) -> dict[str, int]:
    return {d["value"]: d["schools"] for d in rows}


class TestDimensions:
    async def test_schools_per_school_level_and_ownership_match_the_registry(self, data):
        s = await summary(data, "so-79", SO_OFFICER)
        schools = await registry_schools(data, SO_OFFICER)
        by_level = Counter(sl for sch in schools for sl in sch["levels"])
        assert dims(s["school_levels"]) == dict(by_level)
        assert dims(s["school_levels"]) == {"TH": 4, "THCS": 1, "THPT": 1}
        assert dims(s["ownerships"]) == dict(Counter(sch["ownership"] for sch in schools))
        assert dims(s["ownerships"]) == {"public": 4, "non_public": 1}

    async def test_level_distribution_per_school_level(self, data):
        s = await summary(data, "so-79", SO_OFFICER)
        levels = {d["value"]: d["levels"] for d in s["school_levels"]}
        # the mixed school's finished assessment counts under TH and under THCS
        th = {(x["kind"], x["group"], x["level"]): x["count"] for x in levels["TH"]}
        thcs = {(x["kind"], x["group"]): x["count"] for x in levels["THCS"]}
        assert sum(n for (k, g, _), n in th.items() if (k, g) == ("self", "1")) == 2
        assert thcs[("self", "1")] == 1
        assert levels["THPT"] == []  # no finished assessment there
        own = {d["value"]: d["levels"] for d in s["ownerships"]}
        assert sum(x["count"] for x in own["non_public"] if x["group"] == "1") == 1

    async def test_a_phong_sees_only_its_schools(self, data):
        a = await summary(data, "phong-797-a", OFFICER_A)
        assert dims(a["school_levels"]) == {"TH": 3, "THCS": 1}
        assert dims(a["ownerships"]) == {"public": 2, "non_public": 1}
        b = await summary(data, "phong-797-b", OFFICER_B)
        assert dims(b["school_levels"]) == {"TH": 1}
        assert b["item_shares"] == []  # nothing finished under phong-797-b
        r = await data.get(f"/api/v1/dashboard/units/so-79/summary?school_year={YEAR}", headers=OFFICER_A)
        assert r.status_code == 404


class TestCriteriaAndItems:
    async def test_criteria_carry_title_and_maximum(self, data, framework):
        s = await summary(data, "so-79", SO_OFFICER)
        want = {c.code: (c.title.vi, c.max_points) for c in framework.criteria() if c.max_points is not None}
        scored = [c for c in s["criteria"] if c["code"] in want]
        assert scored
        for c in scored:
            assert (c["title"], Decimal(str(c["max_points"]))) == want[c["code"]]
            assert c["average_points"] <= c["max_points"]

    async def test_item_shares_match_each_assessments_own_score(self, data, framework):
        tops = {i.code: item_max(i) for i in framework.items()}
        awarded: Counter[str] = Counter()
        full: Counter[str] = Counter()
        for code in ("79701001", MIXED):
            r = await data.get(url(code), headers=ADMIN)
            assert r.status_code == 200, r.text
            for g in r.json()["score"]["groups"]:
                for c in g["criteria"]:
                    for i in c["items"]:
                        pts = Decimal(str(i["points"]))
                        awarded[i["code"]] += pts > 0
                        full[i["code"]] += pts > 0 and pts == tops[i["code"]]
        s = await summary(data, "so-79", SO_OFFICER)
        items = {i["code"]: i for i in s["item_shares"] if i["kind"] == "self"}
        assert set(items) == set(tops)
        for code, it in items.items():
            assert it["assessed"] == 2, code
            assert (it["awarded"], it["full"]) == (awarded[code], full[code]), code
            assert it["share_awarded"] == pytest.approx(awarded[code] / 2)
            assert it["criterion"] == code.rsplit(".", 1)[0]
            assert Decimal(str(it["max_points"])) == tops[code]
        a, _b, c = first_items(framework, 3)
        assert (items[a]["awarded"], items[a]["share_awarded"]) == (1, 0.5)
        assert items[c]["awarded"] == 2
        assert items[c]["full"] <= 1

    async def test_a_phong_counts_only_its_assessments(self, data):
        b = await summary(data, "phong-797-b", OFFICER_B)
        assert b["criteria"] == []
        assert b["item_shares"] == []
        a = await summary(data, "phong-797-a", OFFICER_A)
        assert {i["assessed"] for i in a["item_shares"]} == {2}
