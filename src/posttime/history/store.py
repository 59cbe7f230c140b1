"""The history store: every export ingested into one SQLite file, one row per post.

A cron job drops each week's export into a folder and runs ``posttime ingest`` (or
``posttime weekly``, which ingests first). The store keeps, for every (page_id, post_id),
the figures of the newest export, so lifetime figures keep growing as exports arrive.

Tables (SQLite through the standard library's ``sqlite3``)::

    meta   key TEXT PRIMARY KEY, value TEXT            -- schema_version
    files  id INTEGER PRIMARY KEY, name, path, source, sha256 UNIQUE, bytes, format, rows,
           posts, as_of, export_timezone, ingested_at  -- every file ingested
    pages  page_id TEXT PRIMARY KEY, page_name, as_of  -- the newest name of each page
    posts  post_id, page_id, published, type, reach, views, reactions, comments, shares,
           interactions, clicks, paid, as_of, file_id, title, permalink
           -- UNIQUE (page_id, post_id)

and the views ``posts_readable`` and ``files_readable``, which show the same rows with ISO
UTC times and every column of the clean post table.

* Times (``published``, ``as_of``, ``ingested_at``) are integer nanoseconds since the Unix
  epoch, UTC, so they read back exactly as ``datetime64[ns, UTC]``; a missing figure is
  NULL. ``page_name`` (one per page, in ``pages``) and ``source`` (one per file, in
  ``files``) are kept once instead of on every post. ``HistoryStore.posts()`` joins them
  back and returns the clean post table through ``posttime.schema.conform``.
* A page's name is the newest one an export gave; a name that is only the page id (classic
  exports have no page name) never replaces a real name.
* A file's SHA-256 identifies it: ingesting the same content again changes nothing.
* A post's title and permalink are NULL where its export has none; a newer export without
  them keeps the ones stored.
* Each file goes in inside one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back
  on any error), so a bad file or a crash leaves the store as it was.
* The newest export wins: a post's row is replaced only by a row with the same or a newer
  ``as_of`` (on a tie the later ingest wins).
* WAL journal mode and a 30 s busy timeout let two cron jobs write at once without
  corrupting the store or failing on a lock.
* Commands that only read open the store read-only (``create=False``), so they work in a
  folder that cannot be written. A file that is not a posttime store is refused before
  anything is written to it.
* Posting plans (``posttime plan``) go in table ``plans`` (plan_id TEXT PRIMARY KEY,
  page_id, page_name, start (ISO date), weeks, plan (the plan's JSON), saved_at), created
  by the first plan saved, so stores written before plans existed gain it then; reading
  plans from a store without the table finds none.
* Store version 1 had no ``title`` and ``permalink``: opened for writing, such a store is
  migrated in one transaction (the columns added, ``posts_readable`` made anew, the version
  set to 2); opened read-only, it is read as it is, with no titles.

Reading export files into the store is ``posttime.history.ingest``. Core code: nothing here
prints.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from posttime import schema
from posttime.errors import ExitCode, InputError, NoDataError, PosttimeError

SCHEMA_VERSION = 2
DB_NAME = "history.sqlite"
#: seconds a writer waits for another writer's lock before giving up.
BUSY_TIMEOUT = 30.0
#: an as_of of NULL sorts before every real time.
_NO_TIME = -(2**63)

_POST_COLUMNS = tuple(schema.COLUMNS)
_TIME_COLUMNS = ("published", "as_of")
_TEXT_COLUMNS = ("post_id", "page_id", "page_name", "type", "source", "title", "permalink")
#: columns of table ``posts`` that store version 1 did not have.
_ADDED_IN_2 = ("title", "permalink")
#: columns of table ``posts`` bound per row (``file_id`` is a constant of each file).
_STORE_COLUMNS = tuple(c for c in _POST_COLUMNS if c not in ("page_name", "source"))

_READABLE = """CREATE VIEW IF NOT EXISTS posts_readable AS
    SELECT p.post_id, p.page_id, g.page_name,
           strftime('%Y-%m-%dT%H:%M:%SZ', p.published / 1000000000, 'unixepoch') AS published,
           p.type, p.reach, p.views, p.reactions, p.comments, p.shares, p.interactions,
           p.clicks, p.paid, f.source,
           strftime('%Y-%m-%dT%H:%M:%SZ', p.as_of / 1000000000, 'unixepoch') AS as_of,
           p.title, p.permalink
    FROM posts AS p JOIN pages AS g USING (page_id) JOIN files AS f ON f.id = p.file_id"""
_DDL = f"""
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL UNIQUE,
    bytes INTEGER NOT NULL,
    format TEXT NOT NULL,
    rows INTEGER NOT NULL,
    posts INTEGER NOT NULL,
    as_of INTEGER,
    export_timezone TEXT NOT NULL,
    ingested_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS pages (
    page_id TEXT PRIMARY KEY,
    page_name TEXT NOT NULL,
    as_of INTEGER
);
CREATE TABLE IF NOT EXISTS posts (
    post_id TEXT NOT NULL,
    page_id TEXT NOT NULL REFERENCES pages(page_id),
    published INTEGER NOT NULL,
    type TEXT,
    reach REAL,
    views REAL,
    reactions REAL,
    comments REAL,
    shares REAL,
    interactions REAL,
    clicks REAL,
    paid INTEGER NOT NULL,
    as_of INTEGER,
    file_id INTEGER NOT NULL REFERENCES files(id),
    title TEXT,
    permalink TEXT
);
CREATE UNIQUE INDEX IF NOT EXISTS posts_key ON posts (page_id, post_id);
{_READABLE};
CREATE VIEW IF NOT EXISTS files_readable AS
    SELECT id, name, path, source, sha256, bytes, format, rows, posts,
           strftime('%Y-%m-%dT%H:%M:%SZ', as_of / 1000000000, 'unixepoch') AS as_of,
           export_timezone,
           strftime('%Y-%m-%dT%H:%M:%SZ', ingested_at / 1000000000, 'unixepoch') AS ingested_at
    FROM files;
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}');
"""


#: version 1 -> 2, in one transaction: the columns added, the view made anew, the version.
_MIGRATE_1 = [
    *(f"ALTER TABLE posts ADD COLUMN {c} TEXT" for c in _ADDED_IN_2),
    "DROP VIEW IF EXISTS posts_readable",
    _READABLE,
    # Business Suite post ids were stored bare; they are PAGEID_POSTID from version 2 on
    "UPDATE posts SET post_id = page_id || '_' || post_id WHERE instr(post_id, '_') = 0 "
    "AND file_id IN (SELECT id FROM files WHERE format = 'business-suite-posts')",
    "UPDATE meta SET value = '2' WHERE key = 'schema_version'",
]

_KEY_INDEX = "CREATE UNIQUE INDEX posts_key ON posts (page_id, post_id)"
#: created by the first plan saved (``HistoryStore.save_plan``), not with the store.
_PLANS_DDL = """
CREATE TABLE IF NOT EXISTS plans (
    plan_id TEXT PRIMARY KEY,
    page_id TEXT,
    page_name TEXT,
    start TEXT NOT NULL,
    weeks INTEGER NOT NULL,
    plan TEXT NOT NULL,
    saved_at INTEGER NOT NULL
)"""
#: a file of new pages with at least this many posts, more than the store holds, builds the
#: key index after inserting instead of while inserting.
BULK_ROWS = 10_000

_NEWER = "coalesce(excluded.as_of, {t}) >= coalesce({table}.as_of, {t})"


def _insert_sql(file_id: int, upsert: bool) -> str:
    """INSERT of one file's posts; ``file_id`` (an int) is written into the statement so
    that it is not bound on every row. The upsert keeps whichever row is newer."""
    sql = (
        f"INSERT INTO posts ({', '.join(_STORE_COLUMNS)}, file_id) "
        f"VALUES ({', '.join('?' for _ in _STORE_COLUMNS)}, {int(file_id)})"
    )
    if upsert:
        sql += (
            " ON CONFLICT (page_id, post_id) DO UPDATE SET "
            + ", ".join(f"{c} = coalesce(excluded.{c}, posts.{c})" if c in _ADDED_IN_2
                        else f"{c} = excluded.{c}"
                        for c in (*_STORE_COLUMNS[2:], "file_id"))
            + " WHERE " + _NEWER.format(t=_NO_TIME, table="posts")
        )
    return sql


#: a real name replaces an id-only name; among real names the newest export wins.
_PAGE_UPSERT = (
    "INSERT INTO pages (page_id, page_name, as_of) VALUES (?, ?, ?) "
    "ON CONFLICT (page_id) DO UPDATE SET page_name = excluded.page_name, as_of = excluded.as_of "
    "WHERE excluded.page_name != excluded.page_id AND (pages.page_name = pages.page_id OR "
    + _NEWER.format(t=_NO_TIME, table="pages") + ")"
)


class StoreBusyError(PosttimeError):
    """Another process held the store's write lock for longer than the busy timeout."""

    exit_code = ExitCode.FAILURE


