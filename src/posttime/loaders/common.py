"""Shared reading machinery: the raw CSV read, numbers, times, post types and drop counts.

Everything here works on whole columns (vectorised pandas/numpy); loops run over files or
columns, never over rows.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from posttime import schema
from posttime.errors import InputError
from posttime.loaders.detect import Sniffed
from posttime.schema import TYPE_NAMES
from posttime.timezones import ClockChanges, localize_to_utc

DROP_REASONS = ("blank", "bad_timestamp", "missing_metric", "duplicate", "truncated")

#: Time formats tried in order; the first that reads the whole sample wins. Month-first
#: before day-first: Facebook writes US dates, and spreadsheets keep that order.
TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%m/%d/%y %H:%M",
    "%m/%d/%y %I:%M %p",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
)

_NUMBER_JUNK = r"[\s\u00a0\u202f'\u2019]"


@dataclass
class RawTable:
    """Columns of one file as read, before they become the clean post table."""

    frame: pd.DataFrame  # columns named by their header names
    rows: int  # data rows in the file, including a cut-off last row
    truncated: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass
class Loaded:
    """One file, loaded: its clean posts (or page-level table) and what happened on the way."""

    format: str
    rows: int
    posts: pd.DataFrame | None = None  # the clean post table of this file
    page_level: object | None = None  # PageLevelData for page-level files
    mapping: dict[str, str] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    as_of: pd.Timestamp | None = None
    clock_changes: ClockChanges = field(default_factory=ClockChanges)
    key_hashes: np.ndarray | None = None  # see key_hash(), aligned with ``posts``


UNNAMED_PAGE = "unnamed page"


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


def _bad_csv(sn: Sniffed, exc: Exception) -> InputError:
    msg = " ".join(str(exc).split())
    msg = msg.replace("Error tokenizing data. C error: ", "")
    return InputError(f"{sn.path} is not a well-formed CSV file ({msg}); export it again")


def _ascii_compatible_bytes(sn: Sniffed) -> tuple[bytes, str]:
    """The whole file as bytes in which '"' and newline are single bytes."""
    data = sn.path.read_bytes()
    if sn.encoding.startswith("utf-16"):
        return data.decode(sn.encoding).encode("utf-8"), "utf-8"
    return data, sn.encoding


def _truncation_cut(sn: Sniffed, data: bytes, enc: str) -> int | None:
    """Byte offset where a cut-off last record starts, or None if the last record is whole.

    A record is cut off when the file ends inside a quoted field, or when the last record
    (with no line end after it) has fewer fields than the header.
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(arr == ord('"'))
    newlines = np.flatnonzero(arr == ord("\n"))
    outside = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    inside_at_end = len(quotes) % 2 == 1
    trimmed = outside[outside < len(data) - 1] if not inside_at_end else outside
    start = int(trimmed[-1]) + 1 if len(trimmed) else 0
    if not inside_at_end:
        last = data[start:].decode(enc, errors="replace").strip("\r\n\ufeff")
        if not last:
            return None
        fields = next(csv.reader(io.StringIO(last, newline=""), delimiter=sn.delimiter), [])
        if len(fields) >= len(sn.header):
            return None
    if np.count_nonzero(outside < start) < sn.skip:
        raise InputError(f"{sn.path} is cut off inside its header rows; export it again")
    return start


