"""The clean post table that every loader returns and every analysis reads.

One row per post. Times are timezone-aware UTC; counts are float64 with NaN where the export
does not have the figure (so a missing reach is never mistaken for zero reach). A post's
title and permalink are text, NA where the export has none.
"""

from __future__ import annotations

import pandas as pd

#: The page of posts whose export names no page.
UNNAMED_PAGE = "unnamed page"

POST_TYPES = ("photo", "video", "reel", "link", "text", "other")

#: Export values of the post type -> schema type (case-insensitive); anything else is "other".
TYPE_NAMES = {
    "photo": "photo",
    "photos": "photo",
    "image": "photo",
    "album": "photo",
    "video": "video",
    "videos": "video",
    "sharedvideo": "video",
    "shared video": "video",
    "live": "video",
    "reel": "reel",
    "reels": "reel",
    "link": "link",
    "links": "link",
    "status": "text",
    "text": "text",
    "other": "other",
}


def post_type(value: str) -> str | None:
    """The schema type a user or an export calls ``value`` (``Photos``, ``reels``,
    ``Status``: any case); None for a word that names no type."""
    return TYPE_NAMES.get(" ".join(str(value).split()).casefold())


#: column name -> dtype of the clean post table, in order.
COLUMNS: dict[str, str] = {
    "post_id": "string",
    "page_id": "string",
    "page_name": "string",
    "published": "datetime64[ns, UTC]",
    "type": "category",
    "reach": "float64",
    "views": "float64",
    "reactions": "float64",
    "comments": "float64",
    "shares": "float64",
    "interactions": "float64",
    "clicks": "float64",
    "paid": "bool",
    "source": "string",
    "as_of": "datetime64[ns, UTC]",
    "title": "string",
    "permalink": "string",
}

#: columns a table may lack: ``conform`` fills them with NA (post tables built without them,
#: e.g. from an export or a simulation that has no titles).
OPTIONAL_COLUMNS = ("title", "permalink")

METRIC_COLUMNS = ("reach", "views", "reactions", "comments", "shares", "interactions", "clicks")


def empty() -> pd.DataFrame:
    """An empty clean post table with the right columns and dtypes."""
    return conform(pd.DataFrame({name: [] for name in COLUMNS}))


def conform(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with exactly the schema's columns, in order, cast to the schema's dtypes;
    optional columns it lacks are filled with NA."""
    missing = [c for c in COLUMNS if c not in df.columns and c not in OPTIONAL_COLUMNS]
    if missing:
        raise ValueError(f"post table lacks columns: {', '.join(missing)}")
    out = df.reindex(columns=list(COLUMNS))
    for name, dtype in COLUMNS.items():
        if name == "type":
            out[name] = pd.Categorical(out[name], categories=POST_TYPES)
        elif dtype.startswith("datetime"):
            out[name] = pd.to_datetime(out[name], utc=True).astype(dtype)
        else:
            out[name] = out[name].astype(dtype)
    return out.reset_index(drop=True)


def validate(df: pd.DataFrame) -> None:
    """Raise ``ValueError`` if ``df`` is not a clean post table."""
    if list(df.columns) != list(COLUMNS):
        raise ValueError(f"columns {list(df.columns)} != {list(COLUMNS)}")
    for name, dtype in COLUMNS.items():
        if name == "type":
            if not isinstance(df[name].dtype, pd.CategoricalDtype) or tuple(
                df[name].cat.categories
            ) != POST_TYPES:
                raise ValueError("column 'type' must be categorical over POST_TYPES")
        elif str(df[name].dtype) != dtype:
            raise ValueError(f"column {name!r} has dtype {df[name].dtype}, expected {dtype}")
    if df["published"].isna().any():
        raise ValueError("column 'published' has missing times")
    if df.duplicated(["page_id", "post_id"]).any():
        raise ValueError("a (page_id, post_id) pair occurs more than once")
