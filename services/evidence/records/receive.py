"""Streaming an upload to a staged file in constant memory while hashing it.

The request body is read chunk by chunk: for multipart through python-multipart's push parser
(the framework's own form parsing would spool the whole body first), for the raw variant as is.
Bytes are hashed and written in a worker thread in blocks of about 1 MiB; the size limit is
enforced as bytes arrive (and up front from Content-Length), so an oversize body is refused
without being read to the end. Whatever goes wrong, the staged file is removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import unquote

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from services.evidence.errors import MalformedUpload, PayloadTooLarge, TruncatedUpload
from services.evidence.records.sniff import HEAD_BYTES

BLOCK = 1024 * 1024
MAX_CHUNKS = 512  # a client sending tiny chunks must not pile up per-chunk objects either
MAX_FIELDS_BYTES = 64 * 1024  # all metadata fields together
MAX_PARTS = 64
MULTIPART_SLACK = MAX_FIELDS_BYTES + 16 * 1024  # boundaries and part headers around the file


@dataclass
class Staged:
    path: Path
    sha256: str
    size: int
    head: bytes
    filename: str | None = None


class StagingWriter:
    """Hash and write in worker threads, overlapping with receiving; `abort()` leaves nothing behind."""

    def __init__(self, staging_dir: Path, limit: int) -> None:
        self.path = staging_dir / f"upload-{uuid.uuid4().hex}"
        self.limit = limit
        self.size = 0
        self.head = bytearray()
        self._hash = hashlib.sha256()
        # received chunks are kept as they came (bytes or views of them) and handed on without
        # being joined: hashing and a vectored write read them in place, so no byte is copied
        self._pending: list[bytes | memoryview] = []
        self._pending_size = 0
        self._file: IO[bytes] | None = None
        self._inflight: asyncio.Future[None] | None = None

    async def open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # unbuffered: every write goes straight to the descriptor (vectored, from the chunks)
        self._file = await asyncio.to_thread(self.path.open, "xb", 0)

    def feed(self, data: bytes | memoryview) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise PayloadTooLarge(self.limit)
        if len(self.head) < HEAD_BYTES:
            self.head += bytes(data[: HEAD_BYTES - len(self.head)])
        self._pending.append(data)
        self._pending_size += len(data)

    def _hash_all(self, block: list[bytes | memoryview]) -> None:
        for chunk in block:
            self._hash.update(chunk)

    def _write_all(self, block: list[bytes | memoryview]) -> None:
        assert self._file is not None
        fd = self._file.fileno()
        views = [memoryview(c) for c in block]
        while views:
            # os.writev may write less than asked, and takes a bounded number of buffers
            n = os.writev(fd, views[:MAX_CHUNKS])
            while views and n >= len(views[0]):
                n -= len(views[0])
                views.pop(0)
            if n:
                views[0] = views[0][n:]

    async def _consume(self, block: list[bytes | memoryview]) -> None:
        # hashing and writing both release the GIL: run them side by side on the same chunks
        await asyncio.gather(
            asyncio.to_thread(self._hash_all, block), asyncio.to_thread(self._write_all, block)
        )

    async def _drain(self) -> None:
        if self._inflight is not None:
            inflight, self._inflight = self._inflight, None
            await inflight

    async def flush(self, force: bool = False) -> None:
        """Hand a full block to the workers. At most one block is in flight while the next one
        fills, so receiving overlaps hashing and writing and memory stays at about two blocks."""
        full = self._pending_size >= BLOCK or len(self._pending) >= MAX_CHUNKS
        if full or (force and self._pending):
            block, self._pending, self._pending_size = self._pending, [], 0
            await self._drain()
            self._inflight = asyncio.ensure_future(self._consume(block))

    def _close(self) -> None:
        assert self._file is not None
        os.fsync(self._file.fileno())
        self._file.close()

    async def finish(self, filename: str | None) -> Staged:
        await self.flush(force=True)
        await self._drain()
        await asyncio.to_thread(self._close)
        return Staged(self.path, self._hash.hexdigest(), self.size, bytes(self.head), filename)

    async def abort(self) -> None:
        with contextlib.suppress(Exception):
            await self._drain()

        def _rm() -> None:
            if self._file is not None and not self._file.closed:
                self._file.close()
            self.path.unlink(missing_ok=True)

        await asyncio.to_thread(_rm)


def check_declared_length(request: Request, limit: int) -> None:
    """413 from the Content-Length header alone, before a byte of the body is read."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(limit)


