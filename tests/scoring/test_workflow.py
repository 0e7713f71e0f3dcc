"""Self and external assessment end to end over HTTP: workflow, permissions, scope, audit, feed."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from shared.principal import Principal, PrincipalKind, Role, sign_principal
from tests.conftest import SECRET
from tests.org import ADMIN, ASSESSOR_A, HEAD, OFFICER_A, OFFICER_B, OTHER_HEAD, SERVICE, STAFF, VENDOR, who
from tests.scoring.test_engine_levels import FULL

pytestmark = pytest.mark.asyncio
TODAY = datetime.now(timezone(timedelta(hours=7))).date().isoformat()
SELF = "/api/v1/schools/79701001/assessments/2024-2025/self"
EXT = "/api/v1/schools/79701001/assessments/2024-2025/external"


@pytest.fixture
async def org(client: httpx.AsyncClient, province: None) -> httpx.AsyncClient:
    return client


async def events(c: httpx.AsyncClient, after: int = 0) -> list[dict[str, Any]]:
    r = await c.get(f"/internal/v1/events?after={after}&limit=1000", headers=SERVICE)
    assert r.status_code == 200, r.text
    return list(r.json()["events"])


async def put(
    c: httpx.AsyncClient, headers: dict[str, str], facts: dict[str, Any], url: str = SELF, **extra: Any
) -> httpx.Response:
    # read, then write with the version read: changing an existing assessment needs If-Match
    current = await c.get(url, headers=headers)
    cond = {"If-Match": current.headers["ETag"]} if current.status_code == 200 else {}
    body = {"facts": facts, "evidence_ids": ["ev-1"], **extra}
    return await c.put(url, json=body, headers={**headers, **cond})


class TestSelfAssessment:
    async def test_create_scores_and_etag(self, org):
        r = await put(org, VENDOR, FULL)
        assert r.status_code == 201, r.text
        body = r.json()
        assert (body["state"], body["version"], r.headers["etag"]) == ("draft", 1, '"1"')
        assert body["framework"] == "qd4725-2022@1"
        g1, g2 = body["score"]["groups"]
        assert (g1["points"], g1["level"], g2["points"], g2["level"]) == (100, 3, 90, 3)
        assert body["permissions"]["may_submit"]
        assert not body["permissions"]["may_approve"]

    async def test_stale_if_match_is_412_naming_the_version(self, org):
        await put(org, VENDOR, FULL)
        r = await org.put(SELF, json={"facts": {"1.1": {"met": True}}}, headers={**VENDOR, "If-Match": '"1"'})
        assert r.status_code == 200
        r = await org.put(SELF, json={"facts": {}}, headers={**VENDOR, "If-Match": '"1"'})
        assert r.status_code == 412
        assert r.json()["current_version"] == 2
        assert r.headers["content-type"] == "application/problem+json"

    async def test_unchanged_put_makes_no_new_version(self, org):
        await put(org, VENDOR, FULL)
        r = await put(org, VENDOR, FULL)
        assert (r.status_code, r.json()["version"]) == (200, 1)
        audit = (await org.get(SELF + "/audit", headers=HEAD)).json()["items"]
        assert [a["action"] for a in audit] == ["create"]

    async def test_bad_facts_are_422_and_write_nothing(self, org):
        r = await put(
            org,
            VENDOR,
            {"1.6.1": {"numerator": 9, "denominator": 5}, "1.3.1": {"deployed": True}},
            awarded={"1.3.1": 7},
        )
        assert r.status_code == 422
        assert [e["pointer"] for e in r.json()["validation_errors"]] == ["/facts/1.6.1/numerator"]
        assert (await org.get(SELF, headers=HEAD)).status_code == 404

    async def test_awarded_above_cap(self, org):
        r = await put(org, VENDOR, {"1.3.1": {"deployed": True}}, awarded={"1.3.1": 7})
        assert r.status_code == 422
        assert r.json()["validation_errors"][0]["pointer"] == "/awarded/1.3.1"

    async def test_full_self_cycle_with_events_and_audit(self, org):
        await put(org, STAFF, FULL)
        r = await org.post(SELF + "/submit", headers=STAFF)
        assert (r.status_code, r.json()["state"]) == (200, "submitted")
        # a vendor never approves: 403 explaining what the token holds
        r = await org.post(SELF + "/approve", headers=VENDOR)
        assert r.status_code == 403
        assert "school_head" in r.json()["hint"]
        r = await org.post(SELF + "/approve", headers=HEAD)
        body = r.json()
        assert (r.status_code, body["state"], body["approved_by"]) == (200, "approved", "head-th1")
        assert body["permissions"]["may_edit"] is False
        # approved is read-only
        r = await put(org, STAFF, {})
        assert r.status_code == 409
        assert r.json()["code"] == "not_editable"
        evs = await events(org)
        assert [e["type"] for e in evs] == ["assessment.submitted", "assessment.approved"]
        snap = evs[1]["payload"]
        assert snap["school_code"] == "79701001"
        assert snap["approval"]["by"] == "head-th1"
        assert snap["groups"][0]["points"] == "100"
        assert snap["evidence_ids"] == ["ev-1"]
        audit = (await org.get(SELF + "/audit", headers=OFFICER_A)).json()["items"]
        assert [(a["action"], a["actor"], a["version"]) for a in audit] == [
            ("create", "staff-th1", 1),
            ("submit", "staff-th1", 2),
            ("approve", "head-th1", 3),
        ]
        assert audit[2]["before"]["state"] == "submitted"
        assert audit[2]["after"]["state"] == "approved"

    async def test_illegal_transition_lists_allowed(self, org):
        await put(org, STAFF, FULL)
        r = await org.post(SELF + "/approve", headers=HEAD)
        assert r.status_code == 409
        assert r.json()["allowed_actions"] == ["edit", "submit"]

    async def test_head_return_needs_reason_and_reopens_all(self, org):
        await put(org, STAFF, FULL)
        await org.post(SELF + "/submit", headers=STAFF)
        r = await org.post(SELF + "/return", json={}, headers=HEAD)
        assert r.status_code == 422
        r = await org.post(SELF + "/return", json={"reason": "Thiếu minh chứng 1.4"}, headers=HEAD)
        assert (r.json()["state"], r.json()["open_items"]) == ("draft", None)
        assert (await put(org, STAFF, {**FULL, "1.3.1": {"deployed": False}})).status_code == 200

    async def test_reviewer_return_reopens_only_named_items(self, org):
        await put(org, STAFF, FULL)
        await org.post(SELF + "/submit", headers=STAFF)
        await org.post(SELF + "/approve", headers=HEAD)
        r = await org.post(
            SELF + "/return",
            json={"reason": "Bổ sung minh chứng", "item_comments": {"1.4.1": "Thiếu danh mục học liệu"}},
            headers=OFFICER_A,
        )
        assert (r.status_code, r.json()["state"], r.json()["open_items"]) == (200, "draft", ["1.4.1"])
        r = await put(org, STAFF, {**FULL, "1.3.1": {"deployed": False}})
        assert r.status_code == 422
        assert r.json()["validation_errors"][0] == {
            "pointer": "/facts/1.3.1",
            "code": "item_locked",
            "message": {
                "vi": "Nội dung này không được mở lại để sửa.",
                "en": "This item was not reopened for changes.",
            },
        }
        assert (await put(org, STAFF, {**FULL, "1.4.1": {"count": 25}})).status_code == 200
        await org.post(SELF + "/submit", headers=STAFF)
        r = await org.post(SELF + "/approve", headers=HEAD)
        assert r.json()["state"] == "approved"
        approvals = [e for e in await events(org) if e["type"] == "assessment.approved"]
        assert len(approvals) == 2
        assert approvals[1]["version"] > approvals[0]["version"]
        assert approvals[0]["payload"]["content_hash"] != approvals[1]["payload"]["content_hash"]


class TestExternal:
    async def _approved(self, c: httpx.AsyncClient) -> None:
        await put(c, STAFF, FULL)
        await c.post(SELF + "/submit", headers=STAFF)
        await c.post(SELF + "/approve", headers=HEAD)

    async def test_external_needs_acceptance_and_request(self, org):
        await self._approved(org)
        assert (await put(org, ASSESSOR_A, FULL, url=EXT)).status_code == 409
        assert (await org.post(SELF + "/accept", headers=OFFICER_A)).json()["state"] == "accepted"
        assert (await put(org, ASSESSOR_A, FULL, url=EXT)).status_code == 409
        r = await org.post(SELF + "/request-external", headers=HEAD)
        assert r.json()["external_requested"] is True
        assert r.json()["permissions"]["may_request_external"] is False

    async def test_external_cycle_comparison_and_recognition(self, org):
        await self._approved(org)
        await org.post(SELF + "/accept", headers=OFFICER_A)
        await org.post(SELF + "/request-external", headers=HEAD)
        ext_facts = {
            **FULL,
            "1.4.1": {"count": 25},
            "1.7.2": {"level": 2, "reason": "Kiểm tra thực tế: 18 máy hoạt động"},
        }
        r = await put(org, ASSESSOR_A, ext_facts, url=EXT, awarded={"1.3.1": "4.5"})
        assert (r.status_code, r.json()["state"]) == (201, "in_progress")
        cmp_ = (
            await org.get("/api/v1/schools/79701001/assessments/2024-2025/comparison", headers=OFFICER_A)
        ).json()
        diffs = {
            i["code"]: (i["self_points"], i["external_points"], i["difference"], i["facts_differ"])
            for i in cmp_["items"]
        }
        assert diffs["1.4.1"] == (10, 6, -4, True)
        assert diffs["1.7.2"] == (7, 5, -2, True)
        assert diffs["1.3.1"] == (6, 4.5, -1.5, False)
        assert cmp_["groups"][0] == {
            "code": "1",
            "self": {"points": "100", "level": 3},
            "external": {"points": "92.5", "level": 3},
        }
        assert (
            await org.post(
                EXT + "/recognise",
                json={"decision_number": "12/QĐ-PGDĐT", "decision_date": TODAY},
                headers=OFFICER_A,
            )
        ).status_code == 409
        assert (await org.post(EXT + "/conclude", headers=ASSESSOR_A)).json()["state"] == "concluded"
        # assessors conclude; only an officer recognises
        assert (
            await org.post(
                EXT + "/recognise",
                json={"decision_number": "x", "decision_date": TODAY},
                headers=ASSESSOR_A,
            )
        ).status_code == 403
        r = await org.post(
            EXT + "/recognise",
            json={"decision_number": "12/QĐ-PGDĐT", "decision_date": TODAY},
            headers=OFFICER_A,
        )
        body = r.json()
        assert (body["state"], body["official"], body["decision_number"]) == (
            "recognised",
            True,
            "12/QĐ-PGDĐT",
        )
        rec = [e for e in await events(org) if e["type"] == "assessment.recognised"]
        assert rec[0]["payload"]["approval"]["decision_number"] == "12/QĐ-PGDĐT"
        assert rec[0]["payload"]["kind"] == "external"


class TestScope:
    async def test_other_schools_are_404_not_403(self, org):
        await put(org, VENDOR, FULL)
        for headers in (OTHER_HEAD, OFFICER_B):
            assert (await org.get(SELF, headers=headers)).status_code == 404
            assert (await put(org, headers, FULL)).status_code == 404
        assert (await org.get(SELF, headers=OFFICER_A)).status_code == 200

    async def test_vendor_sees_only_its_schools(self, org):
        r = await org.put(
            "/api/v1/schools/79702001/assessments/2024-2025/self", json={"facts": {}}, headers=VENDOR
        )
        assert r.status_code == 404
        listing = (await org.get("/api/v1/org/schools", headers=VENDOR)).json()["items"]
        assert [s["code"] for s in listing] == ["79701001", "79701002"]

    async def test_missing_or_forged_principal_is_401(self, org):
        assert (await org.get(SELF)).status_code == 401
        forged = {"X-Chiso-Principal": HEAD["X-Chiso-Principal"][:-4] + "AAAA"}
        assert (await org.get(SELF, headers=forged)).status_code == 401
        head = Principal(sub="head-th1", roles=frozenset({Role.SCHOOL_HEAD}), schools=frozenset({"79701001"}))
        stale = {"X-Chiso-Principal": sign_principal(head, SECRET, ttl=300, now=time.time() - 301)}
        r = await org.get(SELF, headers=stale)
        assert r.status_code == 401
        assert r.json()["code"] == "unauthorized"
        fresh = {"X-Chiso-Principal": sign_principal(head, SECRET, ttl=300)}
        # signed and current: passes authentication, and there is no assessment yet
        assert (await org.get(SELF, headers=fresh)).status_code == 404

    async def test_feed_is_for_services_only(self, org):
        assert (await org.get("/internal/v1/events", headers=OFFICER_A)).status_code == 403
        assert (await org.get("/internal/v1/events", headers=ADMIN)).status_code == 200

    async def test_bad_year_and_unknown_school(self, org):
        assert (
            await org.get("/api/v1/schools/79701001/assessments/2024-2026/self", headers=HEAD)
        ).status_code == 422
        assert (
            await org.get("/api/v1/schools/nope/assessments/2024-2025/self", headers=ADMIN)
        ).status_code == 404


class TestIdempotency:
    async def test_same_key_replays_and_other_body_is_422(self, org):
        await put(org, STAFF, FULL)
        h = {**STAFF, "Idempotency-Key": "submit-1"}
        r1 = await org.post(SELF + "/submit", headers=h)
        r2 = await org.post(SELF + "/submit", headers=h)
        assert r1.status_code == r2.status_code == 200
        assert r1.json()["version"] == r2.json()["version"]
        audit = (await org.get(SELF + "/audit", headers=HEAD)).json()["items"]
        assert [a["action"] for a in audit] == ["create", "submit"]
        r3 = await org.post(SELF + "/submit", json={"reason": "khác"}, headers=h)
        assert (r3.status_code, r3.json()["code"]) == (422, "idempotency_key_reused")

    # the claim is rolled back with the failed request's transaction: a real one here
    @pytest.mark.commits
    async def test_failed_first_attempt_releases_the_key(self, org):
        await put(org, STAFF, FULL)
        h = {**HEAD, "Idempotency-Key": "approve-1"}
        assert (await org.post(SELF + "/approve", headers=h)).status_code == 409  # not submitted yet
        await org.post(SELF + "/submit", headers=STAFF)
        assert (await org.post(SELF + "/approve", headers=h)).status_code == 200


class TestReturns:
    async def _approved(self, c: httpx.AsyncClient) -> None:
        await put(c, STAFF, FULL)
        await c.post(SELF + "/submit", headers=STAFF)
        await c.post(SELF + "/approve", headers=HEAD)

    async def test_unknown_item_is_422_with_pointer(self, org):
        await self._approved(org)
        body = {"reason": "Bổ sung", "item_comments": {"9.9.9": "?", "1.4.1": "Thiếu học liệu"}}
        r = await org.post(SELF + "/return", json=body, headers=OFFICER_A)
        assert r.status_code == 422
        assert [(e["pointer"], e["code"]) for e in r.json()["validation_errors"]] == [
            ("/item_comments/9.9.9", "unknown_item")
        ]
        assert (await org.get(SELF, headers=HEAD)).json()["state"] == "approved"
        r = await org.post(
            SELF + "/return", json={"reason": "x", "item_comments": {"1.4.1": " "}}, headers=OFFICER_A
        )
        assert r.json()["validation_errors"][0]["code"] == "comment_required"

    async def test_head_return_with_unknown_item_is_422(self, org):
        await put(org, STAFF, FULL)
        await org.post(SELF + "/submit", headers=STAFF)
        r = await org.post(
            SELF + "/return", json={"reason": "x", "item_comments": {"9.9": "?"}}, headers=HEAD
        )
        assert r.json()["validation_errors"][0]["pointer"] == "/item_comments/9.9"

    async def test_reason_without_items_is_refused_never_a_lock_out(self, org):
        await self._approved(org)
        r = await org.post(SELF + "/return", json={"reason": "Bổ sung"}, headers=OFFICER_A)
        assert (r.status_code, r.json()["validation_errors"][0]["code"]) == (422, "items_required")
        r = await org.post(
            SELF + "/return", json={"reason": "Làm lại", "reopen_all": True}, headers=OFFICER_A
        )
        assert (r.status_code, r.json()["open_items"]) == (200, None)
        assert (await put(org, STAFF, {**FULL, "1.3.1": {"deployed": False}})).status_code == 200

    async def test_reopened_item_brings_what_it_requires(self, org):
        await self._approved(org)
        r = await org.post(
            SELF + "/return",
            json={"reason": "Bổ sung", "item_comments": {"1.5.2": "Chưa kết nối"}},
            headers=OFFICER_A,
        )
        assert r.json()["open_items"] == ["1.5.1", "1.5.2", "sms"]
        assert (await put(org, STAFF, {**FULL, "1.5.1": {"deployed": False}})).status_code == 200

    async def test_returned_event_carries_comments_and_reason(self, org):
        await self._approved(org)
        comments = {"1.4.1": "Thiếu danh mục học liệu"}
        await org.post(
            SELF + "/return", json={"reason": "Bổ sung", "item_comments": comments}, headers=OFFICER_A
        )
        (ev,) = [e for e in await events(org) if e["type"] == "assessment.returned"]
        assert ev["payload"]["item_comments"] == comments
        assert ev["payload"]["reason"] == "Bổ sung"
        assert ev["payload"]["open_items"] == ["1.4.1"]

    async def test_reopen_emits_reopened(self, org):
        await self._approved(org)
        await org.post(SELF + "/accept", headers=OFFICER_A)
        await org.post(SELF + "/request-external", headers=HEAD)
        await put(org, ASSESSOR_A, FULL, url=EXT)
        await org.post(EXT + "/conclude", headers=ASSESSOR_A)
        r = await org.post(EXT + "/reopen", json={"reason": "Kiểm tra lại 1.7.2"}, headers=OFFICER_A)
        assert r.json()["state"] == "in_progress"
        ev = (await events(org))[-1]
        assert (ev["type"], ev["payload"]["reason"]) == ("assessment.reopened", "Kiểm tra lại 1.7.2")


class TestPermissions:
    """`allowed_actions` and every `may_*` flag come from one table."""

    async def _flags_agree(self, c: httpx.AsyncClient, url: str, *callers: dict[str, str]) -> None:
        for h in callers:
            perms = (await c.get(url, headers=h)).json()["permissions"]
            acts = set(perms.pop("allowed_actions"))
            flags = {k.removeprefix("may_").replace("_", "-") for k, v in perms.items() if v}
            assert flags == acts, (h, perms, acts)

    async def test_flags_equal_allowed_actions_in_every_state(self, org):
        callers = (STAFF, HEAD, VENDOR, OFFICER_A, ASSESSOR_A)
        await put(org, STAFF, FULL)
        await self._flags_agree(org, SELF, *callers)
        for action, h in (("submit", STAFF), ("approve", HEAD), ("accept", OFFICER_A)):
            assert (await org.post(f"{SELF}/{action}", headers=h)).status_code == 200
            await self._flags_agree(org, SELF, *callers)
        perms = (await org.get(SELF, headers=ASSESSOR_A)).json()["permissions"]
        assert (perms["may_start_external"], perms["may_request_external"]) == (False, False)
        await org.post(SELF + "/request-external", headers=HEAD)
        perms = (await org.get(SELF, headers=ASSESSOR_A)).json()["permissions"]
        assert perms["may_start_external"]
        assert "start-external" in perms["allowed_actions"]
        await put(org, ASSESSOR_A, FULL, url=EXT)
        await self._flags_agree(org, SELF, *callers)
        await self._flags_agree(org, EXT, *callers)

    async def test_a_client_never_acts_with_a_persons_role(self, org):
        head_client = Principal(
            sub="vendor-x",
            kind=PrincipalKind.CLIENT,
            roles=frozenset({Role.VENDOR_CLIENT, Role.SCHOOL_HEAD}),
            schools=frozenset({"79701001"}),
        )
        h = {"X-Chiso-Principal": sign_principal(head_client, SECRET, ttl=3600)}
        await put(org, h, FULL)
        await org.post(SELF + "/submit", headers=h)
        body = (await org.get(SELF, headers=h)).json()
        assert not body["permissions"]["may_approve"]
        r = await org.post(SELF + "/approve", headers=h)
        assert r.status_code == 403
        assert "person's role" in r.json()["hint"]
        assert (await org.get(SELF, headers=HEAD)).json()["state"] == "submitted"


async def concluded(c: httpx.AsyncClient, code: str = "79701001") -> str:
    """The school's external assessment, concluded today; returns its URL."""
    base = f"/api/v1/schools/{code}/assessments/2024-2025"
    steps = [
        ("PUT", "/self", {"facts": FULL}, VENDOR),
        ("POST", "/self/submit", None, VENDOR),
        ("POST", "/self/approve", None, who("head", Role.SCHOOL_HEAD, schools=(code,))),
        ("POST", "/self/request-external", None, who("head", Role.SCHOOL_HEAD, schools=(code,))),
        ("POST", "/self/accept", None, OFFICER_A),
        ("PUT", "/external", {"facts": FULL}, ASSESSOR_A),
        ("POST", "/external/conclude", None, ASSESSOR_A),
    ]
    for method, path, body, h in steps:
        r = await c.request(method, base + path, json=body, headers=h)
        assert r.status_code < 300, (path, r.text)
    return base + "/external"


