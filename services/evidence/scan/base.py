"""Malware scanning before an upload is accepted: one interface, a no-op default."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class ScannerUnavailable(Exception):
    """The scanner could not give a verdict (the upload is refused, never waved through)."""


class Scanner(Protocol):
    async def scan(self, path: Path) -> str | None:
        """The name of what was found, or None when the file is clean."""


class NoopScanner:
    """The embedded default: accepts everything (a deployment configures clamd)."""

    async def scan(self, path: Path) -> str | None:
        return None
