"""Benchmark: `posttime evaluate` of a 16-week plan with 10,000 re-drawn assignments.

Medians of K runs (default 5), measured in the same run:

* floor: ``python -c "import pandas, scipy.stats"`` in a fresh process;
* end to end: ``python -m posttime evaluate PLAN.json EXPORT.csv --format json`` in a fresh
  process (a two-year history of 1,500 posts plus the plan's 96 posts); target: at most
  1 s beyond the floor;
* core: ``posttime.experiment.evaluate`` on posts already loaded, and within it the
  randomisation test alone (10,000 re-draws of 96 posts over three arms).

Files are generated with posttime.simulate into benchmarks/.data/ (git-ignored) and reused.

Usage: python benchmarks/bench_experiment.py [--runs K]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

from timing import median_seconds

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data"
sys.path.insert(0, str(ROOT / "tests"))
WEEKS, PER_WEEK = 16, 6


def files() -> tuple[Path, Path]:
    from executed import TZ, execute, history

    from posttime.analysis import AnalysisOptions
    from posttime.experiment import make_plan
    from posttime.simulate import write_business_suite

    plan_path, export_path = DATA / "experiment-plan.json", DATA / "experiment-export.csv"
    if not (plan_path.exists() and export_path.exists()):
        DATA.mkdir(parents=True, exist_ok=True)
        print(f"generating a {WEEKS}-week plan and its export into {DATA} ...", file=sys.stderr)
        past = history(5)
        plan = make_plan(past, AnalysisOptions(timezone=TZ), weeks=WEEKS, per_week=PER_WEEK,
                         start=dt.date(2026, 1, 5), arms="weekdays 18-20,Sat-Sun 11-14", seed=1)
        plan_path.write_text(json.dumps(plan.to_dict()))
        write_business_suite(execute(plan, past, seed=5), export_path)
    return plan_path, export_path


def run(args: list[str]) -> None:
    done = subprocess.run([sys.executable, *args], stdout=subprocess.DEVNULL)
    if done.returncode != 0:
        raise SystemExit(f"command failed: python {' '.join(args)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import numpy as np

    from posttime.experiment import RESAMPLES, evaluate, load_plan, randomisation_test
    from posttime.sources import from_files

    plan_path, export_path = files()
    plan = load_plan(plan_path)
    posts = from_files([export_path]).posts
    evaluate(plan, posts)  # warm up imports and caches
    core = median_seconds(lambda: evaluate(plan, posts), args.runs)
    y = np.random.default_rng(0).normal(size=(WEEKS, PER_WEEK))
    labels = plan.assignment()
    test = median_seconds(lambda: randomisation_test(
        y, labels, len(plan.arms), resamples=RESAMPLES, rng=np.random.default_rng(1)), args.runs)
    print(f"core: evaluate {core:.3f}s, of which the randomisation test ({RESAMPLES:,} "
          f"re-draws) {test:.3f}s")

    floor = median_seconds(lambda: run(["-c", "import pandas, scipy.stats"]), args.runs)
    full = median_seconds(lambda: run(["-m", "posttime", "evaluate", str(plan_path),
                                       str(export_path), "--format", "json"]), args.runs)
    print(f"end to end: evaluate {full:.3f}s vs import floor {floor:.3f}s = {full / floor:.2f}x, "
          f"{full - floor:.3f}s beyond the floor (target <= 1.000s)")


if __name__ == "__main__":
    start = time.perf_counter()
    main()
    print(f"(benchmark took {time.perf_counter() - start:.0f}s)", file=sys.stderr)
