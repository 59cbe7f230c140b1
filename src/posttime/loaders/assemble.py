"""One export file of posts -> its clean post table, driven by the format's column spec.

Every post format runs the same steps: find the columns (:class:`PostSpec`), read them
(``csvread``), parse figures and times (``values``), drop the rows that cannot be used and
count why, turn export times into UTC, give posts without an id one (``merge``), and lay
out the schema's columns. A format's quirks are small hooks of its spec.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from posttime import schema
from posttime.loaders import csvread, merge, values
from posttime.loaders.detect import Sniffed
from posttime.timezones import ClockChanges, localize_to_utc

DROP_REASONS = ("blank", "bad_timestamp", "missing_metric", "duplicate", "truncated")


@dataclass
class PageLevelData:
    """Daily figures for a whole page (not posts), as found in a page-level export.

    ``table`` is, for the classic page-level export, one row per day (index ``date``) and
    the columns 0..23: fans online in that hour of the day, hours in ``timezone``. For
    Business Suite page-level files it is the daily series: a ``date`` column (a datetime,
    or the text as written when the file gives no year) and one column per figure.
    """

    path: str
    format: str
    metric: str
    table: pd.DataFrame
    timezone: str | None = None


@dataclass
class Loaded:
    """One file, loaded: its clean posts (or page-level table) and what happened on the way."""

    format: str
    rows: int
    posts: pd.DataFrame | None = None  # the clean post table of this file
    page_level: PageLevelData | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    as_of: pd.Timestamp | None = None
    clock_changes: ClockChanges = field(default_factory=ClockChanges)
    key_hashes: np.ndarray | None = None  # see merge.key_hash(), aligned with ``posts``


@dataclass(frozen=True)
class Paid:
    """The columns of one file that tell paid (boosted) posts; a post is paid if any does."""

    statuses: tuple[int, ...] = ()  # funded/boosted statuses (see values.paid_status)
    figures: tuple[int, ...] = ()  # paid figures: above 0 means paid
    flags: tuple[int, ...] = ()  # yes/no cells (see values.truthy)
    source: str | None = None  # for the column mapping; None: the field ``paid`` is listed


@dataclass(frozen=True)
class PageFromPost:
    """Page ids read off the post ids, for exports without a page column."""

    compute: Callable[[pd.Series], pd.Series]  # stripped post ids -> page ids (NaN: none)
    how: str  # appended to the post id column's name in the column mapping


@dataclass(frozen=True)
class PostSpec:
    """How the columns of one post export format become the clean post table.

    ``columns`` maps a field to the column names it may have, tried in order; fields are
    the schema's (``post_id``, ``page_id``, ``page_name``, ``published``, ``type``, the
    metrics, ``title``, ``permalink``), ``paid`` for a yes/no column, or helper fields that
    only feed ``sums`` or ``fallbacks``.
    """

    format: str
    columns: Mapping[str, tuple[str, ...]]
    #: metric -> the fields added up when the file has no column for the metric
    sums: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: text field -> the field whose cell is used where the field's own cell is blank
    fallbacks: Mapping[str, str] = field(default_factory=dict)
    #: blank figure cells mean 0 (a row whose figures are all blank is still dropped)
    blank_is_zero: bool = False
    #: metrics every file of the format has; a note names those missing from a file
    expected: tuple[str, ...] = ()
    #: trim spaces around post ids (formats that never pad them skip the cost)
    trim_ids: bool = True
    #: write bare post ids as PAGEID_POSTID, the form the Graph API and the classic export
    #: use, so that one post read from any source is one post
    qualify_ids: bool = False
    #: hooks for a format's quirks
    paid: Callable[[Sniffed], Paid] | None = None
    page_from_post: PageFromPost | None = None
    dated: Callable[[str, str], pd.Timestamp | None] | None = None  # (file name, zone)

    def locate(self, sn: Sniffed) -> dict[str, int]:
        """Position of each field's column in the file (fields without one left out)."""
        found: dict[str, int] = {}
        for key, names in self.columns.items():
            pos = next((p for p in map(sn.position, names) if p is not None), None)
            if pos is not None:
                found[key] = pos
        return found


_TEXT = ("post_id", "published")
#: free text of each post: read as strings, blank cells missing (NA)
_FREE_TEXT = ("title", "permalink")
_LABELS = ("page_id", "page_name", "type")
_REPORTED = (*schema.COLUMNS, "paid")


