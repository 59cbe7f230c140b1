"""Benchmark: `analyze --all-pages` of an agency, 200 pages x 1,000 posts, in one process.

Figures as ratios measured in the same run:

* ``analyze_many(jobs=2)`` against ``analyze_many(jobs=1)``; target <= 0.60x on 2 cores;
* ``analyze_many(jobs=1)`` against the number of pages times one page's ``analyze``
  in-process (the cost of splitting, pooling and collecting); target <= 1.20x;
* the peak memory (max RSS) of this process and of the worker processes;
* one page's cost, since an agency pays it per page: ``analyze`` of a 1,500-post page
  against a plain pandas groupby heatmap (weekday x hour mean of log engagement, in the
  audience zone) of the same posts; target <= 5x.

Pages are simulated with posttime.simulate (no files are written).

The agency's figures are medians of ``--repeat`` interleaved runs; beside them the bench
prints what the two cores give at best at the time: two forked processes analysing half the
pages each, with nothing sent back, against one process analysing all (on a shared or
virtual machine this floor is itself often well above 0.5x).

Usage: python benchmarks/bench_portfolio.py [--pages N] [--posts N] [--runs K] [--repeat R]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics

from timing import median_seconds

TZ = "America/Los_Angeles"


def agency(pages: int, posts: int):
    import pandas as pd

    from posttime.simulate import PageSpec, simulate_posts

    return pd.concat([simulate_posts(PageSpec(n_posts=posts, seed=i, timing="smooth", tz=TZ,
                                              page_id=str(10**14 + i), page_name=f"Page {i:03d}"))
                      for i in range(pages)], ignore_index=True)


def heatmap(posts):
    """The plain pandas answer: mean log engagement per local weekday and hour."""
    import numpy as np

    local = posts["published"].dt.tz_convert(TZ)
    y = np.log1p(posts["interactions"])
    return y.groupby([local.dt.day_of_week, local.dt.hour]).mean().unstack()


def _analyze_all(pages, options) -> None:
    from posttime.analysis import analyze

    for page in pages:
        analyze(page, options)


def halves(pages, options) -> None:
    """Two forked processes analyse every other page each, and send nothing back: the best
    any split of the work over two cores can do on this machine now."""
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_analyze_all, args=(pages[i::2], options))
               for i in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3,
                        help="interleaved runs of the whole agency for each figure")
    args = parser.parse_args()

    from posttime.analysis import AnalysisOptions, analyze
    from posttime.portfolio import analyze_many, split_pages
    from posttime.simulate import PageSpec, simulate_posts

    options = AnalysisOptions(timezone=TZ)
    posts = agency(args.pages, args.posts)
    first = posts[posts["page_id"] == posts["page_id"].iloc[0]]
    analyze(first, options)  # warm up imports and caches

    one = median_seconds(lambda: analyze(first, options), args.runs)
    pages = [page for _, page in split_pages(posts)]
    # Interleaved, so that a change in the machine's load shifts all three alike.
    runs: dict[str, list[float]] = {"serial": [], "parallel": [], "cores": []}
    for _ in range(args.repeat):
        runs["serial"].append(median_seconds(lambda: analyze_many(posts, options, jobs=1), 1))
        runs["parallel"].append(median_seconds(lambda: analyze_many(posts, options, jobs=2), 1))
        runs["cores"].append(median_seconds(lambda: halves(pages, options), 1))
    serial, parallel, cores = (statistics.median(times) for times in runs.values())
    print(f"{args.pages} pages x {args.posts:,} posts, {os.cpu_count()} cores, "
          f"medians of {args.repeat} interleaved runs")
    print(f"--jobs 2 {parallel:.2f}s vs --jobs 1 {serial:.2f}s = {parallel / serial:.2f}x "
          "(target <= 0.60x on 2 cores)")
    print(f"  what the cores give: two processes analysing half the pages each, nothing "
          f"sent back, {cores:.2f}s = {cores / serial:.2f}x")
    print(f"--jobs 1 {serial:.2f}s vs {args.pages} x one page {one:.3f}s = "
          f"{serial / (args.pages * one):.2f}x (target <= 1.20x)")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory: {own:.0f} MB in this process, {workers:.0f} MB in a worker")

    page = simulate_posts(PageSpec(n_posts=1500, seed=1, timing="smooth", tz=TZ))
    analyze(page, options)
    full = median_seconds(lambda: analyze(page, options), args.runs)
    plain = median_seconds(lambda: heatmap(page), args.runs)
    print(f"one 1,500-post page: analyze {full * 1000:.1f}ms vs pandas groupby heatmap "
          f"{plain * 1000:.1f}ms = {full / plain:.1f}x (target <= 5x)")


if __name__ == "__main__":
    main()