class TestRecognition:
    @pytest.mark.parametrize(
        ("number", "day", "pointer", "code"),
        [
            (" ", TODAY, "/decision_number", "decision_number_format"),
            ("quyết định 45", TODAY, "/decision_number", "decision_number_format"),
            ("45/QĐ-SGDĐT", (date.fromisoformat(TODAY) + timedelta(days=1)).isoformat(), "/decision_date",
             "decision_date_future"),
            ("45/QĐ-SGDĐT", (date.fromisoformat(TODAY) - timedelta(days=1)).isoformat(), "/decision_date",
             "decision_before_conclusion"),
        ],
    )  # fmt: skip
    async def test_decision_is_validated(self, org, number, day, pointer, code):
        ext = await concluded(org)
        r = await org.post(
            ext + "/recognise", json={"decision_number": number, "decision_date": day}, headers=OFFICER_A
        )
        assert r.status_code == 422, r.text
        assert [(e["pointer"], e["code"]) for e in r.json()["validation_errors"]] == [(pointer, code)]
        assert (await org.get(ext, headers=OFFICER_A)).json()["state"] == "concluded"

    async def test_usual_forms_are_accepted_and_normalised(self, org):
        ext = await concluded(org)
        r = await org.post(
            ext + "/recognise",
            json={"decision_number": " 123/qđ-sgdđt ", "decision_date": TODAY},
            headers=OFFICER_A,
        )
        assert (r.status_code, r.json()["decision_number"]) == (200, "123/QĐ-SGDĐT")

    async def test_batch_is_all_or_nothing(self, org):
        await concluded(org, "79701001")
        await put(org, VENDOR, FULL, url="/api/v1/schools/79701002/assessments/2024-2025/self")
        body = {
            "school_year": "2024-2025",
            "decision_number": "45/QĐ-PGDĐT",
            "decision_date": TODAY,
            "schools": ["79701001", "79701002", "79702001", "79701001"],
        }
        r = await org.post("/api/v1/bulk/recognitions", json=body, headers=OFFICER_A)
        assert (r.status_code, r.json()["code"]) == (422, "batch_rejected")
        assert [(x["index"], x["problem"]["code"]) for x in r.json()["problems"]] == [
            (1, "assessment_not_found"),
            (2, "school_not_found"),
            (3, "duplicate_school"),
        ]
        assert (await org.get(EXT, headers=OFFICER_A)).json()["state"] == "concluded"
        await org.post("/api/v1/schools/79701002/assessments/2024-2025/self/submit", headers=VENDOR)
        await concluded_rest(org, "79701002")
        body["schools"] = ["79701001", "79701002"]
        r = await org.post("/api/v1/bulk/recognitions", json=body, headers=OFFICER_A)
        assert r.status_code == 200, r.text
        assert [x["school_code"] for x in r.json()["recognised"]] == ["79701001", "79701002"]
        recs = [e for e in await events(org) if e["type"] == "assessment.recognised"]
        assert {e["payload"]["approval"]["decision_number"] for e in recs} == {"45/QĐ-PGDĐT"}
        assert len(recs) == 2

    async def test_batch_needs_an_officer_person(self, org):
        await concluded(org)
        body = {"school_year": "2024-2025", "decision_number": "45/QĐ-PGDĐT", "decision_date": TODAY,
                "schools": ["79701001"]}  # fmt: skip
        r = await org.post("/api/v1/bulk/recognitions", json=body, headers=ASSESSOR_A)
        assert r.json()["problems"][0]["problem"]["status"] == 403