async def receive_raw(request: Request, staging_dir: Path, limit: int, filename: str | None) -> Staged:
    check_declared_length(request, limit)
    w = StagingWriter(staging_dir, limit)
    await w.open()
    try:
        async for chunk in request.stream():
            w.feed(chunk)
            await w.flush()
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) != w.size:
            raise TruncatedUpload()
        return await w.finish(filename)
    except ClientDisconnect as e:
        await w.abort()
        raise TruncatedUpload() from e
    except BaseException:
        await w.abort()
        raise


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    name: str | None = None
    filename: str | None = None
    value: bytearray = field(default_factory=bytearray)
    is_file: bool = False


_EXT_FILENAME = re.compile(r"filename\*\s*=\s*([A-Za-z0-9_-]+)'[^']*'([^;\s]+)", re.IGNORECASE)


def _ext_filename(disposition: str) -> str | None:
    """`filename*=UTF-8''…` (RFC 8187), which the multipart parser does not decode; it wins over
    `filename` when a client sends both."""
    m = _EXT_FILENAME.search(disposition)
    if not m:
        return None
    try:
        return unquote(m.group(2), encoding=m.group(1), errors="strict")
    except (LookupError, UnicodeDecodeError):
        return None


class _MultipartState:
    """Callbacks of the push parser: fields are collected (capped), the one file part streams."""

    def __init__(self, writer: StagingWriter) -> None:
        self.writer = writer
        self.fields: dict[str, list[str]] = {}
        self.file_seen = False
        self.filename: str | None = None
        self.ended = False
        self.parts = 0
        self.field_bytes = 0
        self._part = _Part()
        self._hname = bytearray()
        self._hvalue = bytearray()

    def on_part_begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise MalformedUpload()
        self._part = _Part()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._hname += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._hvalue += data[start:end]

    def on_header_end(self) -> None:
        # latin-1 keeps the raw bytes: a UTF-8 file name is decoded once it is parsed out
        self._part.headers[self._hname.decode("latin-1").lower()] = self._hvalue.decode("latin-1")
        self._hname, self._hvalue = bytearray(), bytearray()

    def on_headers_finished(self) -> None:
        disp = self._part.headers.get("content-disposition")
        if disp is None:
            raise MalformedUpload()
        kind, opts = parse_options_header(disp)
        if kind != b"form-data" or b"name" not in opts:
            raise MalformedUpload()
        self._part.name = opts[b"name"].decode("utf-8", "replace")
        if self._part.name == "file":
            if self.file_seen:
                raise MalformedUpload()
            self.file_seen = True
            self._part.is_file = True
            raw = opts.get(b"filename")
            self.filename = _ext_filename(disp) or (
                raw.decode("utf-8", "replace") if raw is not None else None
            )

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._part.is_file:
            self.writer.feed(memoryview(data)[start:end])
            return
        self.field_bytes += end - start
        if self.field_bytes > MAX_FIELDS_BYTES:
            raise PayloadTooLarge(MAX_FIELDS_BYTES)
        self._part.value += data[start:end]

    def on_part_end(self) -> None:
        if not self._part.is_file and self._part.name is not None:
            value = self._part.value.decode("utf-8", "replace")
            self.fields.setdefault(self._part.name, []).append(value)

    def on_end(self) -> None:
        self.ended = True


async def receive_multipart(
    request: Request, staging_dir: Path, limit: int
) -> tuple[dict[str, list[str]], Staged | None]:
    """The form's text fields and the staged `file` part (None when the form has none)."""
    check_declared_length(request, limit + MULTIPART_SLACK)
    _, opts = parse_options_header(request.headers.get("content-type", ""))
    boundary = opts.get(b"boundary")
    if not boundary:
        raise MalformedUpload()
    w = StagingWriter(staging_dir, limit)
    await w.open()
    state = _MultipartState(w)
    callbacks = {
        name: getattr(state, name)
        for name in (
            "on_part_begin",
            "on_header_field",
            "on_header_value",
            "on_header_end",
            "on_headers_finished",
            "on_part_data",
            "on_part_end",
            "on_end",
        )
    }
    parser = MultipartParser(boundary, callbacks)  # type: ignore[arg-type]
    try:
        async for chunk in request.stream():
            try:
                parser.write(chunk)
            except (PayloadTooLarge, MalformedUpload):
                raise
            except Exception as e:  # the parser's own errors: malformed framing
                raise MalformedUpload() from e
            await w.flush()
        if not state.ended:
            raise TruncatedUpload()
        if not state.file_seen:
            await w.abort()
            return state.fields, None
        return state.fields, await w.finish(state.filename)
    except ClientDisconnect as e:
        await w.abort()
        raise TruncatedUpload() from e
    except BaseException:
        await w.abort()
        raise
