"""Serving a blob: strong ETag (the content hash), single byte ranges (RFC 9110 §14), and a
Content-Disposition with an ASCII fallback plus the UTF-8 name (RFC 6266 / RFC 8187)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from services.evidence.records.models import Evidence
from services.evidence.storage.base import BlobStore
from shared.errors import NotFound, Problem
from shared.i18n import msg

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def content_disposition(filename: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._ -]", "_", ascii_name).strip()
    if not ascii_name.rpartition(".")[0].strip(" ._"):
        # nothing of the name survives in ASCII: keep just the extension after a neutral stem
        ext = ascii_name.rpartition(".")[2] if "." in ascii_name else ""
        ascii_name = f"download.{ext}" if ext else "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """[start, end) of a single satisfiable range; None to serve the whole body (absent, multiple
    or malformed ranges); a 416 problem when the range lies beyond the end."""
    m = _RANGE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        return None
    first, last = m.group(1), m.group(2)
    if not first:
        n = int(last)
        if n == 0:
            raise _unsatisfiable(size)
        return max(0, size - n), size
    start = int(first)
    end = min(int(last) + 1, size) if last else size
    if last and int(last) < start:
        return None
    if start >= size:
        raise _unsatisfiable(size)
    return start, end


def _unsatisfiable(size: int) -> Problem:
    return Problem(
        msg("Khoảng byte yêu cầu không hợp lệ.", "The requested range is not satisfiable."),
        status=416,
        code="range_not_satisfiable",
        title="Range not satisfiable",
        headers={"Content-Range": f"bytes */{size}"},
    )


async def serve(request: Request, store: BlobStore, ev: Evidence) -> Response:
    assert ev.sha256 is not None
    assert ev.size is not None
    etag = f'"{ev.sha256}"'
    headers = {
        "ETag": etag,
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(ev.filename or "download"),
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, max-age=0, must-revalidate",
    }
    inm = request.headers.get("if-none-match")
    if inm and (inm.strip() == "*" or etag in [t.strip() for t in inm.split(",")]):
        return Response(status_code=304, headers=headers)
    if await store.size(ev.sha256) is None:
        raise NotFound(
            msg("Tệp minh chứng bị thiếu trong kho lưu trữ.", "The evidence file is missing from storage.")
        )
    size = ev.size
    rng = None
    range_header = request.headers.get("range")
    if_range = request.headers.get("if-range")
    if range_header and (if_range is None or if_range.strip() == etag):
        rng = parse_range(range_header, size)
    media_type = ev.media_type or "application/octet-stream"
    if rng is None:
        headers["Content-Length"] = str(size)
        return StreamingResponse(store.read(ev.sha256), media_type=media_type, headers=headers)
    start, end = rng
    headers["Content-Range"] = f"bytes {start}-{end - 1}/{size}"
    headers["Content-Length"] = str(end - start)
    return StreamingResponse(
        store.read(ev.sha256, start, end), status_code=206, media_type=media_type, headers=headers
    )
