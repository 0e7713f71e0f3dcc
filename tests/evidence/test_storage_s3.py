"""The S3 backend against a real S3-compatible server process (moto in server mode)."""

from __future__ import annotations

import hashlib
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3  # type: ignore[import-untyped]
import httpx
import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncConnection

from services.evidence.config import EvidenceSettings
from services.evidence.integrity import gc, verify
from services.evidence.main import create_app
from services.evidence.storage import build_store
from services.evidence.storage.s3 import S3Store
from tests.conftest import asgi
from tests.evidence.conftest import PDF, PNG, created, settings_for
from tests.harness import started
from tests.org import STAFF


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint: str, request: pytest.FixtureRequest) -> str:
    name = "ev-" + hashlib.sha1(request.node.nodeid.encode()).hexdigest()[:20]
    boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=name)
    return name


def s3_settings(base: EvidenceSettings, endpoint: str, bucket: str) -> EvidenceSettings:
    return base.model_copy(
        update={
            "storage": "s3",
            "s3_endpoint_url": endpoint,
            "s3_bucket": bucket,
            "s3_access_key_id": "test",
            "s3_secret_access_key": SecretStr("test"),
        }
    )


@pytest.fixture
def store(s3_endpoint: str, bucket: str, tmp_path: Path) -> S3Store:
    s = build_store(s3_settings(settings_for("sqlite://", tmp_path), s3_endpoint, bucket))
    assert isinstance(s, S3Store)
    return s


def _stage(store: S3Store, data: bytes) -> tuple[Path, str]:
    p = store.staging_dir / "upload-test"
    p.write_bytes(data)
    return p, hashlib.sha256(data).hexdigest()


class TestS3Store:
    async def test_commit_read_range_list_delete(self, store):
        path, sha = _stage(store, PDF)
        await store.commit(path, sha)
        assert not path.exists()
        assert await store.size(sha) == len(PDF)
        assert b"".join([c async for c in store.read(sha)]) == PDF
        assert b"".join([c async for c in store.read(sha, 2, 9)]) == PDF[2:9]
        assert [b.sha256 async for b in store.list()] == [sha]
        await store.delete(sha)
        assert await store.size(sha) is None
        assert [b async for b in store.list()] == []

    async def test_keys_are_sharded(self, store):
        path, sha = _stage(store, PNG)
        await store.commit(path, sha)
        keys = [o["Key"] for o in store.client.list_objects_v2(Bucket=store.bucket)["Contents"]]
        assert keys == [f"blobs/{sha[:2]}/{sha[2:4]}/{sha}"]


@pytest.fixture
async def s3_client(
    evidence_settings: EvidenceSettings,
    s3_endpoint: str,
    bucket: str,
    scoring: httpx.AsyncClient,
    evidence_conn: AsyncConnection | None,
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    application = create_app(s3_settings(evidence_settings, s3_endpoint, bucket), scoring_client=scoring)
    async with started(application, evidence_conn), asgi(application, "evidence") as c:
        yield application, c


async def test_upload_download_verify_gc_on_s3(s3_client):
    app, client = s3_client
    ev = await created(client, STAFF)
    again = await created(client, STAFF, title="bản sao")
    assert again["deduplicated"] is True
    r = await client.get(f"/api/v1/evidence/{ev['id']}/content", headers={**STAFF, "Range": "bytes=0-4"})
    assert (r.status_code, r.content) == (206, b"%PDF-")
    report = await verify(app.state.session_factory, app.state.store)
    assert (report.checked, report.ok) == (1, True)
    other = await created(client, STAFF, content=PNG)
    await client.delete(f"/api/v1/evidence/{other['id']}", headers=STAFF)
    removed = await gc(app.state.session_factory, app.state.store, grace=timedelta(0))
    assert removed == [other["sha256"]]


def _upload_headers(store: S3Store) -> list[dict[str, str]]:
    """The headers of every request the store's client sends (captured before sending)."""
    seen: list[dict[str, str]] = []

    def capture(request: Any, **_: Any) -> None:
        seen.append({k.lower(): str(v) for k, v in request.headers.items()})

    store.client.meta.events.register("before-send.s3.*", capture)
    return seen


@pytest.mark.parametrize(("setting", "checksum_sent"), [("when_required", False), ("when_supported", True)])
async def test_upload_checksums_follow_the_setting(s3_endpoint, bucket, tmp_path, setting, checksum_sent):
    """The default sends no flexible checksum (what many S3-compatible stores reject); the
    setting restores boto3's own behaviour for stores that accept it. Both work against the server."""
    base = s3_settings(settings_for("sqlite://", tmp_path), s3_endpoint, bucket)
    store = build_store(
        base.model_copy(
            update={"s3_request_checksum_calculation": setting, "s3_response_checksum_validation": setting}
        )
    )
    assert isinstance(store, S3Store)
    headers = _upload_headers(store)
    path, sha = _stage(store, PDF)
    await store.commit(path, sha)
    assert b"".join([c async for c in store.read(sha)]) == PDF
    put = [h for h in headers if "content-length" in h and h.get("content-length") != "0"]
    assert put
    sent = any(k.startswith("x-amz-checksum-") or k == "x-amz-sdk-checksum-algorithm" for h in put for k in h)
    assert sent is checksum_sent


def test_checksum_defaults_are_when_required():
    s = EvidenceSettings(internal_secret="test-internal-secret")
    assert (s.s3_request_checksum_calculation, s.s3_response_checksum_validation) == (
        "when_required",
        "when_required",
    )


def test_the_bootstrap_creates_a_versioned_bucket_idempotently(s3_endpoint, monkeypatch):
    from services.evidence.storage import bootstrap

    monkeypatch.setenv("S3_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("S3_ADMIN_ACCESS_KEY", "admin")
    monkeypatch.setenv("S3_ADMIN_SECRET_KEY", "admin")
    monkeypatch.setenv("EVIDENCE_BUCKET", "boot-evidence")
    assert bootstrap.main() == 0
    assert bootstrap.main() == 0  # a second start changes nothing
    s3 = bootstrap.client()
    assert s3.get_bucket_versioning(Bucket="boot-evidence")["Status"] == "Enabled"
