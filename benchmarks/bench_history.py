"""Benchmark: the history store (ingest) and the weekly summary.

Generates, with the synthetic page generator of posttime.simulate, in benchmarks/.data/:

* a Meta Business Suite post export of N posts (default 100,000; four pages), and a newer
  export of the same posts with higher figures;
* one page with a history of M posts (default 50,000), ingested into a store.

Then measures on the same machine, in the same run:

1. ``load_exports([file])`` and opening a new store, ``ingest([file])`` and closing it,
   interleaved, median of R runs each; the ratio ingest / load is the figure (target
   <= 2.0; the machine's load moves it by about 0.2 between runs). Also
   shown: ingesting the newer export into a store that holds the older one (every post
   updated), as a ratio to loading that file.
2. ``posttime weekly --db STORE --format json`` over the M-post history in a fresh process
   and the import floor ``python -c "import pandas, scipy.stats"``, median of R runs each;
   the figure is weekly minus floor, in seconds (target <= 2.0).

Usage: python benchmarks/bench_history.py [--rows N] [--history M] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from posttime.history import HistoryStore, ingest_sources
from posttime.loaders import load_exports
from posttime.simulate import PageSpec, simulate_posts, write_business_suite

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data"


TARGET_RATIO = 2.0
TARGET_WEEKLY_S = 2.0
TZ = "America/Los_Angeles"


def make_export(rows: int, path: Path, factor: float = 1.0) -> None:
    """A Business Suite export of ``rows`` posts of four simulated pages."""
    pages = []
    for k in range(4):
        n = rows // 4 + (1 if k < rows % 4 else 0)
        spec = PageSpec(n_posts=n, years=3.0, seed=100 + k, start="2023-01-02",
                        page_id=f"10000000000000{k}", page_name=f"Page {k}")
        pages.append(simulate_posts(spec))
    posts = pd.concat(pages, ignore_index=True)
    for col in ("reach", "views", "reactions", "comments", "shares", "clicks"):
        posts[col] = (posts[col] * factor).round()
    posts["interactions"] = posts["reactions"] + posts["comments"] + posts["shares"]
    write_business_suite(posts, path)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def ingest_once(db: Path, path: Path) -> None:
    """What ``posttime ingest`` does: open the store, ingest, close it (the close runs the
    last WAL checkpoint, so it is timed too)."""
    with HistoryStore(db) as store:
        report = ingest_sources(store, [path])
    assert not report.bad and report.files[0].status == "ingested"


def bench_ingest(path: Path, newer: Path, repeat: int) -> dict[str, float]:
    load, ingest, load_newer, update = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        load_exports([path])  # warm the file cache and the imports
        for i in range(repeat):
            load.append(timed(lambda: load_exports([path])))
            ingest.append(timed(lambda i=i: ingest_once(folder / f"s{i}.sqlite", path)))
            load_newer.append(timed(lambda: load_exports([newer])))
            ingest_once(folder / f"u{i}.sqlite", path)
            update.append(timed(lambda i=i: ingest_once(folder / f"u{i}.sqlite", newer)))
    med = statistics.median
    return {"load": med(load), "ingest": med(ingest), "load_newer": med(load_newer),
            "update": med(update)}


def run_cli(args: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    return elapsed


def bench_weekly(history: int, repeat: int) -> dict[str, float]:
    csv = DATA / f"history-{history}.csv"
    db = DATA / f"history-{history}.sqlite"
    page = simulate_posts(PageSpec(n_posts=history, years=3.0, seed=7, start="2023-01-02"))
    if not csv.exists():
        write_business_suite(page, csv)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    with HistoryStore(db) as store:
        ingest_sources(store, [csv])
        posts = store.summary().posts
    last = page["published"].max().tz_convert(TZ)
    iso = (last - pd.Timedelta(days=7)).isocalendar()
    week = f"{iso[0]}-W{iso[1]:02d}"
    floor_cmd = [sys.executable, "-c", "import pandas, scipy.stats"]
    weekly_cmd = [sys.executable, "-m", "posttime", "weekly", "--db", str(db), "--tz", TZ,
                  "--week", week, "--format", "json"]
    run_cli(floor_cmd)
    run_cli(weekly_cmd)  # warm caches
    floor, weekly = [], []
    for _ in range(repeat):
        floor.append(run_cli(floor_cmd))
        weekly.append(run_cli(weekly_cmd))
    return {"posts": posts, "week": week, "floor": statistics.median(floor),
            "weekly": statistics.median(weekly)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)

    path = DATA / f"history-ingest-{args.rows}.csv"
    newer = DATA / f"history-ingest-{args.rows}-newer.csv"
    if not path.exists():
        make_export(args.rows, path)
    if not newer.exists():
        make_export(args.rows, newer, factor=1.1)
    size = path.stat().st_size / 1e6
    print(f"ingest: {args.rows:,} posts, {size:.1f} MB, median of {args.repeat} runs")
    r = bench_ingest(path, newer, args.repeat)
    ratio = r["ingest"] / r["load"]
    print(f"  load_exports           {r['load']:.3f} s")
    print(f"  ingest into a new store {r['ingest']:.3f} s  = {ratio:.2f}x load "
          f"(target <= {TARGET_RATIO:.1f}x) {'ok' if ratio <= TARGET_RATIO else 'MISSED'}")
    update = r["update"] / r["load_newer"]
    print(f"  ingest a newer export of the same posts (all updated) {r['update']:.3f} s  = "
          f"{update:.2f}x load")

    w = bench_weekly(args.history, max(3, args.repeat // 2 + 1))
    beyond = w["weekly"] - w["floor"]
    print(f"weekly: {w['posts']:,}-post history, week {w['week']}")
    print(f"  import floor (pandas, scipy.stats) {w['floor']:.3f} s")
    print(f"  posttime weekly --format json      {w['weekly']:.3f} s  = floor + {beyond:.3f} s "
          f"(target <= {TARGET_WEEKLY_S:.1f} s) "
          f"{'ok' if beyond <= TARGET_WEEKLY_S else 'MISSED'}")


if __name__ == "__main__":
    main()