def read_raw(
    sn: Sniffed, positions: list[int], text: set[int], labels: set[int] = frozenset()
) -> RawTable:
    """Read the columns at ``positions`` of every data row.

    Columns in ``text`` are read as strings, those in ``labels`` (few distinct values:
    page ids and names, post types) as categoricals. Other columns are parsed as numbers by the C
    parser in comma-separated files; in semicolon- and tab-separated files (spreadsheet
    saves, which may write ``1.234`` for a thousand) they are read as strings and left to
    :func:`to_number`.
    """
    positions = sorted(set(positions))
    fast_numbers = sn.delimiter == ","
    dtype = {p: "str" for p in positions if p in text or not fast_numbers}
    dtype.update({p: "category" for p in positions if p in labels})
    kwargs = dict(
        sep=sn.delimiter,
        header=None,
        skiprows=sn.skip,
        usecols=positions,
        dtype=dtype,
        keep_default_na=False,
        na_values=[""],
        engine="c",
        skip_blank_lines=True,
    )
    notes: list[str] = []
    truncated = 0

    def read(source, encoding):
        return pd.read_csv(source, encoding=encoding, **kwargs)

    def read_cut():
        nonlocal truncated
        data, enc = _ascii_compatible_bytes(sn)
        cut = _truncation_cut(sn, data, enc)
        if cut is None:
            return read(io.BytesIO(data), enc)
        truncated = 1
        notes.append("the last row is cut off (was the file truncated?); it was left out")
        return read(io.BytesIO(data[:cut]), enc)

    try:
        try:
            frame = read_cut() if not sn.ends_with_newline else read(sn.path, sn.encoding)
        except pd.errors.ParserError as exc:
            if "EOF inside string" not in str(exc) or truncated:
                raise
            frame = read_cut()
        except UnicodeDecodeError:
            if sn.encoding != "utf-8":
                raise
            sn.encoding = "cp1252"
            notes.append("not valid UTF-8; read as Windows-1252")
            frame = read_cut() if not sn.ends_with_newline else read(sn.path, sn.encoding)
    except pd.errors.EmptyDataError:
        frame = pd.DataFrame({p: pd.Series(dtype="str") for p in positions})
    except pd.errors.ParserError as exc:
        raise _bad_csv(sn, exc) from None
    except UnicodeDecodeError:
        raise InputError(
            f"{sn.path} is not valid {sn.encoding} text; save it again as 'CSV UTF-8'"
        ) from None
    except ValueError as exc:  # e.g. usecols beyond the columns pandas found
        raise _bad_csv(sn, exc) from None
    frame.columns = [sn.header[p] for p in frame.columns]
    return RawTable(frame=frame, rows=len(frame) + truncated, truncated=truncated, notes=notes)


