"""Relay connections and global ids, enums, one name per concept, and the summary's new
dimensions through GraphQL: each checked against the seeded data or the REST answer, and scoped."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Any

import httpx
import pytest

from services.gateway.graphql import enums
from services.scoring.assessments.models import State
from services.scoring.org.models import Ownership, UnitKind
from services.sync.deadlines.schemas import AtRiskReason, Timeliness
from shared.contracts import AssessmentKind, SchoolLevel
from shared.principal import Role
from tests.gateway.conftest import add_user, login
from tests.gateway.test_graphql import YEAR, gql
from tests.org import ADMIN, HEAD, VENDOR
from tests.scoring.test_engine_levels import FULL

pytestmark = pytest.mark.commits  # fields of one query resolve at once: concurrent requests


@pytest.fixture
async def data(scoring: httpx.AsyncClient) -> httpx.AsyncClient:
    """79701001 approved (full marks); a fifth school, TH and THCS, ngoài công lập, under
    phong-797-b with nothing assessed."""
    body = {
        "code": "79702002",
        "name": "Trường TH và THCS Hòa Bình",
        "levels": ["TH", "THCS"],
        "ownership": "non_public",
        "managing_unit_id": "phong-797-b",
        "opened_on": "2010-09-05",
    }
    assert (await scoring.post("/api/v1/org/schools", json=body, headers=ADMIN)).status_code == 201
    base = f"/api/v1/schools/79701001/assessments/{YEAR}/self"
    assert (await scoring.put(base, json={"facts": FULL}, headers=VENDOR)).status_code == 201
    assert (await scoring.post(base + "/submit", headers=VENDOR)).status_code == 200
    assert (await scoring.post(base + "/approve", headers=HEAD)).status_code == 200
    return scoring


async def user(gateway: Any, gw: httpx.AsyncClient, name: str, unit: str) -> dict[str, str]:
    await add_user(gateway, name, Role.OFFICER, org_units=[unit])
    return await login(gw, name)


def values(e: type[enum.Enum]) -> set[str]:
    return {m.value for m in e}


def test_enums_are_the_services_own_sets():
    assert values(enums.AssessmentKind) == values(AssessmentKind)
    assert values(enums.AssessmentState) == values(State) | {"not_started"}
    assert values(enums.SchoolLevel) == values(SchoolLevel)
    assert values(enums.Ownership) == values(Ownership)
    assert values(enums.OrgUnitKind) == values(UnitKind)
    assert values(enums.TimelinessStatus) == values(Timeliness)
    assert values(enums.AtRiskReason) == values(AtRiskReason)


CONN = """query($y: String!, $after: String) { schools(year: $y, first: 2, after: $after) {
  totalCount edges { cursor node { id code year levels selfAssessment { state group1Level g1Level } } }
  nodes { code } pageInfo { endCursor hasNextPage startCursor hasPreviousPage } } }"""


async def test_school_connection_edges_and_cursors(gateway, gw, data):
    t = await user(gateway, gw, "officer.so79", "so-79")
    page = (await gql(gw, t, CONN, y=YEAR))["data"]["schools"]
    assert [e["node"]["code"] for e in page["edges"]] == [n["code"] for n in page["nodes"]]
    assert [n["code"] for n in page["nodes"]] == ["79000001", "79701001"]
    info = page["pageInfo"]
    assert (info["hasNextPage"], info["hasPreviousPage"]) == (True, False)
    assert info["endCursor"] == page["edges"][-1]["cursor"]
    assert info["startCursor"] == page["edges"][0]["cursor"]
    # a cursor is the REST list's: the REST page after it starts where GraphQL's does
    r = await data.get(
        "/api/v1/dashboard/schools",
        params={"school_year": YEAR, "cursor": page["edges"][0]["cursor"], "limit": 1},
        headers=ADMIN,
    )
    assert [s["code"] for s in r.json()["items"]] == ["79701001"]
    schools = (await data.get("/api/v1/org/schools", params={"limit": 500}, headers=ADMIN)).json()["items"]
    assert page["totalCount"] == len(schools) == 5  # the whole list, counted by the service
    node = page["edges"][1]["node"]
    assert node["levels"] == ["TH"]
    assert node["year"] == YEAR
    # the new name and the deprecated one carry the same figure
    assert node["selfAssessment"] == {"state": "approved", "group1Level": 3, "g1Level": 3}
    rest = await gql(gw, t, CONN, y=YEAR, after=info["endCursor"])
    codes = [e["node"]["code"] for e in rest["data"]["schools"]["edges"]]
    assert codes == ["79701002", "79702001"]
    assert rest["data"]["schools"]["pageInfo"]["hasPreviousPage"] is True


async def test_unit_schools_count_when_batched(gateway, gw, data):
    t = await user(gateway, gw, "officer.so79", "so-79")
    q = """query($y: String!) { orgTree { children { unitId schools(year: $y, first: 1) {
      totalCount edges { cursor } pageInfo { hasNextPage } } } } }"""
    kids = (await gql(gw, t, q, y=YEAR))["data"]["orgTree"][0]["children"]
    got = {k["unitId"]: k["schools"]["totalCount"] for k in kids}
    schools = (await data.get("/api/v1/org/schools", params={"limit": 500}, headers=ADMIN)).json()["items"]
    want = {u: sum(1 for s in schools if s["managing_unit_id"] == u) for u in got}
    assert got == want == {"phong-797-a": 2, "phong-797-b": 2}
    assert all(k["schools"]["pageInfo"]["hasNextPage"] for k in kids)


async def test_total_count_is_the_filtered_count_and_scoped(gateway, gw, data):
    pb = await user(gateway, gw, "officer.pb2", "phong-797-b")
    q = """query($y: String!) { schools(year: $y, first: 1) { totalCount nodes { code } }
      unit: orgUnit(unitId: "phong-797-b") { schools(year: $y, first: 1) { ...Count } } }
      fragment Count on SchoolConnection { totalCount }"""
    out = (await gql(gw, pb, q, y=YEAR))["data"]
    schools = (await data.get("/api/v1/org/schools", params={"limit": 500}, headers=ADMIN)).json()["items"]
    mine = sum(1 for s in schools if s["managing_unit_id"] == "phong-797-b")
    assert out["schools"]["totalCount"] == out["unit"]["schools"]["totalCount"] == mine == 2
    q = """query($y: String!) { schools(year: $y, filter: {level: THCS}) { totalCount nodes { code } } }"""
    page = (await gql(gw, pb, q, y=YEAR))["data"]["schools"]
    assert page["totalCount"] == len(page["nodes"])


NODE = """query($id: ID!) { node(id: $id) { id __typename ... on School { code year }
  ... on OrgUnit { unitId kind } } }"""


async def test_node_refetches_by_global_id_within_scope(gateway, gw, data):
    so = await user(gateway, gw, "officer.so79", "so-79")
    q = """query($y: String!) { orgTree { id unitId kind }
      schools(year: $y, first: 5) { nodes { id code } } }"""
    out = (await gql(gw, so, q, y=YEAR))["data"]
    root = out["orgTree"][0]
    assert (root["unitId"], root["kind"]) == ("so-79", "department")
    again = (await gql(gw, so, NODE, id=root["id"]))["data"]["node"]
    assert again == {"id": root["id"], "__typename": "OrgUnit", "unitId": "so-79", "kind": "department"}
    ids = {n["code"]: n["id"] for n in out["schools"]["nodes"]}
    assert len(set(ids.values())) == len(ids)  # global: no two alike
    school = (await gql(gw, so, NODE, id=ids["79701001"]))["data"]["node"]
    assert school == {"id": ids["79701001"], "__typename": "School", "code": "79701001", "year": YEAR}
    # a Phòng: another Phòng's school and the Sở are null, exactly as an unknown id
    pb = await user(gateway, gw, "officer.pb", "phong-797-b")
    assert (await gql(gw, pb, NODE, id=ids["79701001"]))["data"]["node"] is None
    assert (await gql(gw, pb, NODE, id=root["id"]))["data"]["node"] is None
    assert (await gql(gw, pb, NODE, id=ids["79702001"]))["data"]["node"]["code"] == "79702001"


SUMMARY = """query($u: String!, $y: String!) { summary(unitId: $u, year: $y) { schools
  schoolLevels { schoolLevel schools levels { kind group level count } }
  ownerships { ownership schools }
  criteria { kind code title maxPoints averagePoints assessed }
  itemShares { kind code criterion maxPoints assessed awarded full shareAwarded } } }"""


async def test_summary_dimensions_match_the_rest_answer_and_the_registry(gateway, gw, data):
    t = await user(gateway, gw, "officer.so79", "so-79")
    s = (await gql(gw, t, SUMMARY, u="so-79", y=YEAR))["data"]["summary"]
    schools = (await data.get("/api/v1/org/schools", params={"limit": 500}, headers=ADMIN)).json()["items"]
    by_level: dict[str, int] = {}
    for sch in schools:
        for sl in sch["levels"]:
            by_level[sl] = by_level.get(sl, 0) + 1
    assert (
        {x["schoolLevel"]: x["schools"] for x in s["schoolLevels"]}
        == by_level
        == {
            "TH": 4,
            "THCS": 1,
            "THPT": 1,
        }
    )
    assert {x["ownership"]: x["schools"] for x in s["ownerships"]} == {"public": 4, "non_public": 1}
    th = next(x for x in s["schoolLevels"] if x["schoolLevel"] == "TH")
    assert {"kind": "self", "group": "1", "level": 3, "count": 1} in th["levels"]
    rest = (await data.get(f"/api/v1/dashboard/units/so-79/summary?school_year={YEAR}", headers=ADMIN)).json()
    c13 = next(c for c in s["criteria"] if c["code"] == "1.3")
    r13 = next(c for c in rest["criteria"] if c["code"] == "1.3")
    assert (c13["title"], c13["maxPoints"]) == (r13["title"], str(r13["max_points"]))
    assert c13["title"]
    assert Decimal(c13["averagePoints"]) == Decimal(c13["maxPoints"]) == 30
    assert len(s["itemShares"]) == len(rest["item_shares"]) > 0
    for it in s["itemShares"]:
        assert it["assessed"] == 1
        assert it["criterion"] == it["code"].rsplit(".", 1)[0]
        assert it["awarded"] in (0, 1)
        assert it["full"] <= it["awarded"]


async def test_a_phong_sees_only_its_schools_in_every_new_aggregate(gateway, gw, data):
    pb = await user(gateway, gw, "officer.pb", "phong-797-b")
    s = (await gql(gw, pb, SUMMARY, u="phong-797-b", y=YEAR))["data"]["summary"]
    assert {x["schoolLevel"]: x["schools"] for x in s["schoolLevels"]} == {"TH": 2, "THCS": 1}
    assert {x["ownership"]: x["schools"] for x in s["ownerships"]} == {"public": 1, "non_public": 1}
    assert s["criteria"] == []
    assert s["itemShares"] == []
    assert (await gql(gw, pb, SUMMARY, u="so-79", y=YEAR))["data"]["summary"] is None
    q = """query($y: String!) { selfVsExternal(unitId: "so-79", year: $y) { units { unitId } } }"""
    assert (await gql(gw, pb, q, y=YEAR))["data"]["selfVsExternal"] is None


async def test_enum_arguments(gateway, gw, data):
    t = await user(gateway, gw, "officer.so79", "so-79")
    q = """query($y: String!, $k: AssessmentKind!) {
      a: transitions(unitId: "so-79", year: $y, kind: external) { kind }
      b: transitions(unitId: "so-79", year: $y, kind: $k) { kind }
      schools(year: $y, filter: {level: THPT, state: not_started}) { nodes { code levels } } }"""
    out = (await gql(gw, t, q, y=YEAR, k="self"))["data"]
    assert (out["a"]["kind"], out["b"]["kind"]) == ("external", "self")
    assert out["schools"]["nodes"] == [{"code": "79000001", "levels": ["THPT"]}]


async def test_org_unit_by_registry_id_and_the_deprecated_argument(gateway, gw, data):
    t = await user(gateway, gw, "officer.so79", "so-79")
    q = """{ a: orgUnit(unitId: "phong-797-a") { id unitId } b: orgUnit(id: "phong-797-a") { id unitId } }"""
    out = (await gql(gw, t, q))["data"]
    assert out["a"] == out["b"]
    assert out["a"]["unitId"] == "phong-797-a"
    err = (await gql(gw, t, "{ orgUnit { id } }"))["errors"][0]
    assert err["extensions"] == {"code": "BAD_USER_INPUT", "argument": "unitId"}
