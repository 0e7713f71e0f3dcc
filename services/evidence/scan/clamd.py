"""ClamAV's daemon over its INSTREAM command (unix socket or TCP): the file is streamed in chunks,
each prefixed with its 4-byte big-endian length, ended by a zero-length chunk."""

from __future__ import annotations

import asyncio
import struct
from pathlib import Path

from services.evidence.scan.base import ScannerUnavailable

CHUNK = 64 * 1024


class ClamdScanner:
    def __init__(
        self,
        *,
        socket_path: str | None = None,
        host: str | None = None,
        port: int = 3310,
        timeout: float = 60.0,
    ) -> None:
        if not socket_path and not host:
            raise ValueError("clamd needs a unix socket path or a host")
        self.socket_path = socket_path
        self.host = host
        self.port = port
        self.timeout = timeout

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.socket_path:
            return await asyncio.open_unix_connection(self.socket_path)
        assert self.host is not None
        return await asyncio.open_connection(self.host, self.port)

    async def _scan(self, path: Path) -> str | None:
        reader, writer = await self._connect()
        try:
            writer.write(b"zINSTREAM\0")
            with path.open("rb") as f:
                while chunk := await asyncio.to_thread(f.read, CHUNK):
                    writer.write(struct.pack(">I", len(chunk)) + chunk)
                    await writer.drain()
            writer.write(struct.pack(">I", 0))
            await writer.drain()
            reply = (await reader.readuntil(b"\0")).rstrip(b"\0").decode("utf-8", "replace")
        finally:
            writer.close()
        # "stream: OK" | "stream: <signature> FOUND" | "<message> ERROR"
        if reply.endswith("FOUND"):
            return reply.removeprefix("stream:").removesuffix("FOUND").strip()
        if reply.endswith("OK"):
            return None
        raise ScannerUnavailable(reply)

    async def scan(self, path: Path) -> str | None:
        try:
            return await asyncio.wait_for(self._scan(path), self.timeout)
        except (TimeoutError, OSError, asyncio.IncompleteReadError) as e:
            raise ScannerUnavailable(str(e)) from e
