"""Benchmark: `posttime pull` against ingesting the same posts from an export file.

Simulates one page of N posts (default 10,000) with posttime.simulate, writes them as a
Meta Business Suite export in benchmarks/.data/, and serves them in the Graph API's shapes
from the test suite's replay server on 127.0.0.1, in pages of 100 posts. The server makes
each answer once, on a first pull that is not timed, and then answers at once, so the
timed pulls measure the client: HTTP, JSON, the clean post table and the store.

Measured in the same run, interleaved, median of R runs each:

1. pulling the page into a new store (``posttime.graph.pull`` with one ``GraphClient``);
2. ingesting the export into a new store (``ingest_sources``).

The figure is pull / ingest (target <= 2.0). Peak memory of one pull (tracemalloc, in a
run that is not timed) is printed too.

Usage: python benchmarks/bench_pull.py [--posts N] [--repeat R]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from posttime.graph import GraphClient, PullReport, pull
from posttime.history import HistoryStore, ingest_sources
from posttime.simulate import PageSpec, simulate_posts, write_business_suite

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / ".data"
sys.path.insert(0, str(ROOT / "tests"))

from graph_replay import TOKEN, GraphReplay, Page, graph_posts  # noqa: E402

TARGET_RATIO = 2.0
PAGE_ID = "100000000000009"


def serve(pages: list[Page], address, stop) -> None:
    """Run the replay server in its own process until ``stop`` is set."""
    with GraphReplay(pages, cache=True) as server:
        address.put(server.url)
        stop.wait()


def pull_once(url: str, db: Path) -> PullReport:
    with GraphClient(TOKEN, base_url=url) as client, HistoryStore(db) as store:
        return pull(client, store, [PAGE_ID])


def ingest_once(export: Path, db: Path) -> int:
    with HistoryStore(db) as store:
        report = ingest_sources(store, [export])
    return report.files[0].posts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    posts = simulate_posts(PageSpec(n_posts=args.posts, years=3.0, seed=11, start="2022-01-03",
                                    page_id=PAGE_ID, page_name="Bench Page"))
    DATA.mkdir(parents=True, exist_ok=True)
    export = DATA / f"pull-bench-{args.posts}.csv"
    write_business_suite(posts, export)
    served = posts.assign(post_id=PAGE_ID + "_" + posts["post_id"].astype(str))
    regular, reels = graph_posts(served)

    pulls, ingests = [], []
    context = multiprocessing.get_context("fork")
    address, stop = context.Queue(), context.Event()
    server = context.Process(target=serve, args=([Page(PAGE_ID, "Bench Page", regular, reels)],
                                                 address, stop))
    server.start()
    try:
        url = address.get(timeout=60)
        with tempfile.TemporaryDirectory() as folder:
            work = Path(folder)
            warm = pull_once(url, work / "warm.sqlite")
            assert warm.pages[0].posts == len(posts)
            for run in range(args.repeat):
                start = time.perf_counter()
                assert pull_once(url, work / f"pull-{run}.sqlite").pages[0].posts == len(posts)
                pulls.append(time.perf_counter() - start)
                start = time.perf_counter()
                assert ingest_once(export, work / f"ingest-{run}.sqlite") == len(posts)
                ingests.append(time.perf_counter() - start)
            tracemalloc.start()
            pull_once(url, work / "memory.sqlite")
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    finally:
        stop.set()
        server.join()

    pull_s, ingest_s = sorted(pulls)[len(pulls) // 2], sorted(ingests)[len(ingests) // 2]
    ratio = pull_s / ingest_s
    print(f"{len(posts):,} posts, {warm.requests} requests per pull (pages of 100)")
    print(f"pull into a new store:   {pull_s:.3f} s (median of {args.repeat})")
    print(f"ingest the export:       {ingest_s:.3f} s (median of {args.repeat})")
    print(f"pull / ingest:           {ratio:.2f} (target <= {TARGET_RATIO})")
    print(f"peak memory of one pull: {peak / 2**20:.1f} MiB (tracemalloc)")
    sys.exit(0 if ratio <= TARGET_RATIO else 1)


if __name__ == "__main__":
    main()
