"""Locking from the scoring change feed, soft delete, verify and garbage collection."""

from __future__ import annotations

import hashlib
import os
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from services.evidence import cli
from services.evidence.config import MIGRATIONS
from services.evidence.feed.consumer import EvidenceFeed
from services.evidence.integrity import gc, verify
from shared.migrate import upgrade_sync
from shared.principal import Role
from shared.scoring_client import ScoringClient
from tests.conftest import SECRET
from tests.evidence.conftest import PDF, PNG, TEXT, created, stored_blobs
from tests.org import HEAD, STAFF, VENDOR, who
from tests.scoring.test_engine_levels import FULL

SELF = "/api/v1/schools/{school}/assessments/2024-2025/self"


async def approve(
    scoring: httpx.AsyncClient,
    evidence_ids: list[str],
    school: str = "79701001",
    head: dict[str, str] = HEAD,
) -> None:
    """A self-assessment naming the evidence, submitted by the vendor and approved by the head."""
    url = SELF.format(school=school)
    r = await scoring.put(url, json={"facts": FULL, "evidence_ids": evidence_ids}, headers=VENDOR)
    assert r.status_code == 201, r.text
    assert (await scoring.post(url + "/submit", headers=VENDOR)).status_code == 200
    r = await scoring.post(url + "/approve", headers=head)
    assert r.status_code == 200, r.text


def blob_path(root: Path, sha: str) -> Path:
    return root / sha[:2] / sha[2:4] / sha


class TestLocking:
    async def test_approved_assessment_locks_its_evidence(self, app, client, scoring):
        kept = await created(client, STAFF)
        free = await created(client, STAFF, content=PNG)
        await approve(scoring, [kept["id"], "ev_not_here"])
        feed = app.state.feed
        assert await feed.drain() == 2  # submitted, approved
        assert await feed.run_once() == 0  # the cursor is durable

        r = await client.get(f"/api/v1/evidence/{kept['id']}", headers=STAFF)
        assert r.json()["locked"] is True
        r = await client.delete(f"/api/v1/evidence/{kept['id']}", headers=STAFF)
        assert (r.status_code, r.json()["code"]) == (409, "evidence_locked")
        r = await client.delete(f"/api/v1/evidence/{free['id']}", headers=STAFF)
        assert r.status_code == 204

    async def test_replaying_the_feed_is_idempotent(self, app, client, scoring):
        ev = await created(client, STAFF)
        await approve(scoring, [ev["id"], ev["id"]])
        factory, feed = app.state.session_factory, app.state.feed
        await feed.drain()
        async with factory() as s:
            from services.evidence.records.models import FeedCursor

            cur = await s.get(FeedCursor, "scoring-feed")
            assert cur is not None
            cur.position = 0
            await s.commit()
        assert await feed.drain() == 2
        assert (await client.get(f"/api/v1/evidence/{ev['id']}", headers=STAFF)).json()["locked"] is True

    async def test_another_schools_assessment_cannot_lock(self, app, client, scoring):
        ev = await created(client, STAFF)
        # school 79701002's assessment names 79701001's evidence: no effect on it
        head2 = who("head-th2", Role.SCHOOL_HEAD, schools=("79701002",))
        await approve(scoring, [ev["id"]], school="79701002", head=head2)
        await app.state.feed.drain()
        assert (await client.get(f"/api/v1/evidence/{ev['id']}", headers=STAFF)).json()["locked"] is False

    async def test_feed_unavailable_keeps_the_cursor(self, app):
        async def down(request: httpx.Request) -> httpx.Response:
            return httpx.Response(500)

        broken = httpx.AsyncClient(transport=httpx.MockTransport(down), base_url="http://scoring")
        with pytest.raises(Exception, match="unavailable"):
            await EvidenceFeed(
                app.state.session_factory, ScoringClient(broken, SECRET, "evidence")
            ).run_once()


class TestIntegrity:
    async def test_verify_reports_missing_and_corrupt(self, app, client, blob_root):
        a = await created(client, STAFF)
        b = await created(client, STAFF, content=PNG)
        c = await created(client, STAFF, content=TEXT)
        factory, store = app.state.session_factory, app.state.store
        report = await verify(factory, store)
        assert (report.checked, report.ok) == (3, True)
        blob_path(blob_root, a["sha256"]).unlink()
        blob_path(blob_root, b["sha256"]).write_bytes(b"tampered")
        report = await verify(factory, store)
        assert report.missing == [a["sha256"]]
        assert report.corrupt == [b["sha256"]]
        assert c["sha256"] not in report.missing + report.corrupt

    async def test_gc_removes_only_old_unreferenced_blobs(self, app, client, blob_root):
        kept = await created(client, STAFF)
        gone = await created(client, STAFF, content=PNG)
        shared_a = await created(client, STAFF, content=TEXT)
        await created(client, STAFF, content=TEXT, title="bản thứ hai")
        for ev in (gone, shared_a):
            assert (await client.delete(f"/api/v1/evidence/{ev['id']}", headers=STAFF)).status_code == 204
        factory, store = app.state.session_factory, app.state.store
        # within the grace period nothing goes
        assert await gc(factory, store) == []
        assert await gc(factory, store, grace=timedelta(0), dry_run=True) == [gone["sha256"]]
        assert len(stored_blobs(blob_root)) == 3
        assert await gc(factory, store, grace=timedelta(0)) == [gone["sha256"]]
        remaining = {p.name for p in stored_blobs(blob_root)}
        assert remaining == {kept["sha256"], shared_a["sha256"]}  # still used by the second copy
        assert (await verify(factory, store)).ok

    async def test_reupload_after_delete_survives_gc(self, app, client, blob_root):
        ev = await created(client, STAFF)
        await client.delete(f"/api/v1/evidence/{ev['id']}", headers=STAFF)
        again = await created(client, STAFF)
        assert again["deduplicated"] is True
        await gc(app.state.session_factory, app.state.store, grace=timedelta(0))
        r = await client.get(f"/api/v1/evidence/{again['id']}/content", headers=STAFF)
        assert r.content == PDF


def test_cli_gc_and_verify(tmp_path, monkeypatch, capsys):
    db = tmp_path / "ev.db"
    url = f"sqlite+aiosqlite:///{db}"
    upgrade_sync(MIGRATIONS, url)
    root = tmp_path / "blobs"
    stray = hashlib.sha256(b"stray").hexdigest()
    blob_path(root, stray).parent.mkdir(parents=True)
    blob_path(root, stray).write_bytes(b"stray")
    old = time.time() - 7200
    os.utime(blob_path(root, stray), (old, old))
    monkeypatch.setenv("EVIDENCE_DATABASE_URL", url)
    monkeypatch.setenv("EVIDENCE_STORAGE_DIR", str(root))
    monkeypatch.setenv("EVIDENCE_INTERNAL_SECRET", "test-internal-secret")  # none starts without one
    assert cli.main(["verify"]) == 0
    assert '"unreferenced": 1' in capsys.readouterr().out
    assert cli.main(["gc", "--grace-hours", "1", "--dry-run"]) == 0
    assert stray in capsys.readouterr().out
    assert blob_path(root, stray).exists()
    assert cli.main(["gc", "--grace-hours", "1"]) == 0
    assert not blob_path(root, stray).exists()
