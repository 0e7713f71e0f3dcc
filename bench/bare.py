"""The baseline for the preview benchmark: a bare FastAPI app answering the same route with a
constant JSON body of the preview's size, after reading the request body the same way."""

from __future__ import annotations

import json
import os
from typing import Any

from fastapi import Body, FastAPI, Response


def create_app() -> FastAPI:
    size = int(os.environ.get("BENCH_BODY_SIZE", "12000"))
    filler = "x" * max(0, size - len('{"filler":""}'))
    constant = json.dumps({"filler": filler}).encode()
    app = FastAPI()

    @app.post("/api/v1/frameworks/{framework_id}/score")
    async def score(framework_id: str, body: dict[str, Any] = Body(...)) -> Response:
        return Response(constant, media_type="application/json")

    return app


async def sink(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The transport floor of the evidence bench: an ASGI app that reads a request body to the
    end and keeps nothing (no framework, no hashing, no disk)."""
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 201, "headers": [(b"content-length", b"0")]})
    await send({"type": "http.response.body", "body": b""})