def app_dir() -> Path:
    """posttime's application folder, where command-line tools keep their settings:
    ``$XDG_CONFIG_HOME/posttime`` (``~/.config/posttime``) on Linux,
    ``~/Library/Application Support/posttime`` on macOS, ``%APPDATA%\\posttime`` on
    Windows (the folders typer's ``get_app_dir`` gives)."""
    if sys.platform.startswith("win"):
        return Path(os.environ.get("APPDATA") or Path.home()) / "posttime"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "posttime"
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config).expanduser() / "posttime"


def default_path() -> Path:
    """``history.sqlite`` in posttime's application folder (``~/.config/posttime`` on
    Linux). The command line lets ``--db`` or ``POSTTIME_DB`` override it."""
    return app_dir() / DB_NAME


def store_path(path: str | os.PathLike | None = None) -> Path:
    """The history store file: ``path`` with ``~`` expanded, or ``default_path()``."""
    return Path(path).expanduser() if path is not None else default_path()


@dataclass(frozen=True)
class StoredFileRecord:
    """What the store keeps about one export file as it goes in."""

    name: str
    path: str  # resolved
    source: str
    sha256: str
    bytes: int
    format: str
    rows: int
    as_of: pd.Timestamp | None
    export_timezone: str


@dataclass(frozen=True)
class WriteCounts:
    """What writing one file's posts changed."""

    new: int  # posts the store did not have
    updated: int  # posts whose figures the file replaced
    kept: int  # posts the store already had from a newer export
    replaced: int = 0  # posts an earlier ingest of the same file gave, taken out first


