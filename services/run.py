"""`make run`: the embedded default, every service in one process on SQLite and local files.

Until the gateway lands, the scoring service answers on the port directly.
"""

from __future__ import annotations

import logging
import os

import uvicorn

from services.scoring.main import create_app


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    port = int(os.environ.get("PORT", "8000"))
    app = create_app()
    print(f"Scoring service on http://127.0.0.1:{port}  (docs: http://127.0.0.1:{port}/docs)", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="info")


if __name__ == "__main__":
    main()