async def concluded_rest(c: httpx.AsyncClient, code: str) -> None:
    base = f"/api/v1/schools/{code}/assessments/2024-2025"
    head = who("head", Role.SCHOOL_HEAD, schools=(code,))
    for method, path, body, h in [
        ("POST", "/self/approve", None, head),
        ("POST", "/self/request-external", None, head),
        ("POST", "/self/accept", None, OFFICER_A),
        ("PUT", "/external", {"facts": FULL}, ASSESSOR_A),
        ("POST", "/external/conclude", None, ASSESSOR_A),
    ]:
        r = await c.request(method, base + path, json=body, headers=h)
        assert r.status_code < 300, (path, r.text)


class TestInformationAtSubmission:
    """I-10: optional in a draft, required at submission, every missing piece pointed at."""

    async def test_draft_without_information_submits_only_once_complete(self, org):
        facts = {
            **FULL,
            "2.1": {"met": True, "members": [{"name": "An", "position": "Hiệu trưởng", "email": " "}]},
            "sms": {"deployed": True},
            "1.5.1": {"deployed": True, "name": "Thi"},
            "lms": {"deployed": False},
        }
        assert (await put(org, STAFF, facts)).status_code == 201  # a draft may lack it
        r = await org.post(SELF + "/submit", headers=STAFF)
        assert (r.status_code, r.json()["code"]) == (422, "incomplete_for_submission")
        assert [(e["pointer"], e["code"]) for e in r.json()["validation_errors"]] == [
            ("/facts/2.1/members/0/email", "required_at_submission"),
            ("/facts/2.1/members/0/phone", "required_at_submission"),
            ("/facts/sms/name", "required_at_submission"),
            ("/facts/sms/acquisition", "required_at_submission"),
        ]
        assert (await org.get(SELF, headers=HEAD)).json()["state"] == "draft"
        r = await put(org, STAFF, {**facts, "2.1": {"met": True}})
        r = await org.post(SELF + "/submit", headers=STAFF)
        assert r.json()["validation_errors"][0]["pointer"] == "/facts/2.1/members"
        await put(org, STAFF, FULL)
        assert (await org.post(SELF + "/submit", headers=STAFF)).status_code == 200


