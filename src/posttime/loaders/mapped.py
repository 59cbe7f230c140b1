"""Any other CSV of posts, read through a column mapping (``--map time=Created,...``).

Keys the mapping leaves out are matched by common column names (``Reach``, ``Likes``,
``Impressions``, ...); a file with a recognisable time column is read this way even without
``--map``. Without a post id column, ids are made from the publish time and a hash of the
row's figures (see :func:`posttime.loaders.common.content_ids`).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from posttime.errors import InputError, UsageError
from posttime.loaders import common
from posttime.loaders.detect import MAPPED, TIME_SYNONYMS, Sniffed

KEYS = (
    "time",
    "post_id",
    "page",
    "interactions",
    "reactions",
    "comments",
    "shares",
    "reach",
    "views",
    "clicks",
    "type",
    "paid",
)
METRIC_KEYS = ("interactions", "reactions", "comments", "shares", "reach", "views", "clicks")

SYNONYMS: dict[str, tuple[str, ...]] = {
    "time": TIME_SYNONYMS,
    "post_id": ("post id", "post_id", "postid", "id"),
    "page": ("page name", "page", "page_name", "account", "profile"),
    "interactions": (
        "interactions",
        "engagements",
        "engagement",
        "total engagement",
        "total interactions",
        "reactions, comments and shares",
    ),
    "reactions": ("reactions", "likes", "like"),
    "comments": ("comments", "comment"),
    "shares": ("shares", "share"),
    "reach": ("reach", "post reach", "total reach", "people reached"),
    "views": ("views", "impressions", "post impressions"),
    "clicks": ("clicks", "total clicks", "post clicks"),
    "type": ("post type", "type", "media type"),
    "paid": ("paid", "boosted", "promoted", "is paid", "is boosted"),
}

_SPLIT = re.compile(r",(?=\s*\w+\s*=)")
_EXAMPLE = "e.g. --map time=Created,interactions=Engagements,type=Kind"


def parse_mapping(spec: str | None) -> dict[str, str] | None:
    """``"time=Created,interactions=Engagements"`` -> ``{"time": "Created", ...}``.

    Column names may contain commas (``reach=Reach, organic``): a comma only separates
    pairs when a word and ``=`` follow it. Raises ``UsageError`` for a bad spec.
    """
    if spec is None or not spec.strip():
        return None
    mapping: dict[str, str] = {}
    for part in _SPLIT.split(spec.strip()):
        key, sep, column = part.partition("=")
        key = key.strip().lower()
        if not sep or not key or not column.strip():
            raise UsageError(
                f"bad --map part {part.strip()!r}: use KEY=COLUMN pairs separated by commas, "
                f"{_EXAMPLE}"
            )
        if key in mapping:
            raise UsageError(f"--map gives {key!r} twice; give each key once")
        mapping[key] = column.strip()
    return check_mapping(mapping)


def check_mapping(mapping: dict[str, str] | None) -> dict[str, str] | None:
    """Validate a mapping dict (known keys, a time column); returns it unchanged."""
    if not mapping:
        return None
    unknown = [k for k in mapping if k not in KEYS]
    if unknown:
        raise UsageError(
            f"unknown --map key {unknown[0]!r}; keys are: {', '.join(KEYS)} ({_EXAMPLE})"
        )
    if "time" not in mapping:
        raise UsageError(f"--map needs the publish-time column: time=COLUMN ({_EXAMPLE})")
    return dict(mapping)


def resolve(sn: Sniffed, mapping: dict[str, str] | None) -> dict[str, int]:
    """Column positions for each key: from the mapping, else by common names."""
    found: dict[str, int] = {}
    for key, column in (mapping or {}).items():
        pos = sn.position(column)
        if pos is None:
            raise UsageError(
                f"{sn.path}: --map {key}={column} names a column the file does not have "
                f"(columns: {sn.columns_text()})"
            )
        found[key] = pos
    taken = set(found.values())
    for key in KEYS:
        if key in found:
            continue
        for name in SYNONYMS[key]:
            pos = sn.position(name)
            if pos is not None and pos not in taken:
                found[key] = pos
                taken.add(pos)
                break
    if not any(k in found for k in METRIC_KEYS):
        cls = UsageError if mapping else InputError
        raise cls(
            f"{sn.path}: no figure column found (columns: {sn.columns_text()}); "
            f"name one with --map, e.g. --map time={sn.header[found['time']]},"
            "interactions=COLUMN"
        )
    return found


def load(sn: Sniffed, export_tz: str, mapping: dict[str, str] | None) -> common.Loaded:
    found = resolve(sn, mapping)
    text = {found[k] for k in ("time", "post_id", "paid") if k in found}
    labels = {found[k] for k in ("page", "type") if k in found}
    raw = common.read_raw(sn, list(found.values()), text, labels)
    f = raw.frame

    def col(key):
        return f[sn.header[found[key]]]

    naive, _, aware = common.parse_times(col("time"))
    metrics = {k: common.to_number(col(k)) for k in METRIC_KEYS if k in found}
    report = {("published" if k == "time" else k): sn.header[p] for k, p in found.items()}
    parts = [k for k in ("reactions", "comments", "shares") if k in metrics]
    if "interactions" not in metrics and parts:
        metrics["interactions"] = common.sum_present(pd.DataFrame({k: metrics[k] for k in parts}))
        report["interactions"] = " + ".join(sn.header[found[k]] for k in parts)
    keep, dropped = common.count_drops(f, naive, pd.DataFrame(metrics, index=f.index))
    idx = keep.to_numpy()
    published, changes = common.localize(naive[idx], export_tz, aware[idx])
    metrics = {k: v[idx] for k, v in metrics.items()}

    page = common.strip_labels(col("page")[idx]) if "page" in found else None
    page = common.fill_label(page, common.UNNAMED_PAGE, published.index)
    post_id = col("post_id")[idx].astype("str").str.strip() if "post_id" in found else None
    if post_id is None:
        report["post_id"] = "(made from time and figures)"
    post_id = common.fill_ids(post_id, published, page, metrics)
    types = col("type")[idx] if "type" in found else pd.Series(np.nan, index=published.index)
    paid = (
        common.truthy(col("paid")[idx])
        if "paid" in found
        else pd.Series(False, index=published.index)
    )
    as_of = published.max() if len(published) else None
    frame = common.finish(
        sn,
        post_id=post_id,
        page_id=page,
        page_name=page,
        published=published,
        types=common.map_types(types),
        metrics=metrics,
        paid=paid,
        as_of=as_of,
    )
    if "page" in report:
        report["page_id"] = report["page_name"] = report.pop("page")
    dropped["truncated"] = raw.truncated
    return common.Loaded(
        format=MAPPED,
        rows=raw.rows,
        posts=frame,
        mapping=report,
        dropped=dropped,
        notes=list(raw.notes),
        as_of=as_of,
        clock_changes=changes,
    )
