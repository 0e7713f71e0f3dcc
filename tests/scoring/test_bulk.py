"""Bulk submission for vendors: each row validated and scored on its own, one summary per school,
dry runs, idempotent replays, and never a partial row."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.scoring.assessments.calendar import school_year_of
from services.scoring.assessments.rules import vn_today
from shared.principal import Role
from tests.org import ADMIN, HEAD, SERVICE, STAFF, VENDOR, who
from tests.scoring.test_engine_levels import FULL

BULK = "/api/v1/bulk/assessments"
SELF = "/api/v1/schools/{}/assessments/2024-2025/self"


@pytest.fixture
async def org(client: httpx.AsyncClient, province: None) -> httpx.AsyncClient:
    return client


CURRENT = school_year_of(vn_today())  # open: the window admits the current school year


def row(code: str, facts: dict[str, Any], year: str = "2024-2025", **extra: Any) -> dict[str, Any]:
    return {"school_code": code, "school_year": year, "facts": facts, **extra}


async def bulk(
    c: httpx.AsyncClient, rows: list[dict[str, Any]], headers: dict[str, str] = VENDOR, **params: Any
) -> Any:
    r = await c.post(BULK, json={"items": rows}, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


class TestBulk:
    async def test_summary_per_school(self, org: httpx.AsyncClient) -> None:
        first = await bulk(org, [row("79701001", FULL), row("79701002", {"1.1": {"met": True}})])
        assert [(x["outcome"], x["version"]) for x in first["results"]] == [("created", 1), ("created", 1)]
        again = await bulk(
            org,
            [
                row("79701001", FULL),  # unchanged
                row("79701002", {"1.1": {"met": False}}),  # updated
                row("79702001", FULL),  # not the vendor's school
                row("79701001", FULL, year="2024-2026"),  # bad year
                row("79701002", {"1.6.1": {"numerator": 9, "denominator": 5}}, year=CURRENT),  # bad facts
            ],
        )
        assert (again["created"], again["updated"], again["unchanged"], again["rejected"]) == (0, 1, 1, 3)
        res = again["results"]
        assert [r["outcome"] for r in res] == ["unchanged", "updated", "rejected", "rejected", "rejected"]
        assert res[1]["version"] == 2
        assert (res[2]["problem"]["status"], res[2]["problem"]["code"]) == (404, "school_not_found")
        assert res[3]["problem"]["code"] == "school_year_format"
        bad = res[4]["problem"]
        assert bad["status"] == 422
        assert [e["pointer"] for e in bad["validation_errors"]] == ["/items/4/facts/1.6.1/numerator"]
        assert set(bad["message"]) == {"vi", "en"}

    async def test_expected_version_is_the_bulk_if_match(self, org: httpx.AsyncClient) -> None:
        first = await bulk(org, [row("79701001", FULL, expected_version=0), row("79701002", FULL)])
        assert [x["outcome"] for x in first["results"]] == ["created", "created"]
        changed = {"1.1": {"met": False}}
        again = await bulk(
            org,
            [
                row("79701001", changed, expected_version=1),  # still at 1: written
                row("79701002", changed, expected_version=0),  # exists already: refused
                row("79701002", changed, year=CURRENT, expected_version=3),  # none yet, not at 3: refused
            ],
        )
        res = again["results"]
        assert [(r["outcome"], r["version"]) for r in res] == [
            ("updated", 2),
            ("rejected", None),
            ("rejected", None),
        ]
        stale = res[1]["problem"]
        assert (stale["status"], stale["code"], stale["current_version"]) == (412, "precondition_failed", 1)
        assert [e["pointer"] for e in stale["validation_errors"]] == ["/items/1/expected_version"]
        assert res[2]["problem"]["current_version"] == 0
        # a stale version writes nothing; without one the row overwrites the draft (last write wins)
        assert (await org.get(SELF.format("79701002"), headers=VENDOR)).json()["version"] == 1
        late = await bulk(org, [row("79701001", FULL, expected_version=1)])
        assert late["results"][0]["problem"]["current_version"] == 2
        blind = await bulk(org, [row("79701001", FULL)])
        assert (blind["results"][0]["outcome"], blind["results"][0]["version"]) == ("updated", 3)

    async def test_stored_rows_score_like_a_single_put(self, org: httpx.AsyncClient) -> None:
        await bulk(org, [row("79701001", FULL)])
        via_bulk = (await org.get(SELF.format("79701001"), headers=HEAD)).json()
        r = await org.put(SELF.format("79701002"), json={"facts": FULL}, headers=VENDOR)
        assert r.status_code == 201
        assert via_bulk["score"] == r.json()["score"]
        assert via_bulk["state"] == "draft"

    async def test_rejected_rows_write_nothing_and_dry_run_writes_nothing(
        self, org: httpx.AsyncClient
    ) -> None:
        dry = await bulk(org, [row("79701001", FULL)], dry_run="true")
        assert (dry["dry_run"], dry["created"]) == (True, 1)
        assert (await org.get(SELF.format("79701001"), headers=HEAD)).status_code == 404
        res = await bulk(org, [row("79701002", {"1.3.1": {"deployed": True}}, awarded={"1.3.1": 7})])
        assert res["rejected"] == 1
        assert (await org.get(SELF.format("79701002"), headers=ADMIN)).status_code == 404
        audit = await org.get(SELF.format("79701002") + "/audit", headers=ADMIN)
        assert audit.status_code == 404

    async def test_read_only_and_duplicate_rows(self, org: httpx.AsyncClient) -> None:
        await bulk(org, [row("79701001", FULL)])
        assert (await org.post(SELF.format("79701001") + "/submit", headers=STAFF)).status_code == 200
        res = await bulk(org, [row("79701001", {}), row("79701002", FULL), row("79701002", FULL)])
        assert [r["outcome"] for r in res["results"]] == ["rejected", "created", "rejected"]
        assert (res["results"][0]["problem"]["status"], res["results"][0]["problem"]["code"]) == (
            409,
            "not_editable",
        )
        assert res["results"][2]["problem"]["code"] == "duplicate_row"

    async def test_audit_records_bulk_writes(self, org: httpx.AsyncClient) -> None:
        await bulk(org, [row("79701001", {"1.1": {"met": True}})])
        await bulk(org, [row("79701001", {"1.1": {"met": False}})])
        entries = (await org.get(SELF.format("79701001") + "/audit", headers=ADMIN)).json()["items"]
        actions = (
            [e["action"] for e in entries["items"]]
            if isinstance(entries, dict)
            else [e["action"] for e in entries]
        )
        assert actions[:2] == ["bulk_create", "bulk_update"]

    async def test_limits_roles_and_replay(self, org: httpx.AsyncClient) -> None:
        too_many = [row("79701001", {}, year=f"{2000 + i % 50}-{2001 + i % 50}") for i in range(1001)]
        r = await org.post(BULK, json={"items": too_many}, headers=VENDOR)
        assert r.status_code == 422
        assert r.json()["validation_errors"][0]["pointer"] == "/items"
        assert (
            await org.post(BULK, json={"items": [row("79701001", FULL)]}, headers=SERVICE)
        ).status_code == 403
        key = {"Idempotency-Key": "batch-2025-05-01"}
        a = await org.post(BULK, json={"items": [row("79701001", FULL)]}, headers=VENDOR | key)
        b = await org.post(BULK, json={"items": [row("79701001", FULL)]}, headers=VENDOR | key)
        assert a.json() == b.json()
        assert b.json()["results"][0]["outcome"] == "created"  # the replayed answer, not "unchanged"
        other = await org.post(BULK, json={"items": [row("79701002", FULL)]}, headers=VENDOR | key)
        assert other.status_code == 422

    async def test_a_thousand_schools_in_one_request(self, org: httpx.AsyncClient) -> None:
        codes = [f"7970{i:04d}" for i in range(3000, 4000)]
        csv = "code,name,levels,managing_unit_id\n" + "".join(
            f"{c},Trường {c},TH,phong-797-a\n" for c in codes
        )
        imp = await org.post(
            "/api/v1/org/import", content=csv.encode(), headers=ADMIN | {"Content-Type": "text/csv"}
        )
        assert imp.json()["created"] == 1000
        district_vendor = who("vendor-district", Role.VENDOR_CLIENT, units=("phong-797-a",))
        res = await bulk(org, [row(c, FULL) for c in codes], headers=district_vendor)
        assert res["created"] == 1000
        one = (await org.get(SELF.format("79703999"), headers=ADMIN)).json()
        assert one["score"]["groups"][0]["level"] == 3


async def test_a_bulk_created_row_is_the_row_put_creates(org: httpx.AsyncClient, app: Any) -> None:
    """Bulk writes new rows with a core INSERT built from the model's defaults; every column must
    equal what the ORM path (PUT) writes for the same facts, but the keys and timestamps."""
    from sqlalchemy import select

    from services.scoring.assessments.models import Assessment

    facts = {**FULL, "1.1": {"met": True}}
    r = await org.put(SELF.format("79701001"), json={"facts": facts}, headers=VENDOR)
    assert r.status_code in (200, 201), r.text
    assert (await bulk(org, [row("79701002", facts)]))["created"] == 1
    async with app.state.session_factory() as s:
        columns = [c.name for c in Assessment.__table__.columns]  # type: ignore[attr-defined]
        rows = {
            a.school_code: {c: getattr(a, c) for c in columns}
            for a in (await s.execute(select(Assessment))).scalars()
        }
    put, bulked = rows["79701001"], rows["79701002"]
    differ = {"id", "school_code", "created_at", "updated_at"}
    assert {k: v for k, v in put.items() if k not in differ} == {
        k: v for k, v in bulked.items() if k not in differ
    }
    assert bulked["state"] == "draft"
    assert bulked["result"]["groups"]


class TestOneWritePath:
    """Bulk and PUT share the planning step: same audit shape, same rules; bulk may submit."""

    async def test_submit_per_row_with_each_rows_score(self, org: httpx.AsyncClient) -> None:
        incomplete = {**FULL, "2.1": {"met": True}}
        out = await bulk(
            org,
            [
                row("79701001", FULL, submit=True),
                row("79701002", incomplete, submit=True),  # I-10: refused, nothing written
            ],
        )
        ok, bad = out["results"]
        assert (ok["outcome"], ok["state"], ok["version"]) == ("created", "submitted", 2)
        assert [(g["code"], g["points"], g["level"]) for g in ok["score"]["groups"]] == [
            ("1", "100", 3),
            ("2", "90", 3),
        ]
        assert bad["problem"]["code"] == "incomplete_for_submission"
        assert bad["problem"]["validation_errors"][0]["pointer"] == "/items/1/facts/2.1/members"
        assert (await org.get(SELF.format("79701002"), headers=HEAD)).status_code == 404
        audit = (await org.get(SELF.format("79701001") + "/audit", headers=HEAD)).json()["items"]
        assert [(a["action"], a["after"]["state"]) for a in audit] == [
            ("bulk_create", "draft"),
            ("submit", "submitted"),
        ]
        evs = (await org.get("/internal/v1/events", headers=SERVICE)).json()["events"]
        assert [(e["type"], e["school_code"]) for e in evs] == [("assessment.submitted", "79701001")]
        # submitted: read-only to bulk too
        again = await bulk(org, [row("79701001", FULL, submit=True)])
        assert again["results"][0]["problem"]["code"] == "not_editable"

    async def test_audit_has_the_same_shape_as_put(self, org: httpx.AsyncClient) -> None:
        await org.put(SELF.format("79701001"), json={"facts": FULL}, headers=VENDOR)
        await bulk(org, [row("79701001", {**FULL, "1.4.1": {"count": 3}}), row("79701002", FULL)])
        put_audit = (await org.get(SELF.format("79701001") + "/audit", headers=HEAD)).json()["items"]
        assert [a["action"] for a in put_audit] == ["create", "bulk_update"]
        assert put_audit[0]["after"].keys() == put_audit[1]["before"].keys() == put_audit[1]["after"].keys()
        assert put_audit[1]["before"]["state"] == "draft"

    async def test_dry_run_writes_no_update(self, org: httpx.AsyncClient) -> None:
        await bulk(org, [row("79701001", FULL)])
        out = await bulk(org, [row("79701001", {**FULL, "1.4.1": {"count": 3}}, submit=True)], dry_run="true")
        assert out["results"][0]["state"] == "submitted"
        got = (await org.get(SELF.format("79701001"), headers=HEAD)).json()
        assert (got["version"], got["state"], got["facts"]["1.4.1"]) == (1, "draft", FULL["1.4.1"])


class TestFrameworkPerRow:
    """The framework in force is looked up once per (year, province) in a request, and each row
    still gets its own province's: an overlay's province its overlay, the others the national."""

    def test_each_province_its_framework_looked_up_once(self, tmp_path: Any) -> None:
        from services.scoring.assessments.bulk import BulkService
        from services.scoring.frameworks.registry import FrameworkRegistry
        from tests.test_framework_in_force import _documents

        registry = FrameworkRegistry.from_directory(_documents(tmp_path))
        calls: list[tuple[str, str | None]] = []
        looked_up = registry.in_force

        def counted(year: str, province: str | None = None) -> Any:
            calls.append((year, province))
            return looked_up(year, province)

        registry.in_force = counted  # type: ignore[method-assign,assignment]
        svc = BulkService(None, registry, None)  # type: ignore[arg-type]
        refs = [
            svc._in_force("2024-2025", p).framework.ref  # type: ignore[union-attr]
            for p in ("99", "79", "99", None, "79")
        ]
        assert refs == [
            "example-province-2024@1",
            "qd4725-2022@1",
            "example-province-2024@1",
            "qd4725-2022@1",
            "qd4725-2022@1",
        ]
        assert calls == [("2024-2025", "99"), ("2024-2025", "79"), ("2024-2025", None)]
        assert svc._in_force("1990-1991", "79") is None  # none in force: answered, and kept
        assert svc._in_force("1990-1991", "79") is None
        assert calls.count(("1990-1991", "79")) == 1


class TestStatisticsAfterABatch:
    """A batch that created rows refreshes the planner's statistics of `assessment` after its
    commit (shared.db.refresh_statistics; on PostgreSQL tests/test_db_statistics.py)."""

    async def test_a_creating_batch_asks_once_a_dry_run_or_a_no_op_does_not(
        self, org: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from services.scoring.assessments import router

        calls: list[tuple[object, dict[str, tuple[str, ...]]]] = []

        async def recording(engine: object, tables: dict[str, tuple[str, ...]]) -> list[str]:
            calls.append((engine, tables))
            return []

        monkeypatch.setattr(router, "refresh_statistics", recording)
        await bulk(org, [row("79701001", FULL)], dry_run="true")
        assert calls == []
        await bulk(org, [row("79701001", FULL), row("79701002", FULL)])
        assert len(calls) == 1
        assert calls[0][1] == {"assessment": ("school_code", "school_year", "kind", "state")}
        assert calls[0][0] is not None
        await bulk(org, [row("79701001", FULL)])  # unchanged: nothing new to count
        assert len(calls) == 1


class TestChunkedWrite:
    """New rows are written a chunk at a time while the next ones are planned (bulk.CHUNK): the
    batch is still one transaction, and a draft created meanwhile by another request fails the
    batch with 409, writing nothing."""

    async def test_every_chunk_is_written_with_its_audit(
        self, org: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from services.scoring.assessments import bulk as bulk_module

        monkeypatch.setattr(bulk_module, "CHUNK", 1)  # every new row its own chunk
        monkeypatch.setattr(bulk_module, "YIELD", 1)
        rows = [
            row("79701001", FULL),
            row("79702001", FULL),  # not the vendor's: rejected between two chunks
            row("79701002", {"1.1": {"met": True}}),
            row("79701001", FULL, year=CURRENT),
            row("79701002", FULL, year=CURRENT),
        ]
        out = await bulk(org, rows)
        assert [r["outcome"] for r in out["results"]] == [
            "created",
            "rejected",
            "created",
            "created",
            "created",
        ]
        for code, year in (("79701001", "2024-2025"), ("79701002", "2024-2025"), ("79701001", CURRENT)):
            url = f"/api/v1/schools/{code}/assessments/{year}/self"
            got = await org.get(url, headers=ADMIN)
            assert got.status_code == 200
            assert got.json()["version"] == 1
            audit = (await org.get(url + "/audit", headers=ADMIN)).json()["items"]
            assert [a["action"] for a in audit] == ["bulk_create"]
        again = await bulk(
            org, [row("79701001", {"1.1": {"met": False}}), row("79701002", FULL, year=CURRENT)]
        )
        assert [r["outcome"] for r in again["results"]] == ["updated", "unchanged"]

    async def test_a_draft_created_meanwhile_fails_the_batch_and_nothing_is_written(
        self, org: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from services.scoring.assessments import bulk as bulk_module

        await bulk(org, [row("79701002", FULL, year=CURRENT)])
        original = bulk_module.BulkService._prefetch

        async def blind(self: Any, p: Any, rows: Any) -> Any:  # as if read before the other request wrote
            schools, existing = await original(self, p, rows)
            existing.pop(("79701002", CURRENT), None)
            return schools, existing

        monkeypatch.setattr(bulk_module, "CHUNK", 1)
        monkeypatch.setattr(bulk_module.BulkService, "_prefetch", blind)
        r = await org.post(
            BULK,
            json={"items": [row("79701001", FULL), row("79701002", FULL, year=CURRENT)]},
            headers=VENDOR,
        )
        assert r.status_code == 409, r.text
        assert r.json()["code"] == "concurrent_change"
        # the first chunk had been written: rolled back with the batch
        gone = await org.get(SELF.format("79701001"), headers=ADMIN)
        assert gone.status_code == 404
