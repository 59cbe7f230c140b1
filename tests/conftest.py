"""Shared test helpers: where the real exports live, and a writer for small exports."""

from __future__ import annotations

import csv
import io
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
