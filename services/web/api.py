"""The gateway, as the signed-in person sees it: every call carries the person's own token, so
the gateway and the services decide what they may see and do. No database, no other way in."""

from __future__ import annotations

import hashlib
from typing import Any

import httpx
from fastapi import Request

from services.web.errors import UNAVAILABLE, ApiProblem, SignInRequired
from services.web.session import Session, session_of


class Api:
    def __init__(self, client: httpx.AsyncClient, session: Session, forwarded_for: str | None) -> None:
        self.client = client
        self.session = session
        self.headers: dict[str, str] = {"Accept": "application/json"}
        if session.token:
            self.headers["Authorization"] = f"Bearer {session.token}"
        if forwarded_for:
            self.headers["X-Forwarded-For"] = forwarded_for

    async def send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.headers, **kw.pop("headers", {})}
        try:
            r = await self.client.request(method, path, headers=headers, **kw)
        except httpx.HTTPError as exc:
            raise ApiProblem(503, {"code": "upstream_unavailable", "message": UNAVAILABLE}) from exc
        if r.status_code == 401 and self.session.signed_in:
            self.session.sign_out()  # the token expired or was revoked: sign in again
            raise SignInRequired(expired=True)
        if r.status_code >= 400:
            raise ApiProblem(r.status_code, _problem(r))
        return r

    async def json(self, method: str, path: str, **kw: Any) -> Any:
        return (await self.send(method, path, **kw)).json()

    async def get(self, path: str, **params: Any) -> Any:
        return await self.json("GET", path, params={k: v for k, v in params.items() if v is not None})

    async def maybe(self, path: str, **params: Any) -> Any | None:
        """The object, or None when it does not exist (404)."""
        try:
            return await self.get(path, **params)
        except ApiProblem as p:
            if p.status == 404:
                return None
            raise

    async def graphql(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        # the dashboard's fixed queries are persisted at the gateway: their hash stands for the text
        h = hashlib.sha256(query.encode()).hexdigest()
        ext = {"persistedQuery": {"version": 1, "sha256Hash": h}}
        sent = {"extensions": ext} if h in persisted() else {"query": query}
        body = await self.json("POST", "/graphql", json={**sent, "variables": variables})
        if body.get("errors") and not body.get("data"):
            e = body["errors"][0]
            code = (e.get("extensions") or {}).get("code", "graphql")
            raise ApiProblem(400, {"code": code, "message": {"vi": e.get("message"), "en": e.get("message")}})
        data: dict[str, Any] = body.get("data") or {}
        return data

    async def open_stream(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        """A download (document, evidence file, export) to pass through without buffering; the
        caller closes it (a StreamingResponse's background task)."""
        req = self.client.build_request("GET", path, params=params, headers={**self.headers, "Accept": "*/*"})
        try:
            r = await self.client.send(req, stream=True)
        except httpx.HTTPError as exc:
            raise ApiProblem(503, {"code": "upstream_unavailable", "message": UNAVAILABLE}) from exc
        if r.status_code < 400:
            return r
        await r.aread()
        await r.aclose()
        if r.status_code == 401 and self.session.signed_in:
            self.session.sign_out()
            raise SignInRequired(expired=True)
        raise ApiProblem(r.status_code, _problem(r))


def _problem(r: httpx.Response) -> dict[str, Any]:
    try:
        body = r.json()
    except ValueError:
        body = None
    return body if isinstance(body, dict) else {"code": f"http_{r.status_code}", "detail": r.text[:200]}


def api_of(request: Request) -> Api:
    """The gateway client for this request's person (FastAPI dependency)."""
    client: httpx.AsyncClient = request.app.state.gateway
    fwd = request.client.host if request.client else None
    return Api(client, session_of(request), fwd)


def require_sign_in(request: Request) -> Session:
    s = session_of(request)
    if not s.signed_in:
        raise SignInRequired()
    return s


def persisted() -> frozenset[str]:
    from services.gateway.graphql.persisted import REGISTRY  # late: it reads this package's queries

    return frozenset(REGISTRY)
