"""Reading an export's columns with pandas, repairing a cut-off last row on the way.

``detect.py`` has sniffed the encoding, delimiter and header rows; :func:`read_raw` reads the
columns a format needs from every data row. A file whose last record is cut off (the end of
a quoted field or too few fields) loads its complete rows, with the cut row counted as
``truncated``. A UTF-8 file with a stray non-UTF-8 byte is read as Windows-1252.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from posttime.errors import InputError
from posttime.loaders.detect import Sniffed


@dataclass
class RawTable:
    """Columns of one file as read, before they become the clean post table."""

    frame: pd.DataFrame  # columns named by their positions in the header
    rows: int  # data rows in the file, including a cut-off last row
    truncated: int = 0
    notes: list[str] = field(default_factory=list)


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
    return RawTable(frame=frame, rows=len(frame) + truncated, truncated=truncated, notes=notes)