def qualify(post_id: pd.Series, page_id: pd.Series) -> pd.Series:
    """Bare post ids (no ``_``) of a known page as ``PAGEID_POSTID``; others as they are.

    >>> qualify(pd.Series(["7", "1_8"]), pd.Series(["1", "1"])).tolist()
    ['1_7', '1_8']
    """
    bare = post_id.notna() & ~post_id.str.contains("_", regex=False, na=True)
    bare &= page_id.astype(str).ne(schema.UNNAMED_PAGE).to_numpy()
    if not bare.any():
        return post_id
    out = post_id.copy()
    out[bare] = page_id[bare].astype(str) + "_" + post_id[bare]
    return out


def count_drops(
    raw: pd.DataFrame, naive: pd.Series, metrics: pd.DataFrame
) -> tuple[pd.Series, dict]:
    """Mark rows to keep and count the others by reason (blank, bad_timestamp, missing_metric)."""
    no_time = naive.isna()
    blank = pd.Series(False, index=raw.index)
    if no_time.any():
        blank[no_time] = raw[no_time.to_numpy()].isna().all(axis=1)
    bad_time = ~blank & no_time
    no_metric = ~blank & ~bad_time & metrics.isna().all(axis=1)
    keep = ~(blank | bad_time | no_metric)
    dropped = {
        "blank": int(blank.sum()),
        "bad_timestamp": int(bad_time.sum()),
        "missing_metric": int(no_metric.sum()),
    }
    return keep, dropped


def localize(
    naive: pd.Series, zone: str, aware: np.ndarray | None = None
) -> tuple[pd.Series, ClockChanges]:
    """Naive export times in ``zone`` -> UTC, counting clock-change cases.

    Cells flagged in ``aware`` carried a UTC offset in the file and are UTC already.
    """
    if len(naive) == 0:
        return pd.Series(pd.DatetimeIndex([], tz="UTC"), index=naive.index), ClockChanges()
    if aware is None or not aware.any():
        return localize_to_utc(naive, zone)
    wall = naive[~aware]
    utc, changes = (
        localize_to_utc(wall, zone) if len(wall) else (wall.dt.tz_localize("UTC"), ClockChanges())
    )
    out = naive.dt.tz_localize("UTC")
    out[~aware] = utc
    return out, changes


def finish(
    sn: Sniffed,
    *,
    post_id: pd.Series,
    page_id: pd.Series,
    page_name: pd.Series | pd.Categorical,
    published: pd.Series,
    types,
    metrics: dict[str, pd.Series],
    paid: pd.Series,
    as_of: pd.Timestamp | None,
    texts: dict[str, pd.Series],
) -> pd.DataFrame:
    """Assemble the post table of one file: schema columns in order (conformed on merge)."""
    n = len(published)

    def array(x):
        return x.array if isinstance(x, pd.Series) else x

    cols: dict[str, object] = {
        "post_id": array(post_id),
        "page_id": array(page_id),
        "page_name": array(page_name),
        "published": published.array,
        "type": types,
    }
    nan = np.full(n, np.nan)
    for name in schema.METRIC_COLUMNS:
        cols[name] = array(metrics[name]) if name in metrics else nan
    cols["paid"] = np.asarray(paid, dtype=bool)
    cols["source"] = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8),
                                               categories=pd.Index([str(sn.path)]))
    cols["as_of"] = pd.DatetimeIndex(np.full(n, np.datetime64("NaT", "ns")), tz="UTC")
    if as_of is not None:
        cols["as_of"] = pd.DatetimeIndex(
            np.full(n, pd.Timestamp(as_of).tz_convert(None).to_datetime64()), tz="UTC"
        )
    for name in _FREE_TEXT:
        cols[name] = array(texts[name]) if name in texts else pd.array([pd.NA] * n,
                                                                        dtype="string")
    return pd.DataFrame(cols)


def _metrics(
    spec: PostSpec, sn: Sniffed, f: pd.DataFrame, found: dict[str, int], mapping: dict[str, str]
) -> dict[str, pd.Series]:
    """The metric columns as numbers, with the spec's sums for metrics the file lacks."""
    metrics = {k: values.to_number(f[found[k]]) for k in schema.METRIC_COLUMNS if k in found}
    for metric, parts in spec.sums.items():
        present = [k for k in parts if k in found]
        if metric not in metrics and present:
            numbers = {k: metrics[k] if k in metrics else values.to_number(f[found[k]])
                       for k in present}  # fmt: skip
            metrics[metric] = values.sum_present(pd.DataFrame(numbers))
            mapping[metric] = " + ".join(sn.header[found[k]] for k in present)
    return metrics


def _paid_flags(f: pd.DataFrame, paid: Paid) -> pd.Series:
    """True for the rows any of the paid columns marks as paid."""
    is_paid = pd.Series(False, index=f.index)
    for p in paid.statuses:
        is_paid |= values.paid_status(f[p])
    for p in paid.figures:
        is_paid |= values.to_number(f[p]).fillna(0) > 0
    for p in paid.flags:
        is_paid |= values.truthy(f[p])
    return is_paid


