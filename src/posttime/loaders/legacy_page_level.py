"""The classic Page Insights page-level daily export (``Date``, ``Daily Liked and Online - H``).

More than 1,600 columns, two header rows, one row per day. Only the hourly "fans online"
table is kept: the 24 columns ``Daily Liked and Online - 0`` .. ``- 23``, whose description
row says the hours are in Pacific time (PST/PDT). Days with no figures (the last days of an
export are often blank) are left out.
"""

from __future__ import annotations

import pandas as pd

from posttime.errors import InputError
from posttime.loaders import csvread, values
from posttime.loaders.assemble import Loaded, PageLevelData
from posttime.loaders.detect import LEGACY_PAGE_LEVEL, Sniffed

ONLINE = "Daily Liked and Online - {}"
HOURS_ZONE = "America/Los_Angeles"


def load(sn: Sniffed, export_tz: str) -> Loaded:
    date_pos = sn.position("Date")
    if date_pos is None:  # detect() only calls this a page-level file with a Date column
        raise InputError(f"{sn.path}: no Date column in a page-level export")
    hours = {h: sn.position(ONLINE.format(h)) for h in range(24)}
    found = {h: p for h, p in hours.items() if p is not None}
    raw = csvread.read_raw(sn, [date_pos, *found.values()], {date_pos})
    f = raw.frame
    days = pd.to_datetime(f[date_pos], format="%Y-%m-%d", errors="coerce")
    table = pd.DataFrame(
        {h: values.to_number(f[p]) for h, p in found.items()}, index=f.index
    )
    table = table.reindex(columns=range(24))
    table.index = pd.DatetimeIndex(days, name="date")
    keep = days.notna().to_numpy() & table.notna().any(axis=1).to_numpy()
    table = table[keep].sort_index()
    data = PageLevelData(
        path=str(sn.path),
        format=LEGACY_PAGE_LEVEL,
        metric="fans_online",
        table=table,
        timezone=HOURS_ZONE,
    )
    notes = list(raw.notes)
    if not found:
        notes.append("no 'Daily Liked and Online' columns: no hourly fans-online table")
    blank_days = int((~keep).sum())
    if blank_days:
        notes.append(f"{blank_days} day(s) without figures left out")
    mapping = {"date": sn.header[date_pos]}
    if found:
        mapping["fans_online"] = ONLINE.format("0") + " .. " + ONLINE.format("23")
    return Loaded(
        format=LEGACY_PAGE_LEVEL,
        rows=raw.rows,
        page_level=data,
        mapping=mapping,
        notes=notes,
        dropped={"truncated": raw.truncated},
    )
