"""Reading an export's columns with pandas, repairing a cut-off last row on the way.

``detect.py`` has sniffed the encoding, delimiter and header rows; :func:`read_raw` reads the
columns a format needs from every data row. A file whose last record is cut off (the end of
a quoted field or too few fields) loads its complete rows, with the cut row counted as
``truncated``. A UTF-8 file with a stray non-UTF-8 byte is read as Windows-1252.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from posttime.errors import InputError
from posttime.loaders.detect import Sniffed, field_limit


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


def _ascii_compatible_bytes(sn: Sniffed) -> tuple[bytes, str, bool]:
    """The whole file as bytes in which '"' and newline are single bytes.

    Also says whether the file ends inside a multi-byte character (those bytes are left
    out): then its last record is cut off.
    """
    data = sn.path.read_bytes()
    decoder = codecs.getincrementaldecoder(sn.encoding)()
    if sn.encoding.startswith("utf-16"):
        text = decoder.decode(data)
        return text.encode("utf-8"), "utf-8", bool(decoder.getstate()[0])
    if sn.encoding.startswith("utf-8"):
        # the last character's lead byte is among the last four bytes
        lead = max(len(data) - 4, 0)
        while lead < len(data) - 1 and data[lead] & 0xC0 == 0x80:
            lead += 1
        try:
            decoder.decode(data[lead:])
        except UnicodeDecodeError:
            return data, sn.encoding, False
        partial = len(decoder.getstate()[0])
        if partial:
            return data[:-partial], sn.encoding, True
    return data, sn.encoding, False


def _truncation_cut(sn: Sniffed, data: bytes, enc: str, cut_char: bool = False) -> int | None:
    """Byte offset where a cut-off last record starts, or None if the last record is whole.

    A record is cut off when the file ends inside a quoted field or inside a character
    (``cut_char``), or when the last record (with no line end after it) has fewer fields
    than the header.
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    quotes = np.flatnonzero(arr == ord('"'))
    newlines = np.flatnonzero(arr == ord("\n"))
    outside = newlines[np.searchsorted(quotes, newlines) % 2 == 0]
    inside_at_end = len(quotes) % 2 == 1
    trimmed = outside[outside < len(data) - 1] if not inside_at_end else outside
    start = int(trimmed[-1]) + 1 if len(trimmed) else 0
    if not inside_at_end and not cut_char:
        last = data[start:].decode(enc, errors="replace").strip("\r\n\ufeff")
        if not last:
            return None
        with field_limit(len(last) + 1):
            fields = next(csv.reader(io.StringIO(last, newline=""), delimiter=sn.delimiter), [])
        if len(fields) >= len(sn.header):
            return None
    if np.count_nonzero(outside < start) < sn.skip:
        raise InputError(f"{sn.path} is cut off inside its header rows; export it again")
    return start


def read_raw(
    sn: Sniffed, positions: list[int], text: set[int],
    labels: frozenset[int] | set[int] = frozenset(),
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
        data, enc, cut_char = _ascii_compatible_bytes(sn)
        cut = _truncation_cut(sn, data, enc, cut_char)
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
