"""Sniff an export file: encoding, delimiter, header rows and which export format it is.

Only the beginning of the file is read here (enough for the header and a few rows); the
format modules then read the whole file with pandas.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from posttime.errors import InputError

LEGACY_POSTS = "legacy-posts"
BUSINESS_SUITE_POSTS = "business-suite-posts"
LEGACY_PAGE_LEVEL = "legacy-page-level"
BUSINESS_SUITE_PAGE_LEVEL = "business-suite-page-level"
MAPPED = "mapped"

PAGE_LEVEL_FORMATS = (LEGACY_PAGE_LEVEL, BUSINESS_SUITE_PAGE_LEVEL)

_CHUNK = 1 << 16
_MAX_SNIFF = 1 << 23  # the classic page-level export has ~300 kB of header rows
_SAMPLE_RECORDS = 25
_DELIMITERS = (",", ";", "\t")

#: Column names that can hold the publish time of a post in a CSV from another tool.
TIME_SYNONYMS = (
    "publish time",
    "published",
    "posted",
    "created_time",
    "created time",
    "created",
    "post time",
    "time",
    "timestamp",
    "datetime",
    "date",
)

_DESCRIPTION_CELL = re.compile(
    r"^(Lifetime|Daily|Weekly|28 Days|Monthly)\b.*:|\((Unique Users|Total Count)\)"
)
_DAY_ONLY = re.compile(
    r"^\s*(\d{4}-\d{2}-\d{2}(T00:00(:00)?)?"  # 2025-09-20, 2025-09-20T00:00:00
    r"|[A-Za-z]+ \d{1,2}(, \d{4})?"  # August 19, August 19, 2025
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4})\s*$"  # 09/20/2025, 20.09.2025
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_POST_ID_NAMES = {"post id", "post_id", "id", "permalink", "link", "url", "post url"}


def norm(name: str) -> str:
    """A column name reduced for matching: no BOM, single spaces, case-folded."""
    return " ".join(str(name).replace("\ufeff", "").split()).casefold()


@dataclass
class Sniffed:
    """What the first part of a file says about the whole file."""

    path: Path
    encoding: str  # codec name for reading the file
    delimiter: str
    header: list[str]  # column names as written (stripped)
    skip: int  # records before the first data row (sep= line, title, header, description)
    records: list[list[str]] = field(default_factory=list)  # first complete data records
    format: str | None = None
    title: str | None = None  # the metric-name line of Business Suite page-level files
    ends_with_newline: bool = True
    size: int = 0

    def position(self, name: str) -> int | None:
        """Index of the first column whose name matches ``name`` (exactly, then loosely)."""
        try:
            return self.header.index(name)
        except ValueError:
            pass
        key = norm(name)
        for i, col in enumerate(self.header):
            if norm(col) == key:
                return i
        return None

    def columns_text(self, limit: int = 12) -> str:
        names = [c for c in self.header if c]
        shown = ", ".join(repr(c) for c in names[:limit])
        if len(names) > limit:
            shown += f", ... ({len(names)} columns)"
        return shown or "none"


@contextmanager
def field_limit(size: int) -> Iterator[None]:
    """Let the ``csv`` module read fields of up to ``size`` characters (128 KiB by default)."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, size))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _encoding_from_bom(head: bytes) -> tuple[str | None, int]:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", 3
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16", 2
    return None, 0


def _describe_binary(head: bytes) -> str:
    if head.startswith(b"PK\x03\x04"):
        return (
            "is an Excel workbook or another zip archive, not a CSV file; open it and save "
            "the first sheet as CSV (or export CSV from Facebook)"
        )
    if head.startswith(b"\x89PNG") or head[:3] == b"\xff\xd8\xff" or head[:4] == b"GIF8":
        return "is an image, not a CSV file; give the .csv export from Facebook"
    if head.startswith(b"%PDF"):
        return "is a PDF, not a CSV file; give the .csv export from Facebook"
    return "is not a text (CSV) file; give the .csv export from Facebook"