def to_number(col: pd.Series) -> pd.Series:
    """Counts as float64; text cells with thousands separators are read as whole numbers.

    Counts in an export are whole numbers, so a separator followed by groups of exactly
    three digits (``1,234``, ``1.234``, ``1.234.567``) groups thousands in any file, while
    other separators mark decimals (``12,5`` or ``12.5``). With both marks (``1.234,5``)
    the last one is the decimal mark. Spaces and apostrophes inside numbers are ignored.
    Cells that are not numbers (``N/A``, ``-``, ``undefined``) become NaN.
    """
    if pd.api.types.is_bool_dtype(col):
        return col.astype("float64")
    if pd.api.types.is_numeric_dtype(col):
        return col.astype("float64")
    s = col.astype("str").str.replace(_NUMBER_JUNK, "", regex=True)
    has_dot = s.str.contains(".", regex=False)
    has_comma = s.str.contains(",", regex=False)
    both = has_dot & has_comma
    if both.any():
        comma_last = s.str.rfind(",") > s.str.rfind(".")
        eu = both & comma_last
        us = both & ~comma_last
        s = s.mask(eu, s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
        s = s.mask(us, s.str.replace(",", "", regex=False))
    one = has_dot ^ has_comma
    if one.any():
        grouped = one & s.str.fullmatch(r"[-+]?\d{1,3}([.,]\d{3})+")
        s = s.mask(grouped, s.str.replace(r"[.,]", "", regex=True))
        s = s.mask(one & ~grouped, s.str.replace(",", ".", regex=False))
    return pd.to_numeric(s, errors="coerce").astype("float64")


def parse_times(col: pd.Series) -> tuple[pd.Series, list[str], np.ndarray]:
    """Naive datetimes from export time strings; cells that fit no format become NaT.

    Returns the times, the formats used and a mask of cells that carried their own UTC
    offset (those are already UTC; all others are wall-clock times of the export zone).

    Formats are ranked on a sample (most of the sample read first; ties keep the order of
    ``TIME_FORMATS``), the best is applied to the whole column, and further formats are
    tried only on the cells still unread, first as written, then with spaces trimmed.
    """
    values = col.to_numpy(dtype=object, na_value=None)
    out = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    todo = pd.notna(values) & (values != "")
    present = values[todo]
    spread = present[np.linspace(0, len(present) - 1, min(len(present), 400)).astype(int)]
    sample = pd.Series(spread, dtype=object).astype("str").str.strip().drop_duplicates()
    scores: dict[str, int] = {}
    for f in TIME_FORMATS:
        scores[f] = int(_to_datetime(sample, f).notna().sum())
        if scores[f] == len(sample):  # reads the whole sample: no need to rank the rest
            break
    order = sorted(TIME_FORMATS, key=lambda f: -scores.get(f, 0))
    used: list[str] = []
    aware = np.zeros(len(values), dtype=bool)
    for stripped in (False, True):
        if stripped and todo.any():
            values = values.copy()
            idx = np.flatnonzero(todo)
            values[idx] = (
                pd.Series(values[idx], dtype=object)
                .astype("str")
                .str.strip()
                .to_numpy(dtype=object)
            )
        for fmt in order:
            idx = np.flatnonzero(todo)
            if not len(idx):
                break
            if any(_clash(fmt, u) for u in used):
                continue
            chunk = values[idx]
            parsed = _fixed_width(chunk, fmt)
            if parsed is None:
                parsed = _to_datetime(pd.Series(chunk, dtype=object), fmt).to_numpy()
            else:
                rest = np.isnat(parsed)
                if rest.any():  # e.g. "10/1/2015 21:00": not zero-padded
                    parsed[rest] = _to_datetime(
                        pd.Series(chunk[rest], dtype=object), fmt
                    ).to_numpy()
            ok = ~np.isnat(parsed)
            if ok.any():
                out[idx[ok]] = parsed[ok]
                todo[idx[ok]] = False
                if "%z" in fmt:
                    aware[idx[ok]] = True
                if fmt not in used:
                    used.append(fmt)
    return pd.Series(out, index=col.index), used, aware


def _clash(a: str, b: str) -> bool:
    """True if formats ``a`` and ``b`` read day and month the other way round.

    One file holds one date style: once ``%m/%d`` has read cells, ``%d/%m`` may not read
    the rest (that would mix two readings of ``01/02``), and the other way round.
    """

    def order(f):
        i, j = f.find("%m"), f.find("%d")
        return None if i < 0 or j < 0 else (i < j, f[min(i, j) + 2])

    oa, ob = order(a), order(b)
    return oa is not None and ob is not None and oa[1] == ob[1] and oa[0] != ob[0]


# Fixed-width layouts read with numpy (fast path for big files); letters are digit fields,
# "p" the AM/PM marker, anything else a literal character.
_LAYOUTS = {
    "%m/%d/%Y %H:%M": "MM/DD/YYYY hh:mm",
    "%m/%d/%Y %H:%M:%S": "MM/DD/YYYY hh:mm:ss",
    "%m/%d/%Y %I:%M:%S %p": "MM/DD/YYYY II:mm:ss pp",
    "%Y-%m-%d %H:%M": "YYYY-MM-DD hh:mm",
    "%Y-%m-%d %H:%M:%S": "YYYY-MM-DD hh:mm:ss",
    "%Y-%m-%dT%H:%M:%S": "YYYY-MM-DDThh:mm:ss",
}


def _fixed_width(values: np.ndarray, fmt: str) -> np.ndarray | None:
    """Parse zero-padded fixed-width times without a Python loop; NaT where they do not fit.

    Returns None when ``fmt`` has no fixed-width layout (the caller uses pandas then).
    """
    layout = _LAYOUTS.get(fmt)
    if layout is None or len(values) < 1000:
        return None
    width = len(layout)
    try:
        text = values.astype(f"U{width + 1}")
    except (TypeError, ValueError):
        return None
    codes = text.view(np.uint32).reshape(len(values), width + 1)
    ok = codes[:, width] == 0  # nothing after the layout's width

    def field(letter):
        value = np.zeros(len(values), dtype=np.int64)
        for i in (i for i, ch in enumerate(layout) if ch == letter):
            digit = codes[:, i].astype(np.int64) - 48
            ok[:] &= (digit >= 0) & (digit <= 9)
            value = value * 10 + digit
        return value

    for i, ch in enumerate(layout):
        if not ch.isalpha() or (ch == "T" and layout[i - 1] == "D"):
            ok &= codes[:, i] == ord(ch)
    year, month, day = field("Y"), field("M"), field("D")
    minute, second = field("m"), field("s")
    if "I" in layout:
        hour12 = field("I")
        i = layout.index("p")
        marker = codes[:, i] | np.uint32(32)  # lower case
        am_pm = (marker == ord("a")) | (marker == ord("p"))
        ok &= am_pm & ((codes[:, i + 1] | np.uint32(32)) == ord("m"))
        ok &= (hour12 >= 1) & (hour12 <= 12)
        hour = hour12 % 12 + np.where(marker == ord("p"), 12, 0)
    else:
        hour = field("h")
    ok &= (month >= 1) & (month <= 12) & (year >= 1900)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = _MONTH_DAYS[np.clip(month, 1, 12) - 1] + ((month == 2) & leap)
    ok &= (day >= 1) & (day <= month_days)
    # days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil)
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    seconds = days * 86400 + hour * 3600 + minute * 60 + second
    ns = np.where(ok, seconds * 1_000_000_000, np.iinfo(np.int64).min)  # min int64 is NaT
    return ns.view("datetime64[ns]")


_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _to_datetime(s: pd.Series, fmt: str) -> pd.Series:
    parsed = pd.to_datetime(s, format=fmt, errors="coerce")
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        # an explicit offset in the text: convert to naive UTC so the column stays uniform
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    return parsed.astype("datetime64[ns]")


def _codes(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for missing) and the distinct values of a column."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy(), col.cat.categories.to_numpy(dtype=object)
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def strip_labels(col: pd.Series) -> pd.Categorical:
    """Trimmed text of a column with few distinct values (page ids and names)."""
    codes, uniques = _codes(col)
    trimmed = [" ".join(str(u).split()) for u in uniques]
    new_codes, new_uniques = pd.factorize(np.array(trimmed, dtype=object))
    remap = np.append(new_codes, -1)  # code -1 (missing) stays missing
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index(new_uniques, dtype=object))


