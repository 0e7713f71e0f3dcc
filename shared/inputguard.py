"""Requests no route can serve, refused before routing with a 400 problem instead of a 500 deep in
a library: a control character in the path (httpx refuses to forward such a URL; file names and
logs must never carry one) and a multipart boundary longer than RFC 2046's 70 characters (the
multipart parser raises on one over 256). Every service and the gateway install it."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
BOUNDARY = re.compile(r";\s*boundary=\"?([^\";]*)", re.IGNORECASE)
MAX_BOUNDARY = 70  # RFC 2046 §5.1.1


def refusal(scope: Scope) -> tuple[str, str, str] | None:
    """(code, vi, en) when the request cannot be served, else None."""
    if CONTROL.search(scope.get("path", "")):
        return (
            "invalid_path",
            "Đường dẫn chứa ký tự điều khiển.",
            "The path contains a control character.",
        )
    for name, value in scope.get("headers", ()):
        if name == b"content-type" and value[:10].lower() == b"multipart/":
            m = BOUNDARY.search(value.decode("latin-1"))
            # a missing boundary is the service's to explain (evidence: `malformed_upload`)
            if m is not None and len(m.group(1)) > MAX_BOUNDARY:
                return (
                    "invalid_multipart",
                    "Ranh giới (boundary) multipart dài quá 70 ký tự.",
                    "The multipart boundary is longer than 70 characters.",
                )
    return None


class InputGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = refusal(scope) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        from shared.errors import Problem, problem_response  # errors installs this module
        from shared.i18n import msg

        code, vi, en = found
        response = problem_response(None, Problem(msg(vi, en), status=400, code=code, title="Bad request"))
        await response(scope, receive, send)