def sniff_encoding(path: Path, head: bytes) -> str:
    """The codec of the file: by byte-order mark, else UTF-8, else Windows-1252."""
    enc, _ = _encoding_from_bom(head)
    if enc:
        return enc
    if b"\x00" in head:
        # UTF-16 without a byte-order mark: mostly-ASCII text has every other byte zero.
        # (a few zero bytes on the other side come from characters such as U+0100 or emoji)
        half = max(len(head) // 2, 1)
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > 0.3 * half and even < 0.05 * odd:
            return "utf-16-le"
        if even > 0.3 * half and odd < 0.05 * even:
            return "utf-16-be"
        raise InputError(f"{path} {_describe_binary(head)}")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        raise InputError(
            f"{path} is in a text encoding posttime cannot read (not UTF-8, UTF-16 or "
            "Windows-1252); save it again as 'CSV UTF-8'"
        ) from None


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    controls = len(_CONTROL.findall(text, 0, _CHUNK))
    return "\x00" in text or controls > 0.01 * min(len(text), _CHUNK)


def _read_sample(path: Path, enc: str, size: int) -> tuple[str, bool]:
    """Decoded text from the start of the file: enough for the header and a few rows."""
    decoder = codecs.getincrementaldecoder(enc)()
    parts: list[str] = []
    done = False
    read = 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            read += len(chunk)
            done = not chunk or read >= size
            try:
                # not final: a file cut inside a character leaves its start in the decoder
                parts.append(decoder.decode(chunk))
            except UnicodeDecodeError:
                raise InputError(
                    f"{path} is not valid {enc.replace('-sig', '')} text near byte {read}; "
                    "save it again as 'CSV UTF-8'"
                ) from None
            if done:
                break
            text = "".join(parts)
            if read >= _MAX_SNIFF or text.count("\n") > _SAMPLE_RECORDS * 4 + 4:
                # enough lines; make sure the header records are complete before stopping
                if len(_records(text, ",", complete=True)) > 4 or read >= _MAX_SNIFF:
                    break
    return "".join(parts), done


def _records(text: str, delimiter: str, *, complete: bool) -> list[list[str]]:
    """CSV records of ``text``; with ``complete`` the possibly cut last record is left out."""
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    with field_limit(len(text) + 1):
        try:
            for row in reader:
                rows.append(row)
                if len(rows) > _SAMPLE_RECORDS + 5:
                    return rows
        except csv.Error:
            pass
    if complete and rows and not text.endswith(("\n", "\r")):
        rows.pop()
    return rows


def _choose_delimiter(line_records: dict[str, list[list[str]]], row: int) -> str:
    best, best_n = ",", 1
    for d in _DELIMITERS:
        recs = line_records[d]
        n = len(recs[row]) if len(recs) > row else 0
        if n > best_n:
            best, best_n = d, n
    return best


def sniff(path: Path) -> Sniffed:
    """Read the start of ``path`` and work out how to parse it (format not yet decided)."""
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"{path} is empty; export the data from Facebook again")
    with open(path, "rb") as fh:
        head = fh.read(_CHUNK)
        fh.seek(max(size - 4, 0))
        tail = fh.read()
    enc = sniff_encoding(path, head)
    text, whole = _read_sample(path, enc, size)
    if _looks_binary(text):
        raise InputError(f"{path} {_describe_binary(head)}")
    if enc.startswith("utf-16"):
        ends_nl = tail.endswith((b"\n\x00", b"\x00\n", b"\r\x00", b"\x00\r"))
    else:
        ends_nl = tail.endswith((b"\n", b"\r"))
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise InputError(f"{path} holds no data (only blank lines); export it again")

    delimiter = None
    skip = 0
    first_line = text.split("\n", 1)[0].strip()
    m = re.fullmatch(r"sep=(.)", first_line, flags=re.IGNORECASE)
    body = text
    if m:
        delimiter = m.group(1)
        skip = 1
        body = text.split("\n", 1)[1] if "\n" in text else ""
    per_delim = {d: _records(body, d, complete=not whole) for d in _DELIMITERS}
    # blank lines before the header are skipped by pandas too (and count in skiprows)
    leading = 0
    for rec in per_delim[","]:
        if any(c.strip() for c in rec):
            break
        leading += 1
    per_delim = {d: recs[leading:] for d, recs in per_delim.items()}
    skip += leading
    if not per_delim[","]:
        raise InputError(f"{path} holds no header row; export it again")
    title = None
    first = per_delim[","][0]
    if len(first) == 1 and all(len(r) == 1 for r in (rs[0] for rs in per_delim.values() if rs)):
        if delimiter is None:
            delimiter = _choose_delimiter(per_delim, 1)
        recs = per_delim.get(delimiter) or _records(body, delimiter, complete=not whole)[leading:]
        if len(recs) >= 2 and len(recs[1]) > 1:
            # Business Suite page-level files: a line with the metric name above the header
            title = recs[0][0].strip()
            recs = recs[1:]
            skip += 1
    else:
        if delimiter is None:
            delimiter = _choose_delimiter(per_delim, 0)
        recs = per_delim.get(delimiter) or _records(body, delimiter, complete=not whole)[leading:]
    if whole and not ends_nl and len(recs) == 1 and body.count('"') % 2:
        raise InputError(f"{path} is cut off inside its header row; export it again")
    header = [c.strip().lstrip("\ufeff") for c in recs[0]]
    skip += 1
    data = recs[1:]
    sn = Sniffed(
        path=path,
        encoding=enc,
        delimiter=delimiter,
        header=header,
        skip=skip,
        records=data[:_SAMPLE_RECORDS],
        title=title,
        ends_with_newline=ends_nl,
        size=size,
    )
    if data and _is_description_row(sn, data[0]):
        sn.skip += 1
        sn.records = data[1 : _SAMPLE_RECORDS + 1]
    return sn


