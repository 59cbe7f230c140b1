"""Regenerate the bundled sample exports in src/posttime/samples/.

Usage (from the repository root)::

    python scripts/make_samples.py              # rewrite src/posttime/samples/*.csv
    python scripts/make_samples.py --check      # exit 1 if the shipped files are out of date
    python scripts/make_samples.py --out DIR    # write the files into DIR instead

The samples are synthetic pages from the generator in posttime.simulate, written in the real
export formats. The seeds are fixed, so a rerun gives byte-identical files; the test suite
checks that the shipped files match what this script writes. data/samples is a link to the
same folder.

* business-suite-2y.csv: Meta Business Suite post export of "Sample Bakery", 1,500 posts
  over two years, a modest smooth timing pattern, post types and follower trend that vary
  with time (as on real pages), and a 1.6x lift planted on Thursday 18:00-20:00 (40 posts).
* classic-insights.csv: classic Page Insights post-level export of "Harbour Street Cafe", 300
  posts over one year, the same smooth timing pattern.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from posttime import simulate as sim

ROOT = Path(__file__).resolve().parents[1]


SAMPLES = ROOT / "src" / "posttime" / "samples"

BUSINESS_SUITE = sim.PageSpec(
    n_posts=1500,
    years=2.0,
    seed=34,
    timing="smooth",
    planted=(sim.Planted(weekday=3, start=18, end=20, lift=1.6, n_posts=40),),
    confounding=True,
    page_id="100087654321098",
    page_name="Sample Bakery",
    start="2023-10-02",
)

CLASSIC = sim.PageSpec(
    n_posts=300,
    years=1.0,
    seed=7,
    timing="smooth",
    confounding=True,
    page_id="231456789012345",
    page_name="Harbour Street Cafe",
    start="2016-09-05",
)


def write_samples(out: Path) -> list[Path]:
    """Write both sample files into ``out`` and return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    bs = out / "business-suite-2y.csv"
    sim.write_business_suite(sim.simulate_posts(BUSINESS_SUITE), bs)
    classic = out / "classic-insights.csv"
    sim.write_legacy(sim.simulate_posts(CLASSIC), classic)
    return [bs, classic]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=SAMPLES, help="folder to write into")
    parser.add_argument(
        "--check", action="store_true", help="compare with the shipped files, write nothing"
    )
    args = parser.parse_args(argv)
    if not args.check:
        for path in write_samples(args.out):
            print(f"wrote {path} ({path.stat().st_size:,} bytes)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        stale = [
            path.name
            for path in write_samples(Path(tmp))
            if not (SAMPLES / path.name).is_file()
            or (SAMPLES / path.name).read_bytes() != path.read_bytes()
        ]
    if stale:
        print(f"out of date: {', '.join(stale)}; run python scripts/make_samples.py")
        return 1
    print("samples are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
