"""The Meta Business Suite post export (Insights > Content > Export: ``Publish time``, ...).

One header row; post titles span lines inside quotes; rows are unsorted; the column set
changes between months (``Views`` replaced ``Impressions`` in 2025, click columns come and
go), so every column is looked up by name and an absent one leaves its figure missing.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from posttime.loaders import common
from posttime.loaders.detect import BUSINESS_SUITE_POSTS, Sniffed, norm

_RANGE = re.compile(r"([A-Z][a-z]{2})-(\d{1,2})-(\d{4})_([A-Z][a-z]{2})-(\d{1,2})-(\d{4})")
_NOT_PAID = {"", "n/a", "na", "-", "--", "not funded", "not boosted", "none", "organic", "no"}


def as_of_from_name(name: str, zone: str) -> pd.Timestamp | None:
    """End of the export's date range (``Sep-01-2025_Sep-30-2025_...``), as UTC."""
    m = _RANGE.search(name)
    if not m:
        return None
    try:
        day = pd.Timestamp(f"{m.group(4)} {m.group(5)} {m.group(6)}")
    except ValueError:
        return None
    end = (day + pd.Timedelta(days=1)).tz_localize(
        zone, ambiguous=False, nonexistent="shift_forward"
    )
    return (end - pd.Timedelta(seconds=1)).tz_convert("UTC")


def _paid_columns(sn: Sniffed) -> tuple[list[int], list[int]]:
    status, numbers = [], []
    for i, name in enumerate(sn.header):
        n = norm(name)
        if not any(w in n for w in ("boosted", "funded", "paid")):
            continue
        (status if "status" in n else numbers).append(i)
    return status, numbers


def load(sn: Sniffed, export_tz: str) -> common.Loaded:
    pos = {
        "post_id": sn.position("Post ID"),
        "page_id": sn.position("Page ID"),
        "page_name": sn.position("Page name"),
        "published": sn.position("Publish time"),
        "type": sn.position("Post type"),
        "interactions": sn.position("Reactions, Comments and Shares"),
        "reactions": sn.position("Reactions"),
        "comments": sn.position("Comments"),
        "shares": sn.position("Shares"),
        "reach": sn.position("Reach"),
        "views": sn.position("Views"),
        "clicks": sn.position("Total clicks"),
    }
    if pos["views"] is None:
        pos["views"] = sn.position("Impressions")
    link, other = sn.position("Link clicks"), sn.position("Other Clicks")
    status, boosted = _paid_columns(sn)
    text = {pos[k] for k in ("post_id", "published") if pos[k] is not None}
    labels = {pos[k] for k in ("page_id", "page_name", "type") if pos[k] is not None}
    labels |= set(status)
    positions = [p for p in pos.values() if p is not None] + status + boosted
    positions += [p for p in (link, other) if p is not None]
    raw = common.read_raw(sn, positions, text, labels)
    f = raw.frame

    def col(p):
        return f[sn.header[p]]

    naive, _, aware = common.parse_times(col(pos["published"]))
    metrics: dict[str, pd.Series] = {}
    mapping = {k: sn.header[p] for k, p in pos.items() if p is not None}
    for key in ("interactions", "reactions", "comments", "shares", "reach", "views", "clicks"):
        if pos[key] is not None:
            metrics[key] = common.to_number(col(pos[key]))
    parts = [k for k in ("reactions", "comments", "shares") if k in metrics]
    if "interactions" not in metrics and parts:
        metrics["interactions"] = common.sum_present(pd.DataFrame({k: metrics[k] for k in parts}))
        mapping["interactions"] = " + ".join(sn.header[pos[k]] for k in parts)
    if "clicks" not in metrics and (link is not None or other is not None):
        clicks = pd.DataFrame(
            {sn.header[p]: common.to_number(col(p)) for p in (link, other) if p is not None}
        )
        metrics["clicks"] = common.sum_present(clicks)
        mapping["clicks"] = " + ".join(clicks.columns)
    keep, dropped = common.count_drops(f, naive, pd.DataFrame(metrics, index=f.index))

    paid = pd.Series(False, index=f.index)
    for p in status:
        codes, values = common._codes(col(p))
        funded = np.array([str(v).strip().casefold() not in _NOT_PAID for v in values] + [False])
        paid |= funded[codes]
    for p in boosted:
        paid |= common.to_number(col(p)).fillna(0) > 0
    if status or boosted:
        mapping["paid"] = " / ".join(sn.header[p] for p in status + boosted)

    idx = keep.to_numpy()
    post_id = col(pos["post_id"])[idx] if pos["post_id"] is not None else None
    page_id = common.strip_labels(col(pos["page_id"])[idx]) if pos["page_id"] is not None else None
    page_name = (
        common.strip_labels(col(pos["page_name"])[idx]) if pos["page_name"] is not None else None
    )
    if page_id is None:
        page_id = page_name
    page_id = common.fill_label(page_id, common.UNNAMED_PAGE, f.index[idx])
    if page_name is None:
        page_name = pd.Series(pd.NA, index=page_id.index, dtype="string")
    published, changes = common.localize(naive[idx], export_tz, aware[idx])
    kept_metrics = {k: v[idx] for k, v in metrics.items()}
    if post_id is None:
        mapping["post_id"] = "(made from time and figures)"
    post_id = common.fill_ids(post_id, published, page_id, kept_metrics)
    as_of = as_of_from_name(sn.path.name, export_tz)
    if as_of is None and len(published):
        as_of = published.max()
    types = col(pos["type"]) if pos["type"] is not None else pd.Series(np.nan, index=f.index)
    frame = common.finish(
        sn,
        post_id=post_id,
        page_id=page_id,
        page_name=page_name,
        published=published,
        types=common.map_types(types[idx]),
        metrics=kept_metrics,
        paid=paid[idx],
        as_of=as_of,
    )
    dropped["truncated"] = raw.truncated
    return common.Loaded(
        format=BUSINESS_SUITE_POSTS,
        rows=raw.rows,
        posts=frame,
        mapping=mapping,
        dropped=dropped,
        notes=list(raw.notes),
        as_of=as_of,
        clock_changes=changes,
    )