def _is_description_row(sn: Sniffed, row: list[str]) -> bool:
    """The classic exports' second header row: empty key cells, then metric descriptions."""
    if not row or row[0].strip():
        return False
    return any(_DESCRIPTION_CELL.search(cell) for cell in row if cell)


def _is_instagram(sn: Sniffed) -> bool:
    """A Business Suite export of an Instagram account (``Account username``, ``IG reel``)."""
    names = {norm(c) for c in sn.header}
    if "account username" in names:
        return True
    kind = sn.position("Post type")
    kinds = {norm(r[kind]) for r in sn.records if kind is not None and kind < len(r)}
    return "publish time" in names and any(k.startswith("ig ") for k in kinds)


def classify(sn: Sniffed, mapping: dict[str, str] | None) -> str:
    """Decide the export format of a sniffed file (sets and returns ``sn.format``)."""
    if _is_instagram(sn):
        raise InputError(
            f"{sn.path} is an Instagram export; posttime analyses Facebook pages: in Meta "
            "Business Suite > Insights > Content, choose the Facebook page and export its posts"
        )
    names = {norm(c) for c in sn.header}
    fmt = None
    if "post id" in names and "posted" in names and any(n.startswith("lifetime") for n in names):
        fmt = LEGACY_POSTS
    elif "publish time" in names and ("post id" in names or "permalink" in names):
        fmt = BUSINESS_SUITE_POSTS
    elif "date" in names and any(
        n.startswith("daily liked and online") or n == "lifetime total likes" for n in names
    ):
        fmt = LEGACY_PAGE_LEVEL
    elif sn.title is not None and norm(sn.header[0]) == "date":
        fmt = BUSINESS_SUITE_PAGE_LEVEL
    elif mapping:
        fmt = MAPPED
    elif _is_daily_table(sn):
        fmt = BUSINESS_SUITE_PAGE_LEVEL
    elif find_time_column(sn) is not None:
        fmt = MAPPED
    else:
        raise InputError(
            f"{sn.path}: no publish-time column found (columns: {sn.columns_text()}); "
            "if this is a post export from another tool, name its columns with --map, "
            "e.g. --map time=Created,interactions=Engagements"
        )
    sn.format = fmt
    return fmt


def _is_daily_table(sn: Sniffed) -> bool:
    """A page-level daily table: first column Date with day-only values, no post ids."""
    names = [norm(c) for c in sn.header]
    if not names or names[0] != "date" or _POST_ID_NAMES & set(names):
        return False
    values = [r[0] for r in sn.records if r and r[0].strip()]
    return bool(values) and all(_DAY_ONLY.match(v) for v in values)


def find_time_column(sn: Sniffed) -> int | None:
    """Position of a column that plausibly holds publish times (by name)."""
    for name in TIME_SYNONYMS:
        pos = sn.position(name)
        if pos is not None:
            return pos
    return None


def detect(path: str | Path, mapping: dict[str, str] | None = None) -> Sniffed:
    """Sniff and classify one file; raise ``InputError`` for anything that is not an export."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file; check the path")
    if p.is_dir():
        raise InputError(
            f"{p} is a folder, not a file; give the export files in it (e.g. {p}/*.csv)"
        )
    try:
        sn = sniff(p)
    except PermissionError:
        raise InputError(f"{p} cannot be read (permission denied)") from None
    classify(sn, mapping)
    return sn
