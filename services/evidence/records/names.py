"""File names as users give them: Vietnamese kept (NFC), anything path-like reduced to its last
component, control characters dropped. The stored name is only a label: blobs live under their hash."""

from __future__ import annotations

import unicodedata

from services.evidence.records.sniff import EXTENSIONS

MAX_NAME_BYTES = 255


def safe_filename(raw: str | None, media_type: str) -> str:
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = name.strip().lstrip(".").strip()
    if not name:
        name = "minh-chung" + EXTENSIONS.get(media_type, "")
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        stem, dot, ext = name.rpartition(".")
        name = f"{stem[:-1]}.{ext}" if dot and len(ext) <= 8 and stem else name[:-1]
    return name