def page_names(page_id: pd.Series, page_name: pd.Series) -> pd.Categorical:
    """One name per page: the last name given for its id (rows in export order), else the id.

    Rows come ordered oldest export first, so a renamed page takes its newest name, and a
    page from a classic export (no names) takes a name a Business Suite export of the same
    page gives.
    """
    id_codes, ids = _codes(page_id)
    name_codes, names = _codes(page_name)
    given = (name_codes >= 0) & (id_codes >= 0)
    last = pd.Series(name_codes[given]).groupby(id_codes[given]).last()
    labels = np.array([str(i) for i in ids], dtype=object)
    labels[last.index.to_numpy()] = names[last.to_numpy()]
    codes, uniques = pd.factorize(labels)
    label_codes = np.append(codes, -1)
    return pd.Categorical.from_codes(
        label_codes[id_codes], categories=pd.Index(uniques, dtype=object)
    )


def fill_label(labels, value: str, index: pd.Index) -> pd.Series:
    """A categorical label column with missing entries (or no column at all) set to ``value``."""
    if labels is None:
        return pd.Series(
            pd.Categorical.from_codes(np.zeros(len(index), dtype=np.int8), [value]), index=index
        )
    labels = pd.Series(labels, index=index)
    if labels.isna().any():
        if value not in labels.cat.categories:
            labels = labels.cat.add_categories([value])
        labels = labels.fillna(value)
    return labels


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


def map_types(col: pd.Series) -> pd.Categorical:
    """Post types of the export -> the schema's categories (unknown -> ``other``)."""
    codes, uniques = _codes(col)
    names = [TYPE_NAMES.get(" ".join(str(u).split()).casefold(), "other") for u in uniques]
    index = np.array([schema.POST_TYPES.index(n) for n in names + ["other"]], dtype=np.int8)
    return pd.Categorical.from_codes(index[codes], categories=schema.POST_TYPES)


def truthy(col: pd.Series) -> pd.Series:
    """A yes/no column of a mapped file: 1/true/yes/paid/boosted -> True."""
    if pd.api.types.is_numeric_dtype(col):
        return col.fillna(0).astype("float64") > 0
    s = col.astype("str").str.strip().str.casefold()
    num = pd.to_numeric(s, errors="coerce")
    words = s.isin(["true", "yes", "y", "paid", "boosted", "funded", "ja", "oui", "sí", "si"])
    return (words | (num > 0)).fillna(False).astype(bool)


def sum_present(frame: pd.DataFrame) -> pd.Series:
    """Row sums treating missing cells as 0, NaN only where every part is missing."""
    return frame.sum(axis=1, min_count=1).astype("float64")


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
    page_name: pd.Series,
    published: pd.Series,
    types,
    metrics: dict[str, pd.Series],
    paid: pd.Series,
    as_of: pd.Timestamp | None,
) -> pd.DataFrame:
    """Assemble the post table of one file: schema columns in order (conformed on merge)."""
    n = len(published)

    def values(x):
        return x.array if isinstance(x, pd.Series) else x

    cols: dict[str, object] = {
        "post_id": values(post_id),
        "page_id": values(page_id),
        "page_name": values(page_name),
        "published": published.array,
        "type": types,
    }
    nan = np.full(n, np.nan)
    for name in schema.METRIC_COLUMNS:
        cols[name] = values(metrics[name]) if name in metrics else nan
    cols["paid"] = np.asarray(paid, dtype=bool)
    cols["source"] = pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), [str(sn.path)])
    cols["as_of"] = pd.DatetimeIndex(np.full(n, np.datetime64("NaT", "ns")), tz="UTC")
    if as_of is not None:
        cols["as_of"] = pd.DatetimeIndex(
            np.full(n, pd.Timestamp(as_of).tz_convert(None).to_datetime64()), tz="UTC"
        )
    return pd.DataFrame(cols)


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
