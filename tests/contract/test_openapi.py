"""The OpenAPI document a vendor generates a client from: what it promises is what is sent."""

from __future__ import annotations

import json
import re
from typing import Any

from services.gateway.api_docs import PAGE
from services.gateway.api_docs import render as render_page
from services.gateway.openapi_export import EXPORTED, render
from shared.openapi.naming import PUBLIC

OPS = ("get", "put", "post", "patch", "delete")


def _ops(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(p, m, op) for p, item in doc["paths"].items() for m, op in item.items() if m in OPS]


def test_every_error_is_problem_json_with_the_real_schema(served):
    problem = served["components"]["schemas"]["Problem"]
    assert "validation_errors" in problem["properties"]
    field = served["components"]["schemas"]["FieldError"]
    assert {"pointer", "code", "message"} <= set(field["required"])
    assert "HTTPValidationError" not in served["components"]["schemas"]
    for path, method, op in _ops(served):
        for status, resp in op["responses"].items():
            if not status.startswith(("4", "5")) or op["operationId"] == "issueToken":
                continue
            assert list(resp["content"]) == ["application/problem+json"], (path, method, status)
            assert resp["content"]["application/problem+json"]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }


def test_operation_ids_are_short_unique_and_summarised(served):
    ids = [op["operationId"] for _, _, op in _ops(served)]
    assert len(ids) == len(set(ids))
    for oid in ids:
        assert re.fullmatch(r"[a-z][a-zA-Z]{2,31}", oid), oid
    for _, _, op in _ops(served):
        assert op["summary"], op["operationId"]
        assert op["summary"] != op["operationId"], op["operationId"]
        assert len(op["summary"]) > 8, op["summary"]  # a sentence, not "Status"


def test_tags_are_described_and_security_is_per_operation(served):
    described = {t["name"] for t in served["tags"] if t["description"] != t["name"]}
    assert {tag for _, _, op in _ops(served) for tag in op["tags"]} <= described
    assert "security" not in served  # no global requirement covering the public operations
    scopes = served["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"]["scopes"]
    assert {"assessments:write", "evidence:write", "admin"} <= set(scopes)
    by_id = {op["operationId"]: op for _, _, op in _ops(served)}
    for oid in ("previewScore", "listFrameworks", "getFramework", "issueToken", "publicResults"):
        assert by_id[oid]["security"] == []
    assert by_id["putAssessment"]["security"] == [{"oauth2": ["assessments:write"]}, {"bearer": []}]
    assert by_id["createClient"]["security"][0] == {"oauth2": ["admin"]}
    assert set(by_id) & PUBLIC == {oid for oid, op in by_id.items() if op["security"] == []}
    assert served["servers"]


def test_statuses_and_headers_sent_are_documented(served):
    by_id = {op["operationId"]: op for _, _, op in _ops(served)}
    put = by_id["putAssessment"]["responses"]
    assert {"200", "201", "412"} <= set(put)
    assert "ETag" in put["201"]["headers"]
    assert "304" in by_id["getFramework"]["responses"]
    assert {"206", "304"} <= set(by_id["downloadEvidence"]["responses"])
    assert "Location" in by_id["uploadEvidence"]["responses"]["201"]["headers"]
    for _, _, op in _ops(served):
        assert "Retry-After" in op["responses"]["429"]["headers"]
        for resp in op["responses"].values():
            assert {"X-Request-Id", "RateLimit-Remaining"} <= set(resp["headers"])


def test_examples_for_every_body_and_operation(served):
    for path, method, op in _ops(served):
        for media in op.get("requestBody", {}).get("content", {}).values():
            assert "example" in media or "examples" in media, (path, method)
        ok = [r for s, r in op["responses"].items() if s.startswith("2") and r.get("content")]
        assert (
            any(
                "example" in m or "examples" in m or not t.endswith("json")
                for r in ok
                for t, m in r["content"].items()
            )
            or not ok
        ), (path, method)


def test_webhooks_document_every_event(served):
    events = set(served["webhooks"])
    assert {"sync.delivered", "deadline.at_risk", "assessment.returned", "assessment.reopened"} <= events
    hook = served["webhooks"]["sync.delivered"]["post"]
    assert {p["name"] for p in hook["parameters"]} == {"webhook-id", "webhook-timestamp", "webhook-signature"}


def test_the_checked_in_document_is_the_served_one(served):
    """`make schema` regenerates openapi.json; an undeclared change to the API fails here."""
    checked_in = json.loads(EXPORTED.read_text(encoding="utf-8"))
    assert checked_in == served, "the API changed: run `make schema` and review the diff of openapi.json"
    assert EXPORTED.read_text(encoding="utf-8") == render(served)


def test_docs_api_md_is_generated_from_the_document():
    """docs/api.md shows one request and one answer per operation (`make schema` writes it)."""
    page = PAGE.read_text(encoding="utf-8")
    doc = json.loads(EXPORTED.read_text(encoding="utf-8"))
    assert page == render_page(doc)
    for _, _, op in _ops(doc):
        assert f"`{op['operationId']}`" in page


def test_the_school_year_is_school_year_and_year_only_a_deprecated_duplicate(served):
    """One name per concept: a body with `year` (the 1.0 name) also has `school_year`, and its
    `year` is marked deprecated."""
    with_year = {
        name: schema
        for name, schema in served["components"]["schemas"].items()
        if "year" in schema.get("properties", {})
    }
    assert {
        "GoodModels",
        "SelfVsExternal",
        "SummariesRequest",
        "Transitions",
        "UnitSummary",
        "YearOnYear",
    } <= set(with_year)
    for name, schema in with_year.items():
        assert "school_year" in schema["properties"], name
        assert schema["properties"]["year"].get("deprecated") is True, name
    assert "year" not in with_year["SummariesRequest"].get("required", [])
