from __future__ import annotations

import argparse
import sys

from bench import engine, preview

BENCHES = {"engine": engine.main, "preview": preview.main}


def main() -> int:
    p = argparse.ArgumentParser(prog="python -m bench")
    p.add_argument("names", nargs="*", choices=[*BENCHES, []], help="which (default: all)")
    p.add_argument("--seconds", type=float, default=5.0, help="load duration per server (preview)")
    args = p.parse_args()
    for name in args.names or list(BENCHES):
        print(f"== {name}", flush=True)
        BENCHES[name](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
