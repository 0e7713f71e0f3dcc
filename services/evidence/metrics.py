"""The evidence service's own Prometheus series (the HTTP ones come from shared.observability)."""

from __future__ import annotations

from prometheus_client import Counter

UPLOADS = Counter(
    "chiso_evidence_uploads_total", "File uploads, by outcome (stored, deduplicated, refused)", ["outcome"]
)
UPLOAD_BYTES = Counter("chiso_evidence_upload_bytes_total", "Bytes of accepted uploads")
