from __future__ import annotations

import argparse
import sys

from bench import bulk, deadline, engine, evidence, gateway, next_level, papers, preview, sync, web, writes

BENCHES = {
    "engine": engine.main,
    "next_level": next_level.main,
    "preview": preview.main,
    "writes": writes.main,
    "bulk": bulk.main,
    "sync": sync.main,
    "evidence": evidence.main,
    "gateway": gateway.main,
    "web": web.main,
    "papers": papers.main,
    "deadline": deadline.main,
}


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("names", nargs="*", choices=[*BENCHES, []], help="which (default: all)")
    p.add_argument("--seconds", type=float, default=5.0, help="load duration per server (preview)")
    p.add_argument(
        "--preview-rounds", type=int, default=2, help="alternating rounds (preview/bare; 1 and N workers)"
    )
    p.add_argument(
        "--preview-workers",
        type=int,
        default=2,
        help="uvicorn workers of the scaling figures (preview: 1 skips it)",
    )
    p.add_argument("--bulk-schools", type=int, default=30_000, help="schools in the bulk dataset")
    p.add_argument(
        "--sync-n", type=int, default=3_000, help="results to deliver (sync); 30000 for the full run"
    )
    p.add_argument("--sync-db", default=None, help="sync database URL (default: a temporary SQLite file)")
    p.add_argument("--sync-workers", type=int, default=8, help="delivery workers (sync)")
    p.add_argument("--sync-rounds", type=int, default=1, help="alternating clean/faulty runs (sync)")
    p.add_argument("--gateway-schools", type=int, default=30_000, help="schools in the national registry")
    p.add_argument("--gateway-runs", type=int, default=200, help="calls of each kind (gateway)")
    p.add_argument(
        "--gateway-db",
        default=None,
        help="PostgreSQL URL (default: $BENCH_DATABASE_URL, $TEST_DATABASE_URL), or sqlite",
    )
    p.add_argument("--web-runs", type=int, default=10, help="dashboard loads per measure (web)")
    p.add_argument("--papers-schools", type=int, default=2_000, help="schools in the papers' province")
    writes.add_arguments(p)
    deadline.add_arguments(p)
    args = p.parse_args()
    for name in args.names or list(BENCHES):
        print(f"== {name}", flush=True)
        BENCHES[name](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