def load_posts(
    sn: Sniffed, spec: PostSpec, export_tz: str, found: dict[str, int] | None = None
) -> Loaded:
    """Read one post export with ``spec``; ``found`` overrides :meth:`PostSpec.locate`.

    Posts listed twice in the file are dropped once the raw columns are freed.
    """
    loaded = _read_posts(sn, spec, export_tz, spec.locate(sn) if found is None else found)
    if loaded.posts is not None:
        loaded.posts, loaded.dropped["duplicate"], loaded.key_hashes = (
            merge.drop_in_file_duplicates(loaded.posts)
        )
    return loaded


def _read_posts(sn: Sniffed, spec: PostSpec, export_tz: str, found: dict[str, int]) -> Loaded:
    paid = spec.paid(sn) if spec.paid else Paid(flags=(found["paid"],) if "paid" in found else ())
    free = [*_FREE_TEXT, *spec.fallbacks.values()]
    text = {found[k] for k in (*_TEXT, *free) if k in found} | set(paid.flags)
    labels = {found[k] for k in _LABELS if k in found} | set(paid.statuses)
    positions = [*found.values(), *paid.statuses, *paid.figures, *paid.flags]
    raw = csvread.read_raw(sn, positions, text, labels)
    f = raw.frame
    mapping = {k: sn.header[p] for k, p in found.items() if k in _REPORTED}
    by_post = spec.page_from_post if "post_id" in found else None
    if by_post:
        mapping["page_id"] = sn.header[found["post_id"]] + by_post.how

    naive, _, aware = values.parse_times(f[found["published"]])
    metrics = _metrics(spec, sn, f, found, mapping)
    keep, dropped = count_drops(f, naive, pd.DataFrame(metrics, index=f.index))
    if spec.blank_is_zero:
        metrics = {k: v.fillna(0.0) for k, v in metrics.items()}
    notes = list(raw.notes)
    missing = [spec.columns[k][0] for k in spec.expected if k not in found]
    if missing:
        notes.append(
            "no column " + ", ".join(repr(m) for m in missing) + ": those figures are missing"
        )
    is_paid = _paid_flags(f, paid)
    if paid.source:
        mapping["paid"] = paid.source

    idx = keep.to_numpy()
    kept = f.index[idx]
    post_id = f[found["post_id"]][idx] if "post_id" in found else None
    if post_id is not None and spec.trim_ids:
        post_id = post_id.str.strip()
    if by_post and post_id is not None:
        page_id = by_post.compute(post_id).fillna(schema.UNNAMED_PAGE)
    else:
        page_col = found.get("page_id", found.get("page_name"))
        given = values.strip_labels(f[page_col][idx]) if page_col is not None else None
        page_id = values.fill_label(given, schema.UNNAMED_PAGE, kept)
    page_name = (
        values.strip_labels(f[found["page_name"]][idx])
        if "page_name" in found
        else pd.Series(pd.NA, index=kept, dtype="string")
    )
    if post_id is not None and spec.qualify_ids:
        post_id = qualify(post_id, page_id)
    published, changes = localize(naive[idx], export_tz, aware[idx])
    kept_metrics = {k: v[idx] for k, v in metrics.items()}
    if post_id is None:
        mapping["post_id"] = "(made from time and figures)"
    post_id = merge.fill_ids(post_id, published, page_id, kept_metrics)
    as_of = spec.dated(sn.path.name, export_tz) if spec.dated else None
    if as_of is None and len(published):
        as_of = published.max()
    types = f[found["type"]][idx] if "type" in found else pd.Series(np.nan, index=kept)
    texts = {k: f[found[k]][idx] for k in _FREE_TEXT if k in found}
    for k, other in spec.fallbacks.items():
        if other in found:
            own, spare = texts.get(k), f[found[other]][idx]
            if own is None:
                texts[k], mapping[k] = spare, sn.header[found[other]]
                continue
            if own.isna().any():
                texts[k] = own.fillna(spare)
            mapping[k] = f"{mapping[k]}, else {sn.header[found[other]]}"
    frame = finish(
        sn,
        post_id=post_id,
        page_id=page_id,
        page_name=page_name,
        published=published,
        types=values.map_types(types),
        metrics=kept_metrics,
        paid=is_paid[idx],
        as_of=as_of,
        texts=texts,
    )
    dropped["truncated"] = raw.truncated
    return Loaded(
        format=spec.format,
        rows=raw.rows,
        posts=frame,
        mapping=mapping,
        dropped=dropped,
        notes=notes,
        as_of=as_of,
        clock_changes=changes,
    )