@dataclass
class StoredFile:
    """One row of the store's table of ingested files."""

    name: str
    path: str
    sha256: str
    format: str
    rows: int
    posts: int
    as_of: pd.Timestamp | None
    export_timezone: str
    ingested_at: pd.Timestamp


@dataclass
class HistorySummary:
    """What the store holds: ``pages`` (see ``HistoryStore.pages``) and the files."""

    db: Path
    pages: pd.DataFrame
    files: list[StoredFile]

    @property
    def posts(self) -> int:
        return int(self.pages["posts"].sum()) if len(self.pages) else 0

    @property
    def first(self) -> pd.Timestamp | None:
        return self.pages["first"].min() if len(self.pages) else None

    @property
    def last(self) -> pd.Timestamp | None:
        return self.pages["last"].max() if len(self.pages) else None


def _ns(values: pd.Series) -> list:
    """Aware times -> integer ns since the epoch (UTC); None for NaT."""
    ns = pd.DatetimeIndex(values).asi8
    missing = values.isna().to_numpy()
    if missing.any():
        return np.where(missing, None, ns.astype(object)).tolist()
    return ns.tolist()


def _rows(posts: pd.DataFrame) -> Iterator[tuple]:
    """The post table as tuples for ``executemany``, in ``_STORE_COLUMNS`` order.

    Whole columns are converted at once; the only per-row step is the ``zip`` that
    ``executemany`` consumes.
    """
    columns = []
    for name in _STORE_COLUMNS:
        col = posts[name]
        if name in _TIME_COLUMNS:
            columns.append(_ns(col))
        elif name in _TEXT_COLUMNS:
            columns.append(col.to_numpy(dtype=object, na_value=None).tolist())
        elif name == "paid":
            columns.append(col.to_numpy(dtype=np.int64).tolist())
        else:
            columns.append(col.to_numpy(dtype=np.float64).tolist())  # NaN binds as NULL
    return zip(*columns, strict=True)


