"""Cell values of an export -> typed columns: numbers, times, labels, post types, flags.

Everything here works on whole columns (vectorised pandas/numpy); loops run over formats or
distinct values, never over rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from posttime import schema

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

#: Times outside this range (pandas' nanosecond range, in whole days) are bad timestamps.
TIME_RANGE = (np.datetime64("1677-09-22"), np.datetime64("2262-04-11"))

_NUMBER_JUNK = r"[\s\u00a0\u202f'\u2019]"
_NOT_PAID = {"", "n/a", "na", "-", "--", "not funded", "not boosted", "none", "organic", "no"}


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
    values = col.astype(object).where(col.notna(), None).to_numpy()
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

    Only the years 1900-2261 are read here (so that nanoseconds cannot overflow); others
    are left NaT for pandas and ``TIME_RANGE``.

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
    ok &= (month >= 1) & (month <= 12) & (year >= 1900) & (year < 2262)
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
    """``s`` read with ``fmt``; cells that do not fit, or fall outside ``TIME_RANGE``, NaT.

    Cells with a UTC offset are converted to UTC (each by its own offset) and made naive,
    so the column stays uniform.
    """
    parsed = pd.to_datetime(s, format=fmt, errors="coerce", utc="%z" in fmt)
    if isinstance(parsed.dtype, pd.DatetimeTZDtype):
        parsed = parsed.dt.tz_convert("UTC").dt.tz_localize(None)
    times = parsed.to_numpy()
    inside = (times >= TIME_RANGE[0]) & (times < TIME_RANGE[1])
    return pd.Series(np.where(inside, times, np.datetime64("NaT")), index=s.index).astype(
        "datetime64[ns]"
    )


def label_codes(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 for missing) and the distinct values of a column."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy(), col.cat.categories.to_numpy(dtype=object)
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    return codes, np.asarray(uniques, dtype=object)


def strip_labels(col: pd.Series) -> pd.Categorical:
    """Trimmed text of a column with few distinct values (page ids and names)."""
    codes, uniques = label_codes(col)
    trimmed = [" ".join(str(u).split()) for u in uniques]
    new_codes, new_uniques = pd.factorize(np.array(trimmed, dtype=object))
    remap = np.append(new_codes, -1)  # code -1 (missing) stays missing
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index(new_uniques, dtype=object))


def fill_label(labels, value: str, index: pd.Index) -> pd.Series:
    """A categorical label column with missing entries (or no column at all) set to ``value``."""
    if labels is None:
        return pd.Series(
            pd.Categorical.from_codes(np.zeros(len(index), dtype=np.int8),
                                      categories=pd.Index([value])),
            index=index,
        )
    labels = pd.Series(labels, index=index)
    if labels.isna().any():
        if value not in labels.cat.categories:
            labels = labels.cat.add_categories([value])
        labels = labels.fillna(value)
    return labels


def map_types(col: pd.Series) -> pd.Categorical:
    """Post types of the export -> the schema's categories (unknown -> ``other``)."""
    codes, uniques = label_codes(col)
    names = [schema.TYPE_NAMES.get(" ".join(str(u).split()).casefold(), "other") for u in uniques]
    index = np.array([schema.POST_TYPES.index(n) for n in names + ["other"]], dtype=np.int8)
    return pd.Categorical.from_codes(index[codes], categories=pd.Index(schema.POST_TYPES))


def paid_status(col: pd.Series) -> np.ndarray:
    """A funded/boosted status column: any value but a 'not paid' word means paid."""
    codes, values = label_codes(col)
    funded = [str(v).strip().casefold() not in _NOT_PAID for v in values] + [False]
    return np.array(funded)[codes]


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
