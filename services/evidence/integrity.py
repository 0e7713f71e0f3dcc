"""Integrity and lifecycle commands: verify re-hashes what live evidence needs; gc removes blobs
nothing live references any more (and staged leftovers of interrupted uploads).

GC spares anything younger than a grace period: an upload stores its blob just before its
transaction commits, and a duplicate upload re-stores (and so refreshes) the blob it reuses, so a
blob a concurrent upload is about to reference is never old enough to be collected.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.evidence.records.repository import EvidenceRepository
from services.evidence.storage.base import BlobStore
from shared.db import utcnow


@dataclass
class VerifyReport:
    checked: int = 0
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)
    unreferenced: int = 0

    @property
    def ok(self) -> bool:
        return not self.missing and not self.corrupt


async def _live(factory: async_sessionmaker[AsyncSession]) -> set[str]:
    async with factory() as session:
        return await EvidenceRepository(session).live_hashes()


async def _digest(store: BlobStore, sha256: str) -> str:
    h = hashlib.sha256()
    async for chunk in store.read(sha256):
        await asyncio.to_thread(h.update, chunk)
    return h.hexdigest()


async def verify(factory: async_sessionmaker[AsyncSession], store: BlobStore) -> VerifyReport:
    """Re-hash every blob live evidence points to; report the missing and the corrupt."""
    live = await _live(factory)
    report = VerifyReport()
    stored = {b.sha256 async for b in store.list()}
    report.unreferenced = len(stored - live)
    for sha in sorted(live):
        report.checked += 1
        if sha not in stored:
            report.missing.append(sha)
        elif await _digest(store, sha) != sha:
            report.corrupt.append(sha)
    return report


async def gc(
    factory: async_sessionmaker[AsyncSession],
    store: BlobStore,
    grace: timedelta = timedelta(hours=24),
    dry_run: bool = False,
) -> list[str]:
    """Remove blobs no live evidence references, older than `grace`; returns their hashes."""
    cutoff = utcnow() - grace
    live = await _live(factory)
    doomed = [b.sha256 async for b in store.list() if b.sha256 not in live and b.modified < cutoff]
    if not dry_run:
        for sha in doomed:
            await store.delete(sha)
        for leftover in await asyncio.to_thread(lambda: list(store.staging_dir.glob("upload-*"))):
            st = await asyncio.to_thread(leftover.stat)
            if st.st_mtime < cutoff.timestamp():
                await asyncio.to_thread(leftover.unlink, True)
    return doomed
