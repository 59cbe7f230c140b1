"""Benchmark: `posttime compare` of two 5,000-post pages against `analyze` of one of them.

Both measured in the same run, medians of K runs (default 5):

* core: ``posttime.compare.compare(a, b)`` against ``posttime.analysis.analyze(a)`` on post
  tables already loaded (the statistics alone; compare analyses both pages and runs 2,000
  permutations on top); target <= 3x;
* end to end: ``python -m posttime compare A.csv B.csv --format json`` against
  ``python -m posttime analyze A.csv --format json`` in fresh processes (what a user
  waits for); target <= 3x.

Files are generated with posttime.simulate into benchmarks/.data/ (git-ignored) and reused.

Usage: python benchmarks/bench_compare.py [--posts N] [--runs K]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from timing import median_seconds

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data"
TZ = "America/Los_Angeles"


def export(posts: int, seed: int, timing: str, page_id: str, name: str) -> Path:
    from posttime.simulate import PageSpec, simulate_posts, write_business_suite

    path = DATA / f"compare-{name}-{posts}.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        print(f"generating {posts:,} posts into {path} ...", file=sys.stderr)
        spec = PageSpec(n_posts=posts, seed=seed, timing=timing, page_id=page_id,
                        page_name=f"Page {name}", tz=TZ)
        write_business_suite(simulate_posts(spec), path)
    return path


def run_cli(args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "posttime", *args, "--tz", TZ, "--format",
                           "json"], stdout=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"command failed: posttime {' '.join(args)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from posttime.analysis import AnalysisOptions, analyze
    from posttime.compare import compare
    from posttime.loaders import load_exports

    path_a = export(args.posts, 11, "evening", "1001", "a")
    path_b = export(args.posts, 12, "morning", "1002", "b")
    a = load_exports([path_a]).posts
    b = load_exports([path_b]).posts
    options = AnalysisOptions(timezone=TZ)
    compare(a, b, options)  # warm up imports and caches
    analyze(a, options)

    one = median_seconds(lambda: analyze(a, options), args.runs)
    both = median_seconds(lambda: compare(a, b, options), args.runs)
    print(f"core, {args.posts:,} posts per page: compare {both:.3f}s vs analyze {one:.3f}s "
          f"= {both / one:.2f}x (target <= 3.00x)")

    one = median_seconds(lambda: run_cli(["analyze", str(path_a)]), args.runs)
    both = median_seconds(lambda: run_cli(["compare", str(path_a), str(path_b)]), args.runs)
    print(f"end to end: compare {both:.3f}s vs analyze {one:.3f}s = {both / one:.2f}x "
          "(target <= 3.00x)")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"(benchmark took {time.perf_counter() - start:.0f}s)", file=sys.stderr)
