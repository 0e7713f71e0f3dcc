from __future__ import annotations

import argparse
import sys

from bench import bulk, engine, preview

BENCHES = {"engine": engine.main, "preview": preview.main, "bulk": bulk.main}


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("names", nargs="*", choices=[*BENCHES, []], help="which (default: all)")
    p.add_argument("--seconds", type=float, default=5.0, help="load duration per server (preview)")
    p.add_argument("--bulk-schools", type=int, default=30_000, help="schools in the bulk dataset")
    args = p.parse_args()
    for name in args.names or list(BENCHES):
        print(f"== {name}", flush=True)
        BENCHES[name](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
