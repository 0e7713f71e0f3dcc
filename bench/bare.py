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
