"""Exports into the history store: folder expansion, hashing, loading, one outcome per file.

``ingest_sources(store, sources)`` reads every export file named (a folder stands for its ``.csv``
files) and writes each into the store in its own transaction (``HistoryStore.add_file``).
A bad file is reported as a failed ``FileOutcome`` and the other files still go in.

Core code: nothing here prints.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from posttime.enums import FileStatus
from posttime.errors import InputError, PosttimeError
from posttime.history.store import HistoryStore, StoreBusyError, StoredFileRecord
from posttime.loaders import csv_files_in
from posttime.loaders.detect import PAGE_LEVEL_FORMATS
from posttime.timezones import DEFAULT_EXPORT_TZ


@dataclass
class FileOutcome:
    """What happened to one source file."""

    path: str
    status: FileStatus
    format: str | None = None
    rows: int = 0  # data rows in the file
    posts: int = 0  # posts read from the file
    new: int = 0  # posts the store did not have
    updated: int = 0  # posts whose figures this file replaced
    kept: int = 0  # posts the store already had from a newer export
    as_of: pd.Timestamp | None = None
    sha256: str | None = None
    message: str = ""

    @property
    def bad(self) -> bool:
        return self.status is FileStatus.FAILED


@dataclass
class IngestReport:
    """The outcome of ingesting a list of sources: one entry per file (or bad source)."""

    db: Path
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def bad(self) -> list[FileOutcome]:
        return [f for f in self.files if f.bad]

    def count(self, status: FileStatus) -> int:
        return sum(f.status == status for f in self.files)


#: progress(done, total, name of the file about to go in); called once more at the end.
Progress = Callable[[int, int, str], None]

_ALREADY = "already ingested (same content)"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _not_regular(path: Path) -> str | None:
    """Why ``path`` (which exists) is not a regular file, or None if it is one. Reading a
    FIFO, a device or a socket can block forever or never end."""
    mode = path.stat().st_mode
    if stat.S_ISREG(mode):
        return None
    kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a regular file")
    return f"{path} is {kind}, not an export file; give a regular file"


def expand_sources(sources: Iterable[str | os.PathLike]) -> list[Path | FileOutcome]:
    """The files to ingest, in order. A folder stands for the ``.csv`` files directly in it,
    sorted by name (not recursive). A source that does not exist, is not a regular file
    (a FIFO or a device), or a folder without CSV files, becomes a failed ``FileOutcome``
    in its place."""
    out: list[Path | FileOutcome] = []
    for source in sources:
        p = Path(source)
        if p.is_dir():
            found = csv_files_in(p)
            if not found:
                out.append(FileOutcome(str(p), FileStatus.FAILED, message=(
                    f"{p}: the folder holds no .csv files; put the exports there or name "
                    "the files")))
            out.extend(found)
        elif p.exists():
            reason = _not_regular(p)
            out.append(p if reason is None else FileOutcome(str(p), FileStatus.FAILED,
                                                            message=reason))
        else:
            out.append(FileOutcome(str(p), FileStatus.FAILED,
                                   message=f"{p}: no such file or folder; check the path"))
    return out


def ingest_sources(
    store: HistoryStore,
    sources: Iterable[str | os.PathLike],
    *,
    export_tz: str = DEFAULT_EXPORT_TZ,
    mapping: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    reingest: bool = False,
) -> IngestReport:
    """Ingest export files and folders into ``store``; a bad file is reported, not raised.

    Parameters
    ----------
    store : HistoryStore
        The store to write to.
    sources : list of str or Path
        Export files, or folders of exports (their ``.csv`` files, sorted by name).
    export_tz : str
        Zone the exports' times are written in.
    mapping : dict, optional
        Column mapping for CSVs that are not a known export (see ``load_exports``).
    progress : callable, optional
        ``progress(done, total, name)`` before each file, and once at the end.
    reingest : bool
        Read files the store already holds again, and replace the posts they gave (for
        instance after ingesting them with the wrong ``export_tz``).

    Returns
    -------
    IngestReport
        One ``FileOutcome`` per file: ingested, already ingested, skipped (page-level
        data, which holds no posts) or failed (with the error message).

    Examples
    --------
    >>> import tempfile
    >>> from posttime.samples import sample_paths
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with HistoryStore(Path(folder) / "history.sqlite") as store:
    ...         report = ingest_sources(store, sample_paths())
    ...         print(report.count(FileStatus.INGESTED), len(store.posts()))
    1 1500
    """
    items = expand_sources(sources)
    report = IngestReport(store.path)
    total = len(items)
    for done, item in enumerate(items):
        if isinstance(item, FileOutcome):
            report.files.append(item)
            continue
        if progress is not None:
            progress(done, total, item.name)
        try:
            outcome = ingest_file(store, item, export_tz=export_tz, mapping=mapping,
                                  reingest=reingest)
        except StoreBusyError:
            raise
        except PosttimeError as exc:
            message = str(exc)
            if str(item) not in message:
                message = f"{item}: {message}"
            outcome = FileOutcome(str(item), FileStatus.FAILED, message=message)
        report.files.append(outcome)
    if progress is not None:
        progress(total, total, "")
    return report


def ingest_file(
    store: HistoryStore,
    path: str | os.PathLike,
    *,
    export_tz: str = DEFAULT_EXPORT_TZ,
    mapping: Mapping[str, str] | None = None,
    reingest: bool = False,
) -> FileOutcome:
    """Ingest one export file in one transaction; raise ``PosttimeError`` if it is bad.

    The file is read before the write lock is taken, so a slow read does not hold up
    another writer; whether the file is already in the store is checked again under
    the lock. With ``reingest`` a file the store holds is read again and replaces the
    posts it gave.
    """
    from posttime.loaders import load_exports

    path = Path(path)
    try:
        reason = _not_regular(path)
        if reason is not None:
            raise InputError(reason)
        size = path.stat().st_size
        if store.has_size(size) and not reingest:
            # a stored file has this size: it may be this one, so look before reading
            sha = file_sha256(path)
            if store.has_file(sha):
                return FileOutcome(str(path), FileStatus.ALREADY, sha256=sha,
                                   message=_ALREADY)
            loaded = load_exports([path], export_tz=export_tz, mapping=mapping)
        else:
            # hash it in a thread while it loads
            with ThreadPoolExecutor(max_workers=1) as pool:
                hashing = pool.submit(file_sha256, path)
                try:
                    loaded = load_exports([path], export_tz=export_tz, mapping=mapping)
                finally:
                    hashing.cancel()
                sha = hashing.result()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a folder, not a file") from None
    except PermissionError:
        raise InputError(f"{path} cannot be read (permission denied)") from None
    report = loaded.files[0]
    outcome = FileOutcome(str(path), FileStatus.INGESTED, format=report.format,
                          rows=report.rows, posts=report.posts, as_of=report.as_of, sha256=sha)
    if report.format in PAGE_LEVEL_FORMATS:
        outcome.status = FileStatus.SKIPPED
        outcome.message = ("page-level data (daily figures for the whole page), not "
                           "posts; nothing to store")
        return outcome
    posts = loaded.posts
    record = StoredFileRecord(
        name=path.name, path=str(path.resolve()),
        source=str(posts["source"].iloc[0]) if len(posts) else str(path), sha256=sha,
        bytes=size, format=report.format, rows=report.rows, as_of=report.as_of,
        export_timezone=export_tz,
    )
    counts = store.add_file(record, posts, replace=reingest)
    if counts is None:
        outcome.status = FileStatus.ALREADY
        outcome.message = _ALREADY
        return outcome
    outcome.new, outcome.updated, outcome.kept = counts.new, counts.updated, counts.kept
    if counts.replaced:
        outcome.message = (f"re-ingested: replaced the {counts.replaced} posts it gave "
                           f"before (export zone {export_tz})")
    return outcome
