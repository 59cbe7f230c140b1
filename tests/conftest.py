"""Shared test helpers: where the real exports live, and a writer for small exports."""

from __future__ import annotations

import csv
import io
import os
import shutil
from pathlib import Path

import pytest

#: Real Facebook exports, beside the repository (CI clones shared/ next to it).
REAL_EXPORTS = Path(__file__).resolve().parents[2] / "shared" / "real-exports"

needs_real_exports = pytest.mark.skipif(
    not REAL_EXPORTS.is_dir(), reason=f"real exports not found at {REAL_EXPORTS}"
)


def write_rows(
    path: Path,
    rows: list[list[object]],
    *,
    encoding: str = "utf-8-sig",
    delimiter: str = ",",
    prefix: str = "",
    newline_at_end: bool = True,
) -> Path:
    """Write ``rows`` (header first) as CSV the way exports and spreadsheets write them."""
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    text = prefix + buf.getvalue()
    if not newline_at_end:
        text = text.rstrip("\n")
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def write(tmp_path):
    """``write(name, rows, **options)`` -> path of a CSV file in a fresh temp folder."""

    def _write(name: str, rows: list[list[object]], **options) -> Path:
        return write_rows(tmp_path / name, rows, **options)

    return _write


#: the headless browser the HTML reports are checked in (Debian's chromium; `.ci/run`
#: installs it where it is missing).
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium"
                                        if Path("/usr/bin/chromium").exists() else None)


@pytest.fixture
def chromium(tmp_path) -> list[str]:
    """The headless browser's command line, before the options of one check. Skipped where
    no browser is installed, except in CI (``CI`` set), where the checks must run."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; CI must run the browser checks")
        pytest.skip("chromium is not installed")
    return [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}"]


def screenshot_colours(chromium: list[str], uri: str, shot: Path,
                       *options: str) -> tuple[int, int]:
    """Open ``uri`` in the headless browser, save a screenshot to ``shot`` and return the
    green and red pixels in it (a drawn heatmap has both); the page must log no console
    error."""
    import subprocess

    import numpy as np
    from PIL import Image

    run = subprocess.run([*chromium, "--enable-logging=stderr", "--v=0", *options,
                          f"--screenshot={shot}", uri],
                         capture_output=True, text=True, timeout=90)
    assert run.returncode == 0, run.stderr[-2000:]
    assert ":CONSOLE" not in run.stderr, run.stderr[-2000:]
    r, g, b = np.asarray(Image.open(shot).convert("RGB"), dtype=int).transpose(2, 0, 1)
    return int(((g - r > 20) & (g - b > 10)).sum()), int(((r - g > 20) & (r - b > 20)).sum())
