"""The classic Page Insights post-level export (``Post ID``, ``Posted``, ``Lifetime ...``).

Two header rows (names, then descriptions), repeated column names, breakdown columns in
varying order: every column is found by its name. Blank cells mean zero, but a row whose
metric cells are all blank has no figures at all and is dropped as ``missing_metric``.
Legacy exports have no page name; the page id is the part of ``Post ID`` before ``_``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from posttime.loaders import common
from posttime.loaders.detect import LEGACY_POSTS, Sniffed

ACTION = "Lifetime Post Stories by action type - "
COLUMNS = {
    "post_id": "Post ID",
    "published": "Posted",
    "type": "Type",
    "reach": "Lifetime Post Total Reach",
    "views": "Lifetime Post Total Impressions",
    "clicks": "Lifetime Post Consumptions",
    "reactions": ACTION + "like",
    "comments": ACTION + "comment",
    "shares": ACTION + "share",
}
PAID = ("Lifetime Post Paid Reach", "Lifetime Post Paid Impressions")
_COUNTS = ("reach", "views", "clicks", "reactions", "comments", "shares")


def load(sn: Sniffed, export_tz: str) -> common.Loaded:
    found = {key: sn.position(name) for key, name in COLUMNS.items()}
    paid_pos = next((p for p in (sn.position(n) for n in PAID) if p is not None), None)
    positions = [p for p in found.values() if p is not None]
    if paid_pos is not None:
        positions.append(paid_pos)
    text = {found["post_id"], found["published"]}
    labels = {found["type"]} if found["type"] is not None else set()
    raw = common.read_raw(sn, positions, text, labels)
    f = raw.frame

    def col(key):
        pos = found[key]
        return f[sn.header[pos]] if pos is not None else None

    naive, _, aware = common.parse_times(col("published"))
    counts = {k: common.to_number(col(k)) for k in _COUNTS if found[k] is not None}
    metric_frame = pd.DataFrame(counts, index=f.index)
    keep, dropped = common.count_drops(f, naive, metric_frame)
    # blank breakdown cells mean zero in this export
    counts = {k: v.fillna(0.0) for k, v in counts.items()}
    parts = [k for k in ("reactions", "comments", "shares") if k in counts]
    metrics = dict(counts)
    if parts:
        metrics["interactions"] = sum(
            (counts[k] for k in parts), start=pd.Series(0.0, index=f.index)
        )
    notes = list(raw.notes)
    missing = [COLUMNS[k] for k in _COUNTS if found[k] is None]
    if missing:
        notes.append(
            "no column " + ", ".join(repr(m) for m in missing) + ": those figures are missing"
        )

    post_id = col("post_id").astype("str").str.strip()
    if paid_pos is not None:
        paid = common.to_number(f[sn.header[paid_pos]]).fillna(0) > 0
    else:
        paid = pd.Series(False, index=f.index)
    types = (
        col("type") if found["type"] is not None else pd.Series(np.nan, index=f.index, dtype="str")
    )

    idx = keep.to_numpy()
    post_id = post_id[idx]
    # "PAGEID_POSTID"; without the page part the post belongs to an unnamed page
    page_id = post_id.str.extract(r"^(\d+)_", expand=False).fillna(common.UNNAMED_PAGE)
    published, changes = common.localize(naive[idx], export_tz, aware[idx])
    post_id = common.fill_ids(post_id, published, page_id, {k: v[idx] for k, v in metrics.items()})
    as_of = published.max() if len(published) else None
    frame = common.finish(
        sn,
        post_id=post_id,
        page_id=page_id,
        page_name=pd.Series(pd.NA, index=post_id.index, dtype="string"),
        published=published,
        types=common.map_types(types[idx]),
        metrics={k: v[idx] for k, v in metrics.items()},
        paid=paid[idx],
        as_of=as_of,
    )
    mapping = {k: sn.header[p] for k, p in found.items() if p is not None}
    mapping["page_id"] = sn.header[found["post_id"]] + " (before '_')"
    if parts:
        mapping["interactions"] = " + ".join(sn.header[found[k]] for k in parts)
    if paid_pos is not None:
        mapping["paid"] = sn.header[paid_pos] + " > 0"
    dropped["truncated"] = raw.truncated
    return common.Loaded(
        format=LEGACY_POSTS,
        rows=raw.rows,
        posts=frame,
        mapping=mapping,
        dropped=dropped,
        notes=notes,
        as_of=as_of,
        clock_changes=changes,
    )
