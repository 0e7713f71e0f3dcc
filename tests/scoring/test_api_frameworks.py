"""The frameworks endpoints over HTTP (in-process ASGI transport)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from services.scoring.config import ScoringSettings
from services.scoring.frameworks.examples import BAD_INPUT, MANDATORY_UNMET, PRIMARY_SCHOOL
from services.scoring.main import create_app
from tests.conftest import SECRET

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ScoringSettings(internal_secret=SECRET, environment="test"))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://scoring") as c:
        yield c


class TestListAndGet:
    async def test_list(self, client):
        r = await client.get("/api/v1/frameworks")
        assert r.status_code == 200
        refs = [f["ref"] for f in r.json()["items"]]
        assert refs == ["qd4725-2022@1"]

    async def test_document_with_etag(self, client):
        r = await client.get("/api/v1/frameworks/qd4725-2022")
        assert r.status_code == 200
        doc = r.json()
        assert doc["id"] == "qd4725-2022"
        assert [i["id"] for i in doc["interpretations"]] == [f"I-{n}" for n in range(1, 9)]
        assert doc["groups"][0]["criteria"][2]["items"][0]["cap"] == {"rule": "fixed", "points": "6"}
        again = await client.get(
            "/api/v1/frameworks/qd4725-2022@1", headers={"If-None-Match": r.headers["etag"]}
        )
        assert again.status_code == 304

    async def test_unknown_framework_is_404_problem(self, client):
        r = await client.get("/api/v1/frameworks/qd9999")
        assert r.status_code == 404
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert body["code"] == "framework_not_found"
        assert body["validation_errors"][0]["pointer"] == "/path/framework_id"
        assert body["message"]["vi"]


class TestPreview:
    async def test_primary_school(self, client):
        r = await client.post("/api/v1/frameworks/qd4725-2022/score", json=PRIMARY_SCHOOL)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["framework"] == "qd4725-2022@1"
        g1, g2 = body["groups"]
        c13 = g1["criteria"][2]
        assert c13["items"][0] == {
            "code": "1.3.1",
            "title": "Có triển khai phần mềm dạy học trực tuyến trực tiếp (ghi tên)",
            "cap": 6,
            "points": 5.5,
            "awarded": True,
            "why": {
                "rule": "fixed.deployed",
                "vi": "Đã triển khai: điểm tối đa của nội dung.",
                "en": "Deployed: the item's full cap.",
            },
        }
        # 1.3: 5.5 + 6 + 6 (LMS functions 1 and 2) + 0 + 0 = 17.5 → level 2 ("từ 10 - 20")
        assert (c13["points"], c13["level"]) == (17.5, 2)
        assert (g1["points"], g1["level"]) == (64.5, 2)
        assert (g2["points"], g2["level"], g2["attainable_max"]) == (52, 2, 90)
        assert body["overall"] == {"level": 2, "derived": True}

    async def test_mandatory_unmet_example(self, client):
        r = await client.post("/api/v1/frameworks/qd4725-2022/score", json=MANDATORY_UNMET)
        g1 = r.json()["groups"][0]
        assert g1["level"] == 1
        assert g1["unmet_mandatory"] == ["1.2"]
        assert g1["why"]["interpretation"] == "I-6"

    async def test_bad_input_lists_every_error(self, client):
        r = await client.post("/api/v1/frameworks/qd4725-2022/score", json=BAD_INPUT)
        assert r.status_code == 422
        assert r.headers["content-type"] == "application/problem+json"
        body = r.json()
        assert [e["pointer"] for e in body["validation_errors"]] == [
            "/school_levels/1",
            "/facts/1.6.1/numerator",
            "/facts/9.9.9",
        ]
        assert all(e["message"]["vi"] and e["message"]["en"] for e in body["validation_errors"])
        assert body["correlation_id"] == r.headers["x-request-id"]

    async def test_awarded_above_cap(self, client):
        r = await client.post(
            "/api/v1/frameworks/qd4725-2022/score",
            json={"school_levels": ["TH"], "facts": {"1.4.1": {"count": 25}}, "awarded": {"1.4.1": "6.01"}},
        )
        assert r.status_code == 422
        (err,) = r.json()["validation_errors"]
        assert (err["pointer"], err["code"]) == ("/awarded/1.4.1", "awarded_above_cap")
        assert "6.01" in err["message"]["en"]

    @pytest.mark.parametrize(
        ("content", "ctype"),
        [
            (b"{not json", "application/json"),
            (b"[]", "application/json"),
            (b"", "application/json"),
            (b"a=b", "text/plain"),
        ],
    )
    async def test_malformed_bodies_are_4xx_never_500(self, client, content, ctype):
        r = await client.post(
            "/api/v1/frameworks/qd4725-2022/score", content=content, headers={"content-type": ctype}
        )
        assert 400 <= r.status_code < 500
        assert r.headers["content-type"] == "application/problem+json"

    async def test_unknown_framework(self, client):
        r = await client.post("/api/v1/frameworks/nope/score", json=PRIMARY_SCHOOL)
        assert r.status_code == 404

    async def test_openapi_has_examples(self, client):
        spec = (await client.get("/openapi.json")).json()
        op = spec["paths"]["/api/v1/frameworks/{framework_id}/score"]["post"]
        examples = op["requestBody"]["content"]["application/json"]["examples"]
        assert set(examples) == {"primary", "mandatory_unmet", "bad_input"}
        assert "422" in op["responses"]

    async def test_health(self, client):
        assert (await client.get("/healthz")).json() == {"status": "ok"}


class TestBandsInWords:
    """People read the bands in words, never as "(18, inf)"; the interval stays in `band`."""

    async def test_preview_explains_in_words(self, client):
        r = await client.post("/api/v1/frameworks/qd4725-2022/score", json=PRIMARY_SCHOOL)
        g1 = r.json()["groups"][0]
        texts = [g1["why"]] + [c["why"] for c in g1["criteria"]]
        texts += [i["why"] for c in g1["criteria"] for i in c.get("items", [])]
        assert not [w for w in texts if "inf" in w["vi"] + w["en"] or "[" in w["vi"] + w["en"]]
        assert g1["why"]["band"] == "[50, 75]"  # the interval itself, for machines
        assert g1["why"]["vi"] == "64,5 điểm (từ 50 đến 75 điểm)."
        assert g1["why"]["en"] == "64.5 points (from 50 to 75 points)."
