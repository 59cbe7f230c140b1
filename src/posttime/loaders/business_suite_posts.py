"""The Meta Business Suite post export (Insights > Content > Export: ``Publish time``, ...).

One header row; post titles span lines inside quotes; rows are unsorted; the column set
changes between months (``Views`` replaced ``Impressions`` in 2025, click columns come and
go), so every column is looked up by name and an absent one leaves its figure missing.
Quirks: paid posts are told by any funded/boosted/paid column, the file name gives the
export's date range, and a post with a blank ``Title`` takes its ``Description`` as title.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from posttime.loaders.assemble import Paid, PostSpec
from posttime.loaders.detect import BUSINESS_SUITE_POSTS, Sniffed, norm
from posttime.loaders.values import TIME_RANGE

_RANGE = re.compile(r"([A-Z][a-z]{2})-(\d{1,2})-(\d{4})_([A-Z][a-z]{2})-(\d{1,2})-(\d{4})")


def as_of_from_name(name: str, zone: str) -> pd.Timestamp | None:
    """End of the export's date range (``Sep-01-2025_Sep-30-2025_...``), as UTC."""
    m = _RANGE.search(name)
    if not m:
        return None
    try:
        day = pd.Timestamp(f"{m.group(4)} {m.group(5)} {m.group(6)}")
    except ValueError:
        return None
    if not TIME_RANGE[0] <= day.to_datetime64() < TIME_RANGE[1] - np.timedelta64(1, "D"):
        return None
    end = (day + pd.Timedelta(days=1)).tz_localize(
        zone, ambiguous=False, nonexistent="shift_forward"
    )
    return (end - pd.Timedelta(seconds=1)).tz_convert("UTC")


def paid_columns(sn: Sniffed) -> Paid:
    """Funded/boosted status columns and paid figures (``Reach from Boosted posts``, ...)."""
    status: list[int] = []
    numbers: list[int] = []
    for i, name in enumerate(sn.header):
        n = norm(name)
        if not any(w in n for w in ("boosted", "funded", "paid")):
            continue
        (status if "status" in n else numbers).append(i)
    names = " / ".join(sn.header[p] for p in status + numbers)
    return Paid(statuses=tuple(status), figures=tuple(numbers), source=names or None)


SPEC = PostSpec(
    format=BUSINESS_SUITE_POSTS,
    columns={
        "post_id": ("Post ID",),
        "page_id": ("Page ID",),
        "page_name": ("Page name",),
        "published": ("Publish time",),
        "type": ("Post type",),
        "interactions": ("Reactions, Comments and Shares",),
        "reactions": ("Reactions",),
        "comments": ("Comments",),
        "shares": ("Shares",),
        "reach": ("Reach",),
        "views": ("Views", "Impressions"),
        "clicks": ("Total clicks",),
        "link_clicks": ("Link clicks",),
        "other_clicks": ("Other Clicks",),
        "title": ("Title",),
        "description": ("Description",),
        "permalink": ("Permalink",),
    },
    sums={
        "interactions": ("reactions", "comments", "shares"),
        "clicks": ("link_clicks", "other_clicks"),
    },
    fallbacks={"title": "description"},
    trim_ids=False,  # 1,000,000 ids take a second to trim, and Business Suite never pads them
    qualify_ids=True,  # Business Suite writes the post id without its page id
    paid=paid_columns,
    dated=as_of_from_name,
)
