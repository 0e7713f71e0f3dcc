"""Persisted queries: the dashboards' fixed set, registered by their SHA-256, so a dashboard sends
`{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "…"}}, "variables": …}` without the
query text (smaller requests, and these queries are known in advance). The registry is built from
the web dashboard's own query texts (`services/web/dashboard.py`), so the two never drift; an
unknown hash is a `PERSISTED_QUERY_NOT_FOUND` error."""

from __future__ import annotations

import hashlib
from typing import Any

from services.web.dashboard import AT_RISK, ORG, SCHOOLS, TREE


def digest(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()


REGISTRY: dict[str, str] = {digest(q): q for q in (TREE, SCHOOLS, ORG, AT_RISK)}


def persisted_hash(extensions: dict[str, Any] | None) -> str | None:
    pq = (extensions or {}).get("persistedQuery")
    h = pq.get("sha256Hash") if isinstance(pq, dict) else None
    return h if isinstance(h, str) else None
