"""`python -m services.gateway.openapi_export`: write the gateway's merged OpenAPI document to
`openapi.json` at the repository's root (`make schema` runs it with the GraphQL export). The
document is built by the embedded run without demo data, so it is what a deployment serves."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

import httpx

EXPORTED = Path(__file__).parents[2] / "openapi.json"


async def build() -> dict[str, Any]:
    from services.run import embedded  # late: the embedded run imports every service

    with tempfile.TemporaryDirectory() as d:
        async with embedded(Path(d), demo=False) as e:
            transport = httpx.ASGITransport(app=e.gateway)
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as gw:
                r = await gw.get("/openapi.json")
                r.raise_for_status()
                return dict(r.json())


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def main() -> None:
    EXPORTED.write_text(render(asyncio.run(build())), encoding="utf-8")


if __name__ == "__main__":
    main()
