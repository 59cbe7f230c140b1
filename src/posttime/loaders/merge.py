"""One row per post: ids for posts without one, duplicates within a file, merging exports.

A post is keyed by (page_id, post_id). Within one file a post listed twice keeps the row
with more interactions; across files the row of the newest export wins (see
``posttime.loaders``). Exports without post ids get ids made from the publish time and a
hash of the row's figures, so loading a file twice changes nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from posttime import schema
from posttime.loaders.values import label_codes


def content_ids(
    published: pd.Series, page_id: pd.Series, metrics: dict[str, pd.Series]
) -> pd.Series:
    """Stable ids for posts of an export without post ids: publish time + a content hash.

    The hash covers the page, the time and the figures read, so the same row always gets
    the same id (loading a file twice changes nothing), in any encoding or date style.
    """
    ns = published.dt.tz_convert(None).astype("datetime64[ns]").to_numpy().view("int64")
    parts = pd.DataFrame({"published": ns, "page": page_id.astype("str").to_numpy()})
    for name in sorted(metrics):
        parts[name] = metrics[name].to_numpy(dtype="float64")
    digest = pd.util.hash_pandas_object(parts, index=False).to_numpy()
    stamp = published.dt.strftime("%Y%m%dT%H%M%SZ").to_numpy(dtype=object)
    return pd.Series(stamp + "-" + digest.astype(str).astype(object), index=published.index)


def fill_ids(
    post_id, published: pd.Series, page_id: pd.Series, metrics: dict[str, pd.Series]
) -> pd.Series:
    """Post ids, made from time and figures where the export has none (see content_ids)."""
    if post_id is None:
        return content_ids(published, page_id, metrics)
    missing = (post_id.isna() | (post_id == "")).to_numpy()
    if not missing.any():
        return post_id
    made = content_ids(
        published[missing], page_id[missing], {k: v[missing] for k, v in metrics.items()}
    )
    out = post_id.astype(object).copy()
    out[missing] = made.to_numpy()
    return out


def key_hash(frame: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of each row's (page_id, post_id), for fast duplicate checks.

    Equal keys always hash equal; rows flagged by the hash are compared exactly before
    anything is dropped, so a (very unlikely) collision cannot merge two posts.
    """
    page = pd.util.hash_pandas_object(frame["page_id"], index=False).to_numpy()
    post = pd.util.hash_array(frame["post_id"].to_numpy(dtype=object), categorize=False)
    return post ^ (page * np.uint64(0x9E3779B97F4A7C15))


def _exact_later(frame: pd.DataFrame, hashes: np.ndarray, keep: str) -> np.ndarray:
    """Rows that repeat an earlier/later (page_id, post_id), as a boolean mask."""
    maybe = pd.Series(hashes).duplicated(keep=False).to_numpy()
    out = np.zeros(len(frame), dtype=bool)
    if maybe.any():
        out[maybe] = (
            frame.iloc[np.flatnonzero(maybe)]
            .duplicated(["page_id", "post_id"], keep=keep)
            .to_numpy()
        )
    return out


def drop_in_file_duplicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, int, np.ndarray]:
    """One row per (page_id, post_id) within one file: the row with the most interactions.

    Ties (and missing interactions) go to the row listed last. Returns the kept rows, the
    number dropped and the key hashes of the kept rows (see :func:`key_hash`).
    """
    hashes = key_hash(frame)
    maybe = pd.Series(hashes).duplicated(keep=False).to_numpy()
    if not maybe.any():
        return frame, 0, hashes
    rows = np.flatnonzero(maybe)
    part = frame.iloc[rows]
    order = np.lexsort((rows, part["interactions"].fillna(-np.inf).to_numpy()))
    losers = part.iloc[order].duplicated(["page_id", "post_id"], keep="last").to_numpy()
    drop = np.zeros(len(frame), dtype=bool)
    drop[rows[order][losers]] = True
    if not drop.any():
        return frame, 0, hashes
    return frame[~drop], int(drop.sum()), hashes[~drop]


def merge_newest(
    frames: list[pd.DataFrame], hashes: list[np.ndarray]
) -> tuple[pd.DataFrame, np.ndarray, int]:
    """Stack the files' tables keeping, per (page_id, post_id), the row of the newest export.

    Newest = latest ``as_of``; on a tie the file listed later wins.
    """
    if len(frames) == 1:
        return frames[0], hashes[0], 0
    order = np.concatenate([np.full(len(f), i) for i, f in enumerate(frames)])
    both = pd.concat(frames, ignore_index=True)
    h = np.concatenate(hashes)
    as_of = both["as_of"].dt.tz_convert(None).astype("datetime64[ns]").to_numpy().view("int64")
    rank = np.lexsort((order, as_of))
    both, h = both.iloc[rank], h[rank]
    later = _exact_later(both, h, keep="last")
    return both[~later], h[~later], int(later.sum())


def page_names(page_id: pd.Series, page_name: pd.Series) -> pd.Categorical:
    """One name per page: the last name given for its id (rows in export order), else the id.

    Rows come ordered oldest export first, so a renamed page takes its newest name, and a
    page from a classic export (no names) takes a name a Business Suite export of the same
    page gives.
    """
    id_codes, ids = label_codes(page_id)
    name_codes, names = label_codes(page_name)
    given = (name_codes >= 0) & (id_codes >= 0)
    last = pd.Series(name_codes[given]).groupby(id_codes[given]).last()
    labels = np.array([str(i) for i in ids], dtype=object)
    labels[last.index.to_numpy()] = names[last.to_numpy()]
    codes, uniques = pd.factorize(labels)
    by_id = np.append(codes, -1)
    return pd.Categorical.from_codes(by_id[id_codes], categories=pd.Index(uniques, dtype=object))


def merge(tables: list[tuple[pd.DataFrame, np.ndarray]]) -> tuple[pd.DataFrame, int]:
    """One clean table of all files' posts (each with its key hashes) and the rows merged.

    Rows come in a fixed order whatever the order of the files: by time, then by key hash.
    """
    if not tables:
        return schema.empty(), 0
    merged, hashes, n_merged = merge_newest([t[0] for t in tables], [t[1] for t in tables])
    merged = merged.assign(page_name=page_names(merged["page_id"], merged["page_name"]))
    when = merged["published"].dt.tz_convert(None).astype("datetime64[ns]").to_numpy().view("int64")
    by_hash = np.argsort(hashes)
    merged = merged.iloc[by_hash[np.argsort(when[by_hash], kind="stable")]]
    return schema.conform(merged), n_merged
