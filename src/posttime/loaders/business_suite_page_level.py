"""Meta Business Suite page-level daily files (``Follows.csv``, ``Viewers.csv``, ...).

Two shapes: UTF-16 files with a ``sep=,`` line, a line with the metric name and then
``"Date","Primary"`` (dates like ``2025-09-20T00:00:00``); and UTF-8 files with a ``Date``
column written like ``August 19`` (no year) and a literal ``undefined`` for a missing value.
"""

from __future__ import annotations

import pandas as pd

from posttime.loaders import csvread, values
from posttime.loaders.assemble import Loaded, PageLevelData
from posttime.loaders.detect import BUSINESS_SUITE_PAGE_LEVEL, Sniffed

_DAY_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d", "%m/%d/%Y", "%B %d, %Y", "%d.%m.%Y")


def load(sn: Sniffed, export_tz: str) -> Loaded:
    positions = list(range(len(sn.header)))
    raw = csvread.read_raw(sn, positions, {0})
    f = raw.frame
    labels = f[0].astype("str").str.strip()
    date: pd.Series | None = None
    for fmt in _DAY_FORMATS:
        parsed = pd.to_datetime(labels, format=fmt, errors="coerce")
        if parsed.notna().sum() == labels.notna().sum() and labels.notna().any():
            date = parsed
            break
    notes = list(raw.notes)
    if date is None:
        date = labels
        notes.append("dates have no year; kept as written")
    table = pd.DataFrame({"date": date})
    for pos, name in enumerate(sn.header[1:], start=1):
        if name and name not in table:  # a repeated column name: the first column counts
            table[name] = values.to_number(f[pos])
    table = table[labels.notna().to_numpy()].reset_index(drop=True)
    metric = sn.title or ", ".join(c for c in sn.header[1:] if c)
    data = PageLevelData(
        path=str(sn.path), format=BUSINESS_SUITE_PAGE_LEVEL, metric=metric, table=table
    )
    mapping = {"date": sn.header[0]}
    mapping.update({c: c for c in sn.header[1:] if c})
    return Loaded(
        format=BUSINESS_SUITE_PAGE_LEVEL,
        rows=raw.rows,
        page_level=data,
        mapping=mapping,
        notes=notes,
        dropped={"truncated": raw.truncated},
    )
