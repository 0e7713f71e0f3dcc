"""The type of an upload, decided from its bytes: never from the client's Content-Type or name.

Office documents are ZIP containers: OOXML is recognised from the archive's directory (read, never
extracted), ODF from the uncompressed `mimetype` entry the format requires to come first.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

HEAD_BYTES = 8192

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
WEBP = "image/webp"
TEXT = "text/plain; charset=utf-8"
OOXML = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
ODF_PREFIX = b"application/vnd.oasis.opendocument."
EXTENSIONS = {
    PDF: ".pdf",
    PNG: ".png",
    JPEG: ".jpg",
    WEBP: ".webp",
    TEXT: ".txt",
    OOXML["word/"]: ".docx",
    OOXML["xl/"]: ".xlsx",
    OOXML["ppt/"]: ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
}


def _zip_type(head: bytes, path: Path) -> str | None:
    if head[30:38] == b"mimetype" and head[38:].startswith(ODF_PREFIX):
        mime = head[38 : 38 + 80].split(b"PK", 1)[0].decode("ascii", "replace")
        return mime if mime in EXTENSIONS else None
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, mime in OOXML.items():
        if any(n.startswith(prefix) for n in names):
            return mime
    return None


def _is_text(head: bytes, complete: bool) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as e:
        # a multi-byte character cut by the sniffing window is fine
        if complete or e.start < len(head) - 3:
            return False
        text = head[: e.start].decode("utf-8")
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\t\n\r\f")
    return controls == 0


def sniff(head: bytes, path: Path, size: int) -> str | None:
    """The media type of an accepted format, or None (→ 415)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(head, path)
    if _is_text(head, complete=size <= len(head)):
        return TEXT
    return None
