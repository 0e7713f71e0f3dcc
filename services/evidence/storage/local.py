"""Local filesystem blobs: staged in `<root>/tmp` (same filesystem), fsynced, renamed into place."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

from services.evidence.storage.base import CHUNK, BlobInfo, shard

_HEX = re.compile(r"^[0-9a-f]{64}$")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalStore:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.staging_dir = root / "tmp"
        self.staging_dir.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        if not _HEX.match(sha256):
            raise ValueError("not a sha256 hex digest")
        return self.root / shard(sha256)

    def _commit(self, staged: Path, sha256: str) -> None:
        final = self.path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, final)  # atomic: readers see the old blob or the new one, never half
        _fsync_dir(final.parent)  # the rename itself survives a crash

    async def commit(self, staged: Path, sha256: str) -> None:
        await asyncio.to_thread(self._commit, staged, sha256)

    async def size(self, sha256: str) -> int | None:
        try:
            return (await asyncio.to_thread(self.path(sha256).stat)).st_size
        except FileNotFoundError:
            return None

    async def read(self, sha256: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        f = await asyncio.to_thread(self.path(sha256).open, "rb")
        try:
            await asyncio.to_thread(f.seek, start)
            remaining = None if end is None else end - start
            while remaining is None or remaining > 0:
                n = CHUNK if remaining is None else min(CHUNK, remaining)
                data = await asyncio.to_thread(f.read, n)
                if not data:
                    return
                if remaining is not None:
                    remaining -= len(data)
                yield data
        finally:
            await asyncio.to_thread(f.close)

    async def delete(self, sha256: str) -> None:
        await asyncio.to_thread(self.path(sha256).unlink, True)

    def _walk(self) -> Iterator[BlobInfo]:
        for a in sorted(self.root.iterdir()):
            if not (a.is_dir() and len(a.name) == 2):
                continue
            for b in sorted(a.iterdir()):
                for f in sorted(b.iterdir()):
                    if _HEX.match(f.name):
                        st = f.stat()
                        yield BlobInfo(f.name, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))

    async def list(self) -> AsyncIterator[BlobInfo]:
        for info in await asyncio.to_thread(lambda: list(self._walk())):
            yield info
