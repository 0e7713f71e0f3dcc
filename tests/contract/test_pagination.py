"""Every list pages the same way (shared/pagination.py): `cursor` and `limit` in, `items` and
`next_cursor` out, the next page strictly after the last row, and a bad cursor a 422 pointing at
`/cursor`. Checked on the document (no operation answers a bare array, every page declares its
parameters) and on each list of the embedded run's demo province."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.gateway.openapi_export import EXPORTED
from services.run import embedded
from shared.pagination import decode_cursor, encode_cursor, paginate, paginate_ids, trim

YEAR = "2024-2025"
# documents of a school year: a fixed set of papers named by the cycle, not a list that grows
FIXED_SETS = {"schoolPapers", "unitPapers"}
# bodies whose `items` are the framework's items (1.3.1, 2.3.4…), not rows of a list
ITEMS_OF_A_FRAMEWORK = {"compareAssessments", "getEvidence"}


def _schema(doc: dict[str, Any], s: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in s:
        s = doc["components"]["schemas"][s["$ref"].rsplit("/", 1)[1]]
    return s


def _lists(doc: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    out = {}
    for item in doc["paths"].values():
        op = item.get("get")
        if op is None or op["operationId"] in FIXED_SETS:
            continue
        content = op["responses"].get("200", {}).get("content", {}).get("application/json")
        if content:
            out[op["operationId"]] = (op, _schema(doc, content.get("schema", {})))
    return out


def test_no_operation_answers_a_bare_array_and_every_page_declares_cursor_and_limit():
    doc = json.loads(Path(EXPORTED).read_text(encoding="utf-8"))
    bare, undeclared = [], []
    pages = 0
    for oid, (op, schema) in _lists(doc).items():
        if schema.get("type") == "array":
            bare.append(oid)
        props = schema.get("properties", {})
        if props.get("items", {}).get("type") == "array" and oid not in ITEMS_OF_A_FRAMEWORK:
            pages += 1
            params = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
            if not {"cursor", "limit"} <= params or "next_cursor" not in props:
                undeclared.append(oid)
    assert bare == []
    assert undeclared == []
    assert pages >= 20  # the lists of every service are here, not only the gateway's


# --- the helper itself ---------------------------------------------------------------------


def test_cursor_round_trip_and_bad_cursors_are_422_at_cursor():
    assert decode_cursor(encode_cursor("79100001", "2024-2025"), 2) == ("79100001", "2024-2025")
    assert decode_cursor(None) is None
    assert decode_cursor("") is None
    good_one = encode_cursor("x")
    for bad, arity in [("!!!", 1), ("bm90LWpzb24", 1), (encode_cursor("a", "b"), 1), (good_one, 2)]:
        with pytest.raises(Exception) as e:
            decode_cursor(bad, arity)
        assert getattr(e.value, "status", None) == 422
        (err,) = e.value.errors  # type: ignore[attr-defined]
        assert (err.pointer, err.code) == ("/cursor", "cursor_invalid")


def test_trim_says_more_only_when_a_row_is_left():
    assert trim([1, 2, 3], 3, lambda r: (str(r),)) == ([1, 2, 3], None)
    page, nxt = trim([1, 2, 3, 4], 3, lambda r: (str(r),))
    assert page == [1, 2, 3]
    assert decode_cursor(nxt) == ("3",)


def test_in_memory_pages_cover_the_list_once_in_order():
    rows = [f"s{i:02d}" for i in range(7)][::-1]
    seen, cursor = [], None
    while True:
        page, cursor, total = paginate(rows, cursor, 3, lambda r: (r,))
        assert total == 7
        assert len(page) <= 3
        seen += page
        if cursor is None:
            break
    assert seen == sorted(rows)


def test_ids_compare_as_numbers():
    page, nxt, _ = paginate_ids([2, 9, 10, 11], None, 2, lambda r: r)
    assert page == [2, 9]
    assert paginate_ids([2, 9, 10, 11], nxt, 2, lambda r: r)[0] == [10, 11]


# --- every list of the running system --------------------------------------------------------


def _ident(row: dict[str, Any]) -> tuple[Any, ...]:
    """What names a row (a job's last run may change between two reads; its name does not)."""
    return tuple(
        row.get(k) for k in ("id", "ref", "school_code", "code", "unit_id", "email", "service", "job")
    )


async def _login(gw: httpx.AsyncClient, username: str, password: str) -> dict[str, str]:
    r = await gw.post("/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def test_every_list_pages_by_cursor_and_refuses_a_bad_one(demo_dir: Path, monkeypatch):
    monkeypatch.setenv("GATEWAY_RATE_LIMIT_BURST", "100000")  # one client walks every list here
    async with embedded(demo_dir) as e:
        assert e.demo is not None
        gw = httpx.AsyncClient(transport=httpx.ASGITransport(app=e.gateway), base_url="http://gw", timeout=60)
        async with gw:
            admin = await _login(gw, "admin", e.demo.password)
            recognised = (await gw.get(f"/api/v1/public/provinces/79/results/{YEAR}")).json()["items"]
            code = recognised[0]["school_code"]
            school = f"/api/v1/schools/{code}"
            for n in range(3):  # lists the demo leaves empty get rows of their own
                hook = {"url": f"https://vendor{n}.example/hook", "events": ["sync.delivered"]}
                assert (await gw.post("/api/v1/sync/webhooks", json=hook, headers=admin)).status_code == 201
                contacts = {"contacts": [{"email": f"a{i}@x.vn", "role": "head"} for i in range(2)]}
                r = await gw.put(f"/api/v1/sync/reminders/contacts/7910000{n}", json=contacts, headers=admin)
                assert r.status_code == 200, r.text
            hook_id = (await gw.get("/api/v1/sync/webhooks", headers=admin)).json()["items"][0]["id"]
            year = {"school_year": YEAR}
            sync_year = {"school_year": YEAR}
            lists: list[tuple[str, dict[str, Any], int]] = [  # path, parameters, rows at least
                ("/api/v1/frameworks", {}, 1),
                ("/api/v1/org/units", {}, 2),
                ("/api/v1/org/schools", {}, 2),
                ("/api/v1/dashboard/schools", year, 2),
                ("/api/v1/insights/units/so-79/year-on-year", year, 0),
                ("/api/v1/insights/provinces/79/good-models", year, 2),
                (f"/api/v1/units/so-79/results/{YEAR}", {}, 2),
                (f"/api/v1/public/provinces/79/results/{YEAR}", {}, 2),
                (f"{school}/assessments/{YEAR}/self/audit", {}, 2),
                (f"{school}/assessments/{YEAR}/self/extensions", {}, 0),
                (f"{school}/council/{YEAR}/audit", {}, 1),
                (f"/api/v1/units/so-79/teams/{YEAR}/audit", {}, 1),
                (f"{school}/evidence", {}, 0),
                ("/api/v1/sync/at-risk", {**sync_year, "within_days": 366, "as_of": "2025-05-30"}, 2),
                ("/api/v1/sync/timeliness", sync_year, 2),
                ("/api/v1/sync/webhooks", {}, 3),
                (f"/api/v1/sync/webhooks/{hook_id}/deliveries", {}, 0),
                ("/api/v1/sync/reconciliation", {}, 0),
                ("/api/v1/sync/reminders/contacts", {}, 6),
                ("/admin/v1/clients", {}, 1),
                ("/admin/v1/users", {}, 2),
                ("/admin/v1/jobs", {}, 2),
            ]
            for path, params, at_least in lists:
                whole = await gw.get(path, params={**params, "limit": 500}, headers=admin)
                assert whole.status_code == 200, (path, whole.text)
                every = whole.json()["items"]
                assert len(every) >= at_least, path
                assert whole.json()["next_cursor"] is None, path
                seen: list[Any] = []
                cursor = None
                for _ in range(len(every) + 1):
                    q = {**params, "limit": 2, **({"cursor": cursor} if cursor else {})}
                    r = await gw.get(path, params=q, headers=admin)
                    assert r.status_code == 200, (path, r.text)
                    assert len(r.json()["items"]) <= 2, path
                    seen += r.json()["items"]
                    cursor = r.json()["next_cursor"]
                    if cursor is None:
                        break
                # each row once, in the list's order, no empty last page
                assert [_ident(x) for x in seen] == [_ident(x) for x in every], path
                bad = await gw.get(path, params={**params, "cursor": "not a cursor"}, headers=admin)
                assert bad.status_code == 422, (path, bad.text)
                (err,) = bad.json()["validation_errors"]
                assert (err["pointer"], err["code"]) == ("/cursor", "cursor_invalid"), path
