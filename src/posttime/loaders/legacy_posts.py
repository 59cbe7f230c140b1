"""The classic Page Insights post-level export (``Post ID``, ``Posted``, ``Lifetime ...``).

Two header rows (names, then descriptions), repeated column names, breakdown columns in
varying order: every column is found by its name. Blank cells mean zero, but a row whose
metric cells are all blank has no figures at all and is dropped as ``missing_metric``.
Legacy exports have no page name; the page id is the part of ``Post ID`` before ``_``.
"""

from __future__ import annotations

import pandas as pd

from posttime.loaders.assemble import PageFromPost, Paid, PostSpec
from posttime.loaders.detect import LEGACY_POSTS, Sniffed

ACTION = "Lifetime Post Stories by action type - "
PAID = ("Lifetime Post Paid Reach", "Lifetime Post Paid Impressions")


def paid_column(sn: Sniffed) -> Paid:
    """The first paid figure the file has: above 0 means the post was paid."""
    pos = next((p for p in map(sn.position, PAID) if p is not None), None)
    if pos is None:
        return Paid()
    return Paid(figures=(pos,), source=sn.header[pos] + " > 0")


def page_of_post(post_id: pd.Series) -> pd.Series:
    """``"PAGEID_POSTID"`` -> ``PAGEID``; without the page part, NaN."""
    return post_id.str.extract(r"^(\d+)_", expand=False)


SPEC = PostSpec(
    format=LEGACY_POSTS,
    columns={
        "post_id": ("Post ID",),
        "published": ("Posted",),
        "type": ("Type",),
        "reach": ("Lifetime Post Total Reach",),
        "views": ("Lifetime Post Total Impressions",),
        "clicks": ("Lifetime Post Consumptions",),
        "reactions": (ACTION + "like",),
        "comments": (ACTION + "comment",),
        "shares": (ACTION + "share",),
        "title": ("Post Message",),
        "permalink": ("Permalink",),
    },
    sums={"interactions": ("reactions", "comments", "shares")},
    blank_is_zero=True,
    expected=("reach", "views", "clicks", "reactions", "comments", "shares"),
    paid=paid_column,
    page_from_post=PageFromPost(compute=page_of_post, how=" (before '_')"),
)
