"""`python -m services.sync.fake_csdl --port N`: the fake CSDL server on its own."""

from __future__ import annotations

import argparse

import uvicorn

from services.sync.fake_csdl.app import create_app


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m services.sync.fake_csdl")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8090)
    args = p.parse_args()
    uvicorn.run(create_app(), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
