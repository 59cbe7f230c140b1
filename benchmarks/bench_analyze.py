"""Benchmark: `posttime analyze` end to end, against floors measured in the same run.

* ``posttime --help`` must not import pandas or scipy (checked, and timed against
  ``python -c pass``).
* A typical page (2,000 posts, Business Suite export): median of 5 runs of
  ``python -m posttime analyze FILE --format json`` as a ratio to the median of 5 runs of
  ``python -c "import pandas, scipy.stats"`` (target <= 1.5x).
* The HTML report of that page against its JSON report, the same way (target <= 1.2x).
* One page with 1,000,000 posts: ``analyze`` as a ratio to ``pandas.read_csv`` of the same
  file in a fresh process (target <= 3x), and the peak memory of the analyze process
  (target < 2 GB).

Files are generated with posttime.simulate into benchmarks/.data/ (git-ignored) and reused.

Usage: python benchmarks/bench_analyze.py [--big-rows N] [--runs K]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data"

MEASURE = """
import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
elapsed = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(elapsed, peak_kb, done.returncode)
"""


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident MB of one run of ``cmd`` in a child process."""
    out = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True,
                         text=True, check=True).stdout.split()
    if out[2] != "0":
        raise SystemExit(f"command failed: {' '.join(cmd)}")
    return float(out[0]), float(out[1]) / 1024


def median_of(cmd: list[str], runs: int) -> tuple[float, float]:
    results = [measure(cmd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def export(rows: int, name: str) -> Path:
    from posttime.simulate import PageSpec, simulate_posts, write_business_suite

    path = DATA / name
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        print(f"generating {rows:,} posts into {path} ...", file=sys.stderr)
        years = max(2.0, rows / 200_000)
        write_business_suite(simulate_posts(PageSpec(n_posts=rows, years=years, seed=3)),
                             path)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    py = sys.executable

    imported = subprocess.run(
        [py, "-c", "import sys; from posttime.cli import app; "
                   "print(sorted({'pandas', 'scipy', 'numpy'} & set(sys.modules)))"],
        capture_output=True, text=True, check=True).stdout.strip()
    help_time, _ = median_of([py, "-m", "posttime", "--help"], args.runs)
    bare, _ = median_of([py, "-c", "pass"], args.runs)
    print(f"--help: heavy modules imported {imported}; {help_time:.3f}s "
          f"= {help_time / bare:.2f}x bare python")

    typical = export(2000, "typical-2000.csv")
    floor, _ = median_of([py, "-c", "import pandas, scipy.stats"], args.runs)
    run, peak = median_of([py, "-m", "posttime", "analyze", str(typical), "--format", "json"],
                          args.runs)
    print(f"analyze 2,000 posts: {run:.3f}s vs import floor {floor:.3f}s = "
          f"{run / floor:.2f}x (target <= 1.50x), peak {peak:.0f} MB")
    page, _ = median_of([py, "-m", "posttime", "analyze", str(typical), "--format", "html"],
                        args.runs)
    print(f"the HTML report of the same page: {page:.3f}s vs the JSON report {run:.3f}s = "
          f"{page / run:.2f}x (target <= 1.20x)")

    big = export(args.big_rows, f"one-page-{args.big_rows}.csv")
    read_floor, _ = median_of([py, "-c", f"import pandas; pandas.read_csv({str(big)!r})"], 3)
    run, peak = median_of([py, "-m", "posttime", "analyze", str(big), "--format", "json"], 3)
    print(f"analyze {args.big_rows:,} posts: {run:.2f}s vs read_csv {read_floor:.2f}s = "
          f"{run / read_floor:.2f}x (target <= 3.00x), peak {peak:.0f} MB (target < 2048 MB)")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"(benchmark took {time.perf_counter() - start:.0f}s)", file=sys.stderr)
