"""The facts vocabulary as JSON Schema: served per framework, and what it accepts and refuses is
what the scoring engine accepts and refuses (for what a schema can say)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest

from services.scoring.config import ScoringSettings
from services.scoring.frameworks.examples import PRIMARY_SCHOOL
from services.scoring.main import create_app

URL = "/api/v1/frameworks/qd4725-2022/facts.schema.json"


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ScoringSettings(internal_secret="test-internal-secret", environment="test"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


async def _schema(client: httpx.AsyncClient) -> dict[str, Any]:
    r = await client.get(URL)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/schema+json"
    return dict(r.json())


async def test_served_with_etag_and_304(client):
    r = await client.get(URL)
    assert r.status_code == 200
    again = await client.get(URL, headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    assert (await client.get("/api/v1/frameworks/nope/facts.schema.json")).status_code == 404


async def test_accepts_what_the_engine_scores(client):
    schema = await _schema(client)
    jsonschema.Draft202012Validator.check_schema(schema)
    body = {"facts": PRIMARY_SCHOOL["facts"], "awarded": PRIMARY_SCHOOL["awarded"]}
    jsonschema.validate(body, schema)
    r = await client.post("/api/v1/frameworks/qd4725-2022/score", json={**PRIMARY_SCHOOL})
    assert r.status_code == 200


@pytest.mark.parametrize(
    ("code", "fact"),
    [
        ("1.3.1", {"deployed": "yes"}),
        ("9.9.9", {"deployed": True}),
    ],
)
async def test_refuses_what_the_engine_refuses(client, code, fact):
    schema = await _schema(client)
    body = copy.deepcopy({"facts": PRIMARY_SCHOOL["facts"], "awarded": {}})
    body["facts"][code] = fact
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, schema)
    r = await client.post(
        "/api/v1/frameworks/qd4725-2022/score",
        json={"school_levels": PRIMARY_SCHOOL["school_levels"], **body},
    )
    assert r.status_code == 422
    assert any(e["pointer"].startswith(f"/facts/{code}") for e in r.json()["validation_errors"])


async def test_every_item_has_a_typed_shape(client):
    facts = (await _schema(client))["properties"]["facts"]["properties"]
    for code, shape in facts.items():
        assert "description" in shape, code
        assert shape.get("type") == "object" or "oneOf" in shape, code


async def test_referenced_from_the_assessment_and_preview_bodies(client):
    doc = (await client.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    preview = doc["paths"]["/api/v1/frameworks/{framework_id}/score"]["post"]["requestBody"]
    for props in (
        schemas["AssessmentWrite"]["properties"],
        preview["content"]["application/json"]["schema"]["properties"],
    ):
        assert props["facts"]["$ref"] == "#/components/schemas/Facts"
        assert props["awarded"]["$ref"] == "#/components/schemas/Awarded"
    assert "1.3.1" in schemas["Facts"]["properties"]
    ok = doc["paths"]["/api/v1/frameworks/{framework_id}"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Framework"}
