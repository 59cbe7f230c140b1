"""Benchmark: loading an agency-scale Business Suite post export.

Writes a Meta Business Suite post export with N rows (default 1,000,000; many pages, short
titles, a few multi-line ones, unsorted rows) to benchmarks/.data/, then measures on the
same machine, in the same run:

* the floor: median of 3 runs of plain ``pandas.read_csv(path)``;
* ``posttime.loaders.load_exports([path])``: median of 3 runs, as a ratio to the floor
  (target <= 2.0x);
* the peak memory (max RSS) of a child process that runs the load (target < 2 GB).

Usage: python benchmarks/bench_load.py [--rows N] [--keep]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from timing import median_seconds

from posttime.simulate import BUSINESS_SUITE_COLUMNS

ROOT = Path(__file__).resolve().parents[1]

DATA = Path(__file__).resolve().parent / ".data"
TARGET_RATIO = 2.0
TARGET_MB = 2048


def generate(rows: int, path: Path, seed: int = 7) -> None:
    """Write a Business Suite post export of ``rows`` posts (vectorised with numpy)."""
    rng = np.random.default_rng(seed)
    n_pages = max(1, min(200, rows // 5000))
    page = rng.integers(0, n_pages, rows)
    page_ids = 100064197037125 + np.arange(n_pages) * 7919
    start = np.datetime64("2023-01-01T00:00")
    minutes = rng.integers(0, 3 * 365 * 24 * 60, rows).astype("timedelta64[m]")
    published = pd.Series(start + minutes)
    reach = rng.negative_binomial(2, 2 / 1500, rows)
    views = reach + rng.poisson(reach * 0.6)
    reactions = rng.binomial(reach, 0.02)
    comments = rng.binomial(reach, 0.002)
    shares = rng.binomial(reach, 0.001)
    boosted = rng.random(rows) < 0.01
    types = np.array(["Photos", "Reels", "Videos", "Links", "Text"])[
        rng.choice(5, rows, p=[0.45, 0.3, 0.1, 0.1, 0.05])
    ]
    ids = np.arange(rows, dtype=np.int64)
    titles = pd.Series("Post ", index=ids) + pd.Series(ids.astype(str))
    multi = ids % 997 == 0
    titles[multi] = titles[multi] + "\nSecond line, with a comma\nand a third"
    zero = np.zeros(rows, dtype=np.int64)
    df = pd.DataFrame(
        {
            "Post ID": 1168834171933140 + ids * 13,
            "Page ID": page_ids[page],
            "Page name": np.array([f"Page {i:03d}" for i in range(n_pages)])[page],
            "Title": titles.to_numpy(),
            "Description": "",
            "Duration (sec)": zero,
            "Publish time": published.dt.strftime("%m/%d/%Y %H:%M").to_numpy(),
            "Caption type": "N/A",
            "Permalink": "https://www.facebook.com/p/" + pd.Series(ids.astype(str)),
            "Is crosspost": zero,
            "Is share": zero,
            "Post type": types,
            "Languages": "",
            "Custom labels": "",
            "Funded content status": np.where(boosted, "Boosted", ""),
            "Data comment": "",
            "Date": "Lifetime",
            "Views": views,
            "Views from Organic posts": np.where(boosted, views // 2, views),
            "Views from Boosted posts": np.where(boosted, views - views // 2, 0),
            "Reach": reach,
            "Reach from Organic posts": np.where(boosted, reach // 2, reach),
            "Reach from Boosted posts": np.where(boosted, reach - reach // 2, 0),
            "3-second video views": zero,
            "1-minute video views": zero,
            "3-Second viewers": zero,
            "1-minute viewers": zero,
            "3-second video views from Boosted posts": zero,
            "3-second video views from Organic posts": zero,
            "Reactions, Comments and Shares": reactions + comments + shares,
            "Reactions": reactions,
            "Comments": comments,
            "Shares": shares,
            "Seconds viewed": "",
            "Average Seconds viewed": "",
        },
        columns=list(BUSINESS_SUITE_COLUMNS),
    )
    df = df.iloc[rng.permutation(rows)]
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding="utf-8-sig")


def peak_mb(code: str, path: Path) -> float:
    """Max resident memory (MB) of a fresh Python process running ``code`` on ``path``.

    The child reports its own ``ru_maxrss`` after the work is done.
    """
    report = "; import resource; print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    out = subprocess.run(
        [sys.executable, "-c", code + report, str(path)], check=True, capture_output=True, text=True
    )
    kb = int(out.stdout.split()[-1])
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows to generate")
    ap.add_argument("--keep", action="store_true", help="keep the generated file")
    ap.add_argument("--generate", metavar="PATH", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.generate:
        generate(args.rows, Path(args.generate))
        return 0

    path = DATA / f"Jan-01-2023_Dec-31-2025_{args.rows}.csv"
    if not path.exists():
        # generated in a child process, so that this process stays small: a child's
        # ru_maxrss starts from its parent's size at fork time
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--generate", str(path), "--rows", str(args.rows)],
            check=True,
        )
        print(
            f"generated {path.name}: {args.rows:,} rows, "
            f"{path.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - t0:.1f} s"
        )
    try:
        mem_floor = peak_mb("import sys, pandas; pandas.read_csv(sys.argv[1])", path)
        mem_ours = peak_mb(
            "import sys; from posttime.loaders import load_exports; load_exports([sys.argv[1]])",
            path,
        )
        from posttime.loaders import load_exports

        floor = median_seconds(lambda: pd.read_csv(path), 3)
        result = {}

        def load():
            result["r"] = load_exports([path])

        ours = median_seconds(load, 3)
        posts = len(result["r"].posts)
    finally:
        if not args.keep:
            path.unlink(missing_ok=True)
    ratio = ours / floor
    print(f"rows: {args.rows:,}  posts loaded: {posts:,}")
    print(f"pandas.read_csv (floor): 1.00x  ({floor:.2f} s, peak {mem_floor:.0f} MB)")
    ok = "ok" if ratio <= TARGET_RATIO else "OVER TARGET"
    print(f"load_exports:            {ratio:.2f}x  ({ours:.2f} s; target <= {TARGET_RATIO}x: {ok})")
    mem_ok = "ok" if mem_ours < TARGET_MB else "OVER TARGET"
    print(
        f"peak memory of the load: {mem_ours / mem_floor:.2f}x the floor's  ({mem_ours:.0f} MB; "
        f"target < {TARGET_MB} MB: {mem_ok})"
    )
    return 0 if ratio <= TARGET_RATIO and mem_ours < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
