"""Replacing a file (refused once locked), and the app as the embedded run starts it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from services.evidence.config import EvidenceSettings
from services.evidence.main import create_app
from tests.evidence.conftest import EXE, PNG, created, settings_for, stored_blobs
from tests.evidence.test_lifecycle import approve
from tests.org import OFFICER_A, STAFF


class TestReplace:
    async def test_replace_keeps_id_and_codes(self, client):
        ev = await created(client, STAFF, items=("1.3.1",))
        r = await client.put(
            f"/api/v1/evidence/{ev['id']}/content",
            params={"filename": "ảnh chụp.png"},
            content=PNG,
            headers={**STAFF, "If-Match": f'"{ev["sha256"]}"'},
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert (body["id"], body["codes"], body["media_type"], body["filename"]) == (
            ev["id"],
            ["MC-1.3-01"],
            "image/png",
            "ảnh chụp.png",
        )
        r = await client.get(f"/api/v1/evidence/{ev['id']}/content", headers=STAFF)
        assert r.content == PNG

    async def test_stale_if_match_is_412(self, client):
        ev = await created(client, STAFF)
        r = await client.put(
            f"/api/v1/evidence/{ev['id']}/content", content=PNG, headers={**STAFF, "If-Match": '"old"'}
        )
        assert r.status_code == 412

    async def test_bad_replacement_changes_nothing(self, client, blob_root):
        ev = await created(client, STAFF)
        r = await client.put(f"/api/v1/evidence/{ev['id']}/content", content=EXE, headers=STAFF)
        assert r.status_code == 415
        assert (await client.get(f"/api/v1/evidence/{ev['id']}", headers=STAFF)).json()["sha256"] == ev[
            "sha256"
        ]
        assert [p.name for p in stored_blobs(blob_root)] == [ev["sha256"]]

    async def test_locked_evidence_cannot_be_replaced(self, app, client, scoring):
        ev = await created(client, STAFF)
        await approve(scoring, [ev["id"]])
        await app.state.feed.drain()
        r = await client.put(f"/api/v1/evidence/{ev['id']}/content", content=PNG, headers=STAFF)
        assert (r.status_code, r.json()["code"]) == (409, "evidence_locked")

    async def test_managing_unit_cannot_replace(self, client):
        ev = await created(client, STAFF)
        r = await client.put(f"/api/v1/evidence/{ev['id']}/content", content=PNG, headers=OFFICER_A)
        assert r.status_code == 403


async def test_openapi_documents_the_routes(client):
    spec = (await client.get("/openapi.json")).json()
    assert {"/api/v1/schools/{code}/evidence", "/api/v1/evidence/{evidence_id}/content"} <= set(spec["paths"])
    upload = spec["paths"]["/api/v1/schools/{code}/evidence"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]


@pytest.mark.commits  # the consumer loop reads scoring's feed while the test writes to it
async def test_embedded_start_migrates_and_consumes_the_feed(tmp_path: Path, scoring_app, scoring):
    """migrate_on_start builds the schema; consume_feed runs the consumer loop in the lifespan."""
    settings = settings_for(
        f"sqlite+aiosqlite:///{tmp_path / 'ev.db'}",
        tmp_path / "blobs",
        migrate_on_start=True,
        consume_feed=True,
        feed_poll_seconds=0.05,
    )
    app = create_app(settings, scoring_client=scoring)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://e") as c,
    ):
        assert (await c.get("/healthz")).json() == {"status": "ok"}
        ev = await created(c, STAFF)
        await approve(scoring, [ev["id"]])
        for _ in range(100):
            if (await c.get(f"/api/v1/evidence/{ev['id']}", headers=STAFF)).json()["locked"]:
                break
            await asyncio.sleep(0.05)
        assert (await c.get(f"/api/v1/evidence/{ev['id']}", headers=STAFF)).json()["locked"] is True


async def test_default_settings_build_their_own_scoring_client(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("EVIDENCE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'ev.db'}")
    monkeypatch.setenv("EVIDENCE_STORAGE_DIR", str(tmp_path / "blobs"))
    monkeypatch.setenv("EVIDENCE_SCORING_URL", "http://scoring.internal:8001")
    monkeypatch.setenv("EVIDENCE_INTERNAL_SECRET", "test-internal-secret")
    settings = EvidenceSettings()
    assert settings.max_upload_bytes == 50 * 1024 * 1024
    app = create_app()
    async with app.router.lifespan_context(app):
        assert str(app.state.scoring.http.base_url) == "http://scoring.internal:8001"
