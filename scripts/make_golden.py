"""Regenerate tests/golden/: the expected `posttime analyze --format json` of each sample.

A change that moves a number the tool prints must update these files in the same commit.

Usage: python scripts/make_golden.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "src" / "posttime" / "samples"
GOLDEN = ROOT / "tests" / "golden"
#: sample file -> the analyze options its golden file was made with
CASES = {
    "business-suite-2y.csv": ["--tz", "America/Los_Angeles"],
    "classic-insights.csv": ["--tz", "America/Los_Angeles"],
}


def main() -> None:
    GOLDEN.mkdir(exist_ok=True)
    for name, options in CASES.items():
        out = subprocess.run(
            [sys.executable, "-m", "posttime", "analyze", str(SAMPLES / name), *options,
             "--format", "json"],
            capture_output=True, text=True, check=True,
        ).stdout
        target = GOLDEN / (Path(name).stem + ".json")
        target.write_text(out, encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
