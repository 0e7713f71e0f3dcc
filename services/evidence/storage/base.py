"""One interface for blob storage: content-addressed by SHA-256, written once, never modified.

Uploads are first staged in a local temporary file (constant memory, hashed while written); a
store then `commit`s the staged file under its hash. Blobs are laid out in sharded "directories"
(`ab/cd/abcd…`) so no directory ever holds a million entries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

CHUNK = 1024 * 1024


def shard(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


@dataclass(frozen=True)
class BlobInfo:
    sha256: str
    size: int
    modified: datetime


class BlobStore(Protocol):
    staging_dir: Path

    async def commit(self, staged: Path, sha256: str) -> None:
        """Move a staged, fsynced file under its hash (replacing an identical blob is harmless)."""

    async def size(self, sha256: str) -> int | None:
        """The blob's size, or None when it is missing."""

    def read(self, sha256: str, start: int = 0, end: int | None = None) -> AsyncIterator[bytes]:
        """Bytes [start, end) of the blob, in chunks."""

    async def delete(self, sha256: str) -> None: ...

    def list(self) -> AsyncIterator[BlobInfo]:
        """Every stored blob (for verify and garbage collection)."""