class TestWorkDone:
    """What a request costs the service: a PUT scores the document once (the answer reuses the
    write's score), an action reads the assessment and its school in one query."""

    async def test_put_scores_once(self, org, monkeypatch):
        from services.scoring.engine import score

        calls: list[str] = []

        def counted(*args: Any) -> Any:
            calls.append("score")
            return score(*args)

        # the name the assessment path calls the engine by
        monkeypatch.setattr("services.scoring.assessments.scoring.score", counted)
        assert (await org.put(SELF, json={"facts": FULL}, headers=VENDOR)).status_code == 201
        assert calls == ["score"]
        current = await org.get(SELF, headers=VENDOR)  # a read scores the stored document
        calls.clear()
        r = await org.put(
            SELF,
            json={"facts": {**FULL, "1.4.1": {"count": 25}}},
            headers={**VENDOR, "If-Match": current.headers["ETag"]},
        )
        assert r.status_code == 200
        assert calls == ["score"]

    @pytest.mark.parametrize("action", ["submit", "approve"])
    async def test_an_action_reads_assessment_and_school_in_one_query(self, org, app, action):
        from sqlalchemy import event

        assert (await put(org, STAFF, FULL)).status_code == 201
        if action == "approve":
            assert (await org.post(SELF + "/submit", headers=STAFF)).status_code == 200
        reads: list[str] = []

        def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            s = " ".join(statement.split()).lower()
            if s.startswith("select") and "pg_advisory" not in s:
                reads.append(s)

        # the engine the requests' sessions run on: the test's own connection's, when it has one
        conn = getattr(app.state, "database_connection", None)
        engine = (conn or app.state.engine).sync_engine
        event.listen(engine, "before_cursor_execute", seen)
        try:
            r = await org.post(f"{SELF}/{action}", headers=HEAD)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        assert r.status_code == 200, r.text
        # the school (for the scope, the calendar, the event and the answer) and the assessment
        assert len(reads) == 1, reads
        assert "from school left outer join assessment " in reads[0] + " "