def _ns_or_none(value) -> int | None:
    if value is None or pd.isna(value):
        return None
    return int(pd.Timestamp(value).value)


def _times(values) -> pd.Series:
    return pd.to_datetime(pd.Series(values, dtype="Int64"), unit="ns", utc=True)


def _from_rows(rows: list[tuple]) -> pd.DataFrame:
    """Rows of ``HistoryStore._select`` -> the clean post table (exact schema dtypes)."""
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in _POST_COLUMNS]
    data: dict[str, object] = {}
    for name, values in zip(_POST_COLUMNS, cols, strict=True):
        if name in _TIME_COLUMNS:
            data[name] = _times(values)
        elif name == "paid":
            data[name] = np.asarray(values, dtype=bool)
        elif name in _TEXT_COLUMNS:
            data[name] = pd.Series(values, dtype="string")
        else:
            data[name] = pd.Series(values, dtype="float64")
    return schema.conform(pd.DataFrame(data))


def _time(value) -> pd.Timestamp | None:
    return None if value is None else pd.Timestamp(int(value), unit="ns", tz="UTC")


class HistoryStore:
    """One history store file. Use it as a context manager, or call ``close()``.

    Parameters
    ----------
    path : str or Path, optional
        The SQLite file; ``default_path()`` when omitted. Its folder is created if needed.
    create : bool
        False opens an existing store read-only, for commands that only read: it raises
        ``NoDataError`` when the file does not exist, and works in a folder or on a disk
        that cannot be written.
    timeout : float
        Seconds to wait for another process's write lock.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from posttime.history.ingest import ingest_sources
    >>> from posttime.samples import sample_paths
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     with HistoryStore(Path(folder) / "history.sqlite") as store:
    ...         report = ingest_sources(store, sample_paths())
    ...         print(len(store.posts()), store.pages()["page_name"].tolist())
    1500 ['Sample Bakery']
    """

    @property
    def _select(self) -> str:
        """SELECT of the clean post table's columns; a version 1 store (read-only: one
        opened for writing is migrated) gives NULL for the columns it lacks."""
        absent = _ADDED_IN_2 if self.version < 2 else ()
        return (
            "SELECT " + ", ".join(
                "NULL" if c in absent
                else {"page_name": "g.page_name", "source": "f.source"}.get(c, f"p.{c}")
                for c in _POST_COLUMNS
            )
            + " FROM posts AS p JOIN pages AS g ON g.page_id = p.page_id"
            " JOIN files AS f ON f.id = p.file_id"
        )

    def __init__(self, path: str | os.PathLike | None = None, *, create: bool = True,
                 timeout: float = BUSY_TIMEOUT) -> None:
        self.path = store_path(path)
        self.timeout = timeout
        self.readonly = not create
        self.version = SCHEMA_VERSION
        if self.path.is_dir():
            raise InputError(f"history store {self.path} is a folder; give a file name, e.g. "
                             f"{self.path / DB_NAME}")
        if not self.path.exists():
            if not create:
                raise NoDataError(
                    f"no history store at {self.path} yet; ingest exports first with "
                    "`posttime ingest EXPORTS`"
                )
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(f"cannot create the folder of history store {self.path}: "
                                 f"{exc.strerror}") from None
        self._conn = self._connect()
        try:
            self._setup()
        except BaseException:
            self._conn.close()
            raise

    # -- connection -------------------------------------------------------------------

    def _connect(self, immutable: bool = False) -> sqlite3.Connection:
        """A connection in autocommit mode; read-only (a ``mode=ro`` URI) for a store opened
        with ``create=False``."""
        try:
            if not self.readonly:
                return sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            uri = self.path.resolve().as_uri() + "?mode=ro" + ("&immutable=1" if immutable
                                                               else "")
            return sqlite3.connect(uri, uri=True, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise InputError(f"cannot open history store {self.path}: {exc}") from None

    def _setup(self) -> None:
        try:
            # Look before changing anything: a file that is not a posttime store is left
            # exactly as it was (not even switched to WAL).
            version = self._read_version()
            if version is not None and version > SCHEMA_VERSION:
                raise InputError(
                    f"history store {self.path} was written by a newer posttime (store "
                    f"version {version}); upgrade posttime"
                )
            if self.readonly:
                if version is None:
                    raise NoDataError(f"{self.path} is an empty history store; ingest exports "
                                      "first with `posttime ingest EXPORTS`")
                self.version = version
                return
            conn = self._conn
            if version is None:
                # A new store: with 16 KiB pages instead of SQLite's 4 KiB, the commit of a
                # 100,000-post export (titles and links make rows long) takes a third less
                # time; an existing store keeps its page size.
                conn.execute("PRAGMA page_size=16384")
            # Switching to WAL takes a lock the busy handler does not wait for: retry.
            self._retry(lambda: conn.execute("PRAGMA journal_mode=WAL").fetchone())
            conn.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint in WAL
            conn.execute("PRAGMA cache_size=-65536")  # up to 64 MiB: big ingests stay in memory
            if version is None:
                self._transaction(self._create_schema)
            elif version < SCHEMA_VERSION:
                self._transaction(self._migrate)
        except sqlite3.DatabaseError as exc:
            raise self._error(exc) from None

    def _read_version(self) -> int | None:
        """``_version()``; a read-only store in WAL mode whose folder cannot be written (so
        SQLite cannot create its shared-memory file) is opened as immutable instead: nobody
        can write there, and without a ``-wal`` file all its data is in the main file."""
        try:
            return self._version()
        except sqlite3.OperationalError as exc:
            wal = Path(f"{self.path}-wal")
            if (not self.readonly or "unable to open" not in str(exc)
                    or (wal.exists() and wal.stat().st_size)):
                raise
        self._conn.close()
        self._conn = self._connect(immutable=True)
        return self._version()

    def _version(self) -> int | None:
        tables = {r[0] for r in self._conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        if "meta" not in tables:
            if tables:
                raise InputError(f"{self.path} is an SQLite file but not a posttime history "
                                 "store; give another --db path")
            return None
        row = self._conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else None

    def _create_schema(self) -> None:
        for statement in _DDL.split(";\n"):
            if statement.strip():
                self._conn.execute(statement)

    def _migrate(self) -> None:
        """Bring a version 1 store to the current version (inside the write lock, so a
        store another process migrated meanwhile is left alone)."""
        if self._version() == 1:
            for statement in _MIGRATE_1:
                self._conn.execute(statement)

    def _retry(self, action: Callable[[], object]):
        """Run ``action``, retrying while another process holds the lock; give up after
        the timeout."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                return action()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _transaction(self, body: Callable[[], object]):
        """Run ``body`` inside ``BEGIN IMMEDIATE`` ... ``COMMIT``; roll back on any error."""
        conn = self._conn
        self._retry(lambda: conn.execute("BEGIN IMMEDIATE"))
        try:
            result = body()
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return result

    def _error(self, exc: sqlite3.Error) -> PosttimeError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return StoreBusyError(
                f"history store {self.path} is busy: another posttime held it for more than "
                f"{self.timeout:g} s; try again later"
            )
        if "not a database" in text or "malformed" in text:
            return InputError(f"{self.path} is not a posttime history store ({text}); give "
                              "another --db path")
        return InputError(f"history store {self.path}: {text}")

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------

    def add_file(self, record: StoredFileRecord, posts: pd.DataFrame, *,
                 replace: bool = False) -> WriteCounts | None:
        """Write one file's posts (a clean post table) in one transaction.

        Returns None, and writes nothing, when the store already holds a file with this
        content (checked under the write lock), unless ``replace`` is set: then the posts
        that file gave and its row of ``files`` are taken out first, in the same
        transaction (to read a file again with other zones). A post's row is replaced only
        by a row with the same or a newer ``as_of``.
        """
        names = posts.drop_duplicates("page_id", keep="last")
        pages = list(zip(
            names["page_id"].astype(str).tolist(),
            names["page_name"].fillna(names["page_id"]).astype(str).tolist(),
            [_ns_or_none(t) for t in names["as_of"]],
            strict=True,
        ))

        def write() -> WriteCounts | None:
            conn = self._conn
            page_ids = [p[0] for p in pages]
            before = self._count(page_ids)
            replaced = 0
            old = conn.execute("SELECT id FROM files WHERE sha256 = ?",
                               (record.sha256,)).fetchone()
            if old is not None:
                if not replace:
                    return None
                replaced = conn.execute("DELETE FROM posts WHERE file_id = ?", old).rowcount
                conn.execute("DELETE FROM files WHERE id = ?", old)
            file_id = conn.execute(
                "INSERT INTO files (name, path, source, sha256, bytes, format, rows, posts, "
                "as_of, export_timezone, ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (record.name, record.path, record.source, record.sha256, record.bytes,
                 record.format, record.rows, len(posts), _ns_or_none(record.as_of),
                 record.export_timezone, time.time_ns()),
            ).lastrowid
            conn.executemany(_PAGE_UPSERT, pages)
            changes = conn.total_changes
            if before - replaced:
                # The upsert keeps whichever row is newer.
                conn.executemany(_insert_sql(file_id, upsert=True), _rows(posts))
            elif len(posts) >= BULK_ROWS and len(posts) > self._size():
                # New pages and more posts than the store holds (the first ingest of a big
                # export): plain inserts and the key index built once afterwards, which is
                # faster than growing the index row by row. Duplicate keys would make
                # CREATE UNIQUE INDEX fail and roll everything back.
                conn.execute("DROP INDEX posts_key")
                conn.executemany(_insert_sql(file_id, upsert=False), _rows(posts))
                conn.execute(_KEY_INDEX)
            else:
                # New pages: plain inserts (a third faster than the upsert).
                conn.executemany(_insert_sql(file_id, upsert=False), _rows(posts))
            changed = conn.total_changes - changes
            new = self._count(page_ids) - before
            return WriteCounts(new=new, updated=changed - new, kept=len(posts) - changed,
                               replaced=replaced)

        try:
            return self._transaction(write)
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def _size(self) -> int:
        """About the number of posts stored (the largest rowid; only re-ingesting deletes
        rows)."""
        return self._conn.execute("SELECT coalesce(max(rowid), 0) FROM posts").fetchone()[0]

    def _count(self, page_ids: list[str]) -> int:
        """Posts the store holds for these pages."""
        if not page_ids:
            return 0
        marks = ", ".join("?" for _ in page_ids)
        return self._conn.execute(
            f"SELECT count(*) FROM posts WHERE page_id IN ({marks})", page_ids
        ).fetchone()[0]

    def has_size(self, size: int) -> bool:
        """Whether a stored file has this many bytes (cheaper than hashing a new file)."""
        return bool(self._query("SELECT 1 FROM files WHERE bytes = ? LIMIT 1", (size,)))

    def has_file(self, sha: str) -> bool:
        """Whether the store holds a file with this SHA-256."""
        return bool(self._query("SELECT 1 FROM files WHERE sha256 = ? LIMIT 1", (sha,)))

    # -- reading ----------------------------------------------------------------------

    def _query(self, sql: str, args: tuple = ()) -> list[tuple]:
        try:
            return self._conn.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def pages(self) -> pd.DataFrame:
        """One row per page, sorted by name: ``page_id``, ``page_name``, ``posts``,
        ``first`` and ``last`` publish time, ``as_of`` (the newest export date of its
        posts)."""
        rows = self._query(
            "SELECT g.page_id, g.page_name, count(*), min(p.published), max(p.published), "
            "max(p.as_of) FROM posts AS p JOIN pages AS g ON g.page_id = p.page_id "
            "GROUP BY g.page_id"
        )
        cols = list(zip(*rows, strict=True)) if rows else [()] * 6
        frame = pd.DataFrame({
            "page_id": pd.Series(cols[0], dtype="string"),
            "page_name": pd.Series(cols[1], dtype="string"),
            "posts": pd.Series(cols[2], dtype="int64"),
            "first": _times(cols[3]),
            "last": _times(cols[4]),
            "as_of": _times(cols[5]),
        })
        return frame.sort_values(["page_name", "page_id"], kind="stable").reset_index(drop=True)

    def posts(self, page_id: str | None = None) -> pd.DataFrame:
        """The stored posts, of all pages or of the page with this id, as a clean post
        table (``posttime.schema``), oldest first."""
        sql, args = self._select, ()
        if page_id is not None:
            sql += " WHERE p.page_id = ?"
            args = (str(page_id),)
        rows = self._query(sql + " ORDER BY p.published, p.page_id, p.post_id", args)
        return _from_rows(rows)

    def export_zones(self, page_id: str) -> list[str]:
        """The export zones the page's stored figures were read in."""
        rows = self._query(
            "SELECT DISTINCT f.export_timezone FROM posts AS p JOIN files AS f "
            "ON f.id = p.file_id WHERE p.page_id = ? ORDER BY 1", (str(page_id),)
        )
        return [r[0] for r in rows]

    def files(self) -> list[StoredFile]:
        """The ingested files, in the order they went in."""
        rows = self._query(
            "SELECT name, path, sha256, format, rows, posts, as_of, export_timezone, "
            "ingested_at FROM files ORDER BY id"
        )
        return [
            StoredFile(name=r[0], path=r[1], sha256=r[2], format=r[3], rows=r[4], posts=r[5],
                       as_of=_time(r[6]), export_timezone=r[7], ingested_at=_time(r[8]))
            for r in rows
        ]

    def summary(self) -> HistorySummary:
        return HistorySummary(self.path, self.pages(), self.files())

    def integrity(self) -> str:
        """SQLite's ``PRAGMA integrity_check``: ``ok`` for a sound file."""
        return self._query("PRAGMA integrity_check")[0][0]

    # -- posting plans ----------------------------------------------------------------

    def save_plan(self, plan: dict) -> bool:
        """Keep a posting plan (its JSON form, ``posttime.experiment.Plan.to_dict``) so that
        ``weekly`` can show its progress. Returns False, and changes nothing, when the store
        already holds a plan with this ``plan_id`` (the same plan: the id is its content's
        fingerprint)."""
        row = (str(plan["plan_id"]), plan.get("page_id"), plan.get("page"), str(plan["start"]),
               int(plan["weeks"]), json.dumps(plan, ensure_ascii=False), time.time_ns())

        def write() -> bool:
            self._conn.execute(_PLANS_DDL)
            return self._conn.execute(
                "INSERT INTO plans (plan_id, page_id, page_name, start, weeks, plan, saved_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (plan_id) DO NOTHING", row
            ).rowcount == 1

        try:
            return self._transaction(write)
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    def _has_plans(self) -> bool:
        return bool(self._query(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'plans'"))

    def plans(self, page_id: str | None = None) -> list[dict]:
        """The saved plans (their JSON form), of all pages or of the page with this id,
        oldest start first (then in the order they were saved)."""
        if not self._has_plans():
            return []
        sql, args = "SELECT plan FROM plans", ()
        if page_id is not None:
            sql, args = sql + " WHERE page_id = ?", (str(page_id),)
        return [json.loads(r[0]) for r in self._query(sql + " ORDER BY start, saved_at", args)]

    def plan(self, plan_id: str) -> dict | None:
        """The saved plan with this id, or None."""
        if not self._has_plans():
            return None
        rows = self._query("SELECT plan FROM plans WHERE plan_id = ?", (str(plan_id),))
        return json.loads(rows[0][0]) if rows else None
