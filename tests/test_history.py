"""The history store: idempotent ingest, newest export wins, one transaction per file,
two writers at once, and the clean post table read back exactly."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import REAL_EXPORTS, needs_real_exports

from posttime import schema
from posttime.enums import FileStatus
from posttime.errors import InputError, NoDataError
from posttime.history import HistoryStore, ingest_file, ingest_sources
from posttime.history import store as store_module
from posttime.loaders import load_exports
from posttime.simulate import PageSpec, simulate_posts, write_business_suite

LEGACY = REAL_EXPORTS / "legacy-insights-post-level"
LEGACY_FILES = [LEGACY / f"fb-posts-{d}.csv" for d in
                ("11-19-2017", "11-27-2017", "12-17-2017", "2-17-2018")]
TRITON_POST = "882604215147359_1686636748077431"


def by_key(posts: pd.DataFrame) -> pd.DataFrame:
    return posts.sort_values(["page_id", "post_id"]).reset_index(drop=True)


def stored(db: Path) -> pd.DataFrame:
    with HistoryStore(db) as store:
        return by_key(store.posts())


@pytest.fixture(scope="module")
def page() -> pd.DataFrame:
    """A simulated page: 600 posts in 2024 (clean post table, as_of in early January)."""
    return simulate_posts(PageSpec(n_posts=600, years=1.0, seed=11, start="2024-01-01"))


def export(folder: Path, name: str, posts: pd.DataFrame, factor: float = 1.0) -> Path:
    """A Business Suite export of ``posts`` with every count scaled by ``factor``."""
    scaled = posts.copy()
    for col in ("reach", "views", "reactions", "comments", "shares", "clicks"):
        scaled[col] = (scaled[col] * factor).round()
    scaled["interactions"] = scaled["reactions"] + scaled["comments"] + scaled["shares"]
    path = folder / name
    write_business_suite(scaled, path)
    return path


# -- the real exports -----------------------------------------------------------------


@needs_real_exports
def test_each_real_export_says_its_own_figure_for_the_post():
    figures = []
    for path in LEGACY_FILES:
        posts = load_exports([path]).posts
        figures.append(float(posts.loc[posts["post_id"] == TRITON_POST, "interactions"].iloc[0]))
    assert figures == [651.0, 655.0, 658.0, 660.0]


@needs_real_exports
@pytest.mark.parametrize("order", [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1]])
def test_real_exports_in_any_order_give_the_newest_figures(tmp_path, order):
    db = tmp_path / "h.sqlite"
    files = [LEGACY_FILES[i] for i in order]
    with HistoryStore(db) as store:
        first = ingest_sources(store, files)
        assert [f.status for f in first.files] == [FileStatus.INGESTED] * 4
        again = ingest_sources(store, files)
        assert [f.status for f in again.files] == [FileStatus.ALREADY] * 4
        posts = store.posts()
        assert store.integrity() == "ok"
        assert len(store.files()) == 4
    assert len(posts) == 161
    schema.validate(posts)
    post = posts[posts["post_id"] == TRITON_POST].iloc[0]
    assert post["interactions"] == 660
    # every post holds the figures of the newest export that lists it
    newest = load_exports(LEGACY_FILES).posts
    pd.testing.assert_frame_equal(by_key(posts), by_key(newest))


@needs_real_exports
def test_page_level_files_are_skipped_and_posts_go_in(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        report = ingest_sources(store, [REAL_EXPORTS / "business-suite"])
        statuses = {Path(f.path).name: f.status for f in report.files}
        assert statuses.pop("Sep-01-2025_Sep-30-2025_2855862537940540.csv") == FileStatus.INGESTED
        assert set(statuses.values()) == {FileStatus.SKIPPED}
        assert not report.bad
        pages = store.pages()
    assert pages["page_name"].tolist() == ["PC Merchandise"]
    assert pages["posts"].tolist() == [81]


# -- rules of the store -----------------------------------------------------------------


def test_round_trip_is_exactly_the_loaded_table(tmp_path, page):
    path = export(tmp_path, "Jan-01-2024_Dec-31-2024_1.csv", page)
    with HistoryStore(tmp_path / "h.sqlite") as store:
        ingest_sources(store, [path])
        back = store.posts()
        assert store.posts("no such page").empty
        readable = store._conn.execute(
            "SELECT post_id, page_name, published, source FROM posts_readable "
            "ORDER BY published LIMIT 1").fetchone()
        files = store._conn.execute("SELECT name, ingested_at FROM files_readable").fetchall()
    first = by_key(back).sort_values("published").iloc[0]
    assert readable == (first["post_id"], "Sample Page",
                        first["published"].strftime("%Y-%m-%dT%H:%M:%SZ"), str(path))
    assert files[0][0] == path.name and files[0][1].endswith("Z")
    schema.validate(back)
    pd.testing.assert_frame_equal(by_key(back), by_key(load_exports([path]).posts))


def test_missing_figures_and_times_survive(tmp_path):
    posts = simulate_posts(PageSpec(n_posts=40)).assign(source="src")
    posts.loc[:4, "reach"] = float("nan")
    posts.loc[5:9, "as_of"] = pd.NaT
    posts.loc[10:12, "type"] = None
    posts = schema.conform(posts)
    with HistoryStore(tmp_path / "h.sqlite") as store:
        conn = store._conn
        conn.execute("INSERT INTO files (id, name, path, source, sha256, bytes, format, rows, "
                     "posts, export_timezone, ingested_at) VALUES (7, 'a', 'a', 'src', 'x', 1, "
                     "'test', 40, 40, 'UTC', 0)")
        conn.execute("INSERT INTO pages VALUES (?, 'Sample Page', NULL)",
                     (posts["page_id"].iloc[0],))
        conn.executemany(store_module._insert_sql(7, upsert=False), store_module._rows(posts))
        back = store.posts()
    assert back["reach"].isna().sum() == 5
    assert back["as_of"].isna().sum() == 5
    assert back["type"].isna().sum() == 3
    pd.testing.assert_frame_equal(by_key(back), by_key(posts))


def test_the_newest_export_wins_in_either_order(tmp_path, page):
    early = page[page["published"] < pd.Timestamp("2024-12-01", tz="UTC")]
    old = export(tmp_path, "Jan-01-2024_Nov-30-2024_1.csv", early, factor=1.0)
    new = export(tmp_path, "Jan-01-2024_Dec-31-2024_1.csv", page, factor=1.5)
    expected = by_key(load_exports([old, new]).posts)
    for order in ([old, new], [new, old]):
        db = tmp_path / f"{order[0].stem}.sqlite"
        with HistoryStore(db) as store:
            report = ingest_sources(store, order)
        assert not report.bad
        pd.testing.assert_frame_equal(stored(db), expected)
    second = report.files[1]  # the old file after the new one: nothing of it is newer
    assert (second.new, second.updated, second.kept) == (0, 0, len(early))


def test_on_a_tie_the_later_ingest_wins(tmp_path, page):
    a = export(tmp_path, "Jan-01-2024_Dec-31-2024_1.csv", page, factor=1.0)
    b = export(tmp_path, "Jan-01-2024_Dec-31-2024_2.csv", page, factor=2.0)
    for first, second in ((a, b), (b, a)):
        db = tmp_path / f"{first.stem}.sqlite"
        with HistoryStore(db) as store:
            ingest_sources(store, [first])
            report = ingest_sources(store, [second])
        assert report.files[0].updated == len(page)
        pd.testing.assert_frame_equal(stored(db), by_key(load_exports([second]).posts))


def test_same_content_under_another_name_is_already_ingested(tmp_path, page):
    a = export(tmp_path, "Jan-01-2024_Dec-31-2024_1.csv", page)
    copy = tmp_path / "copy.csv"
    copy.write_bytes(a.read_bytes())
    with HistoryStore(tmp_path / "h.sqlite") as store:
        assert ingest_sources(store, [a]).files[0].status == FileStatus.INGESTED
        assert ingest_sources(store, [copy]).files[0].status == FileStatus.ALREADY
        assert len(store.files()) == 1


def test_a_folder_means_its_csv_files_and_bad_files_are_reported(tmp_path, page):
    folder = tmp_path / "exports"
    folder.mkdir()
    export(folder, "b.csv", page.iloc[:300])
    export(folder, "a.csv", page.iloc[300:])
    (folder / "notes.txt").write_text("not an export")
    (folder / "broken.csv").write_text("just,some\n1,2\n")
    (folder / "sub").mkdir()
    db = tmp_path / "h.sqlite"
    with HistoryStore(db) as store:
        report = ingest_sources(store, [folder, tmp_path / "missing.csv", tmp_path / "empty-dir"])
        names = [Path(f.path).name for f in report.files]
        assert names == ["a.csv", "b.csv", "broken.csv", "missing.csv", "empty-dir"]
        statuses = [FileStatus.INGESTED] * 2 + [FileStatus.FAILED] * 3
        assert [f.status for f in report.files] == statuses
        assert "broken.csv" in report.files[2].message
        assert len(store.posts()) == 600
        assert len(store.files()) == 2


def test_an_error_in_the_middle_of_a_file_leaves_the_store_as_it_was(tmp_path, page,
                                                                     monkeypatch):
    db = tmp_path / "h.sqlite"
    first = export(tmp_path, "Jan-01-2024_Nov-30-2024_1.csv", page.iloc[:400])
    second = export(tmp_path, "Jan-01-2024_Dec-31-2024_1.csv", page, factor=2.0)
    with HistoryStore(db) as store:
        ingest_sources(store, [first])
    before = stored(db)
    real_rows = store_module._rows
    written = []

    def broken(posts):
        for i, row in enumerate(real_rows(posts)):
            if i == 250:
                raise RuntimeError("disk on fire")
            written.append(row)
            yield row

    monkeypatch.setattr(store_module, "_rows", broken)
    with HistoryStore(db) as store:
        with pytest.raises(RuntimeError, match="disk on fire"):
            ingest_sources(store, [second])
        assert len(written) == 250  # rows were written before the error
        assert len(store.files()) == 1
        assert store.integrity() == "ok"
    pd.testing.assert_frame_equal(stored(db), before)


def test_a_bad_file_reported_mid_way_rolls_back_and_the_rest_go_in(tmp_path, page,
                                                                   monkeypatch):
    db = tmp_path / "h.sqlite"
    a = export(tmp_path, "a.csv", page.iloc[:250])
    b = export(tmp_path, "b.csv", page.iloc[250:])
    real_rows = store_module._rows

    def broken(posts):
        for i, row in enumerate(real_rows(posts)):
            if i == 100 and len(posts) == 250:
                raise InputError("a.csv: row 101 cannot be stored")
            yield row

    monkeypatch.setattr(store_module, "_rows", broken)
    with HistoryStore(db) as store:
        report = ingest_sources(store, [a, b])
        assert [f.status for f in report.files] == [FileStatus.FAILED, FileStatus.INGESTED]
        assert report.files[0].message == f"{a}: a.csv: row 101 cannot be stored"
        assert len(store.posts()) == 350
        assert len(store.files()) == 1


def test_bulk_first_ingest_rebuilds_the_key_index_even_when_it_fails(tmp_path, page,
                                                                      monkeypatch):
    monkeypatch.setattr(store_module, "BULK_ROWS", 10)
    db = tmp_path / "h.sqlite"
    path = export(tmp_path, "a.csv", page)
    real_rows = store_module._rows

    def broken(posts):
        yield from list(real_rows(posts))[:50]
        raise RuntimeError("stop")

    monkeypatch.setattr(store_module, "_rows", broken)
    with HistoryStore(db) as store, pytest.raises(RuntimeError):
        ingest_sources(store, [path])
    monkeypatch.setattr(store_module, "_rows", real_rows)
    with HistoryStore(db) as store:
        indexes = [r[0] for r in store._conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'posts'")]
        assert "posts_key" in indexes
        assert store.posts().empty
        ingest_sources(store, [path])
        assert len(store.posts()) == 600
        with pytest.raises(sqlite3.IntegrityError):  # the key index is unique again
            store._conn.execute("INSERT INTO posts SELECT * FROM posts LIMIT 1")


@pytest.mark.slow
def test_two_ingests_at_once_neither_fail_nor_corrupt(tmp_path):
    """Two processes ingest overlapping sets of files into a new store at the same time."""
    posts = simulate_posts(PageSpec(n_posts=3000, years=2.0, seed=5, start="2023-01-02"))
    months = pd.date_range("2023-03-01", "2025-01-01", periods=7, tz="UTC")
    files = []
    for k, end in enumerate(months[1:]):
        part = posts[(posts["published"] < end) & (posts["published"] >= months[0]
                                                   - pd.Timedelta(days=60))]
        name = f"{(end - pd.Timedelta(days=1)):%b-%d-%Y}"
        files.append(export(tmp_path, f"Jan-01-2023_{name}_{k}.csv", part, 1 + k / 10))
    db = tmp_path / "shared.sqlite"
    script = textwrap.dedent("""
        import sys
        from posttime.history import HistoryStore, ingest_sources
        with HistoryStore(sys.argv[1]) as store:
            report = ingest_sources(store, sys.argv[2:])
        bad = [f.message for f in report.files if f.bad]
        sys.exit("; ".join(bad) if bad else 0)
    """)
    sets = ([files[i] for i in (0, 2, 4, 5)], [files[i] for i in (1, 3, 5, 0)])
    procs = [subprocess.Popen([sys.executable, "-c", script, str(db), *map(str, s)],
                              stderr=subprocess.PIPE, text=True) for s in sets]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    with HistoryStore(db) as store:
        assert store.integrity() == "ok"
        assert len(store.files()) == len(files)
        assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    pd.testing.assert_frame_equal(stored(db), by_key(load_exports(files).posts))


# -- opening the store ------------------------------------------------------------------


def test_read_only_commands_do_not_create_a_store(tmp_path):
    with pytest.raises(NoDataError, match="no history store"):
        HistoryStore(tmp_path / "none.sqlite", create=False)
    assert not (tmp_path / "none.sqlite").exists()


def test_the_folder_of_a_new_store_is_created(tmp_path):
    db = tmp_path / "deep" / "er" / "h.sqlite"
    with HistoryStore(db) as store:
        assert store.summary().posts == 0
    assert db.is_file()


@pytest.mark.parametrize("content", [b"this is not a database at all" * 100, b""])
def test_a_file_that_is_not_a_store_is_refused(tmp_path, content):
    path = tmp_path / "x.sqlite"
    path.write_bytes(content)
    if not content:
        with HistoryStore(path) as store:  # an empty file is a new store
            assert store.pages().empty
        return
    with pytest.raises(InputError, match="not a posttime history store"):
        HistoryStore(path)


def test_another_sqlite_database_or_a_newer_store_is_refused(tmp_path):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE things (x)")
    conn.close()
    with pytest.raises(InputError, match="not a posttime history store"):
        HistoryStore(other)
    newer = tmp_path / "newer.sqlite"
    with HistoryStore(newer) as store:
        store._conn.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(InputError, match="newer posttime"):
        HistoryStore(newer)
    with pytest.raises(InputError, match="is a folder"):
        HistoryStore(tmp_path)


def test_default_path_is_in_the_app_folder():
    assert store_module.default_path().name == "history.sqlite"
    assert "posttime" in str(store_module.default_path().parent)
    assert store_module.store_path() == store_module.default_path()
    assert store_module.store_path("~/pages.sqlite") == Path.home() / "pages.sqlite"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG folders are Linux's")
def test_the_app_folder_follows_xdg_config_home_as_typer_does(tmp_path, monkeypatch):
    import typer

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert store_module.default_path() == tmp_path / "posttime" / "history.sqlite"
    assert store_module.app_dir() == Path(typer.get_app_dir("posttime"))


def test_the_store_does_not_import_the_command_line_library():
    code = "import sys, posttime.history; print('typer' in sys.modules, 'click' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_names_a_real_name_beats_an_id_and_the_newest_name_wins(tmp_path, page):
    small = page.iloc[:50]
    unnamed = small.assign(page_name=small["page_id"])
    a = export(tmp_path, "Jan-01-2024_Feb-28-2024_1.csv", unnamed)
    b = export(tmp_path, "Jan-01-2024_Jan-31-2024_1.csv", small.assign(page_name="Old Name"))
    c = export(tmp_path, "Jan-01-2024_Mar-31-2024_1.csv", small.assign(page_name="New Name"))
    with HistoryStore(tmp_path / "h.sqlite") as store:
        ingest_sources(store, [c, a, b])
        assert store.pages()["page_name"].tolist() == ["New Name"]
        assert set(store.posts()["page_name"]) == {"New Name"}


def test_progress_is_called_before_each_file_and_at_the_end(tmp_path, page):
    a = export(tmp_path, "a.csv", page.iloc[:300])
    b = export(tmp_path, "b.csv", page.iloc[300:])
    calls = []
    with HistoryStore(tmp_path / "h.sqlite") as store:
        ingest_sources(store, [a, tmp_path / "missing.csv", b],
                     progress=lambda done, total, name: calls.append((done, total, name)))
    assert calls == [(0, 3, "a.csv"), (2, 3, "b.csv"), (3, 3, "")]


def test_a_store_locked_for_longer_than_the_timeout_is_busy(tmp_path, page):
    db = tmp_path / "h.sqlite"
    path = export(tmp_path, "a.csv", page.iloc[:100])
    with HistoryStore(db):
        pass
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with HistoryStore(db, timeout=0.2) as store:
            with pytest.raises(store_module.StoreBusyError, match="is busy"):
                ingest_sources(store, [path])
        holder.execute("ROLLBACK")
    finally:
        holder.close()
    with HistoryStore(db) as store:
        assert ingest_sources(store, [path]).files[0].status == FileStatus.INGESTED


# -- sources that are not regular files -------------------------------------------------


def run_cli(*args, timeout: float = 90) -> subprocess.CompletedProcess:
    """``posttime ARGS`` in a child process; a hang fails the test after ``timeout`` s."""
    return subprocess.run([sys.executable, "-m", "posttime", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="this system has no named pipes")
@pytest.mark.parametrize("command", [["ingest"], ["weekly", "--week", "2024-W30", "--tz", "UTC"]])
def test_a_fifo_is_refused_up_front_and_the_other_files_still_go_in(tmp_path, page, command):
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    good = export(tmp_path, "good.csv", page)
    db = tmp_path / "h.sqlite"
    result = run_cli(command[0], fifo, good, "--db", db, *command[1:])
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [f"Error: {fifo} is a named pipe (FIFO), not an export file; give a "
                      "regular file"]
    assert "Traceback" not in result.stderr
    with HistoryStore(db) as store:
        assert [Path(f.path).name for f in store.files()] == ["good.csv"]
        assert len(store.posts()) == 600
    if command[0] == "weekly":
        assert result.stdout.startswith("#")


def test_a_device_is_refused_without_reading_it(tmp_path):
    device = Path("/dev/null")
    if not device.exists():
        pytest.skip("no /dev/null here")
    with HistoryStore(tmp_path / "h.sqlite") as store:
        report = ingest_sources(store, [device])
        assert [f.status for f in report.files] == [FileStatus.FAILED]
        assert report.files[0].message == (f"{device} is a device, not an export file; give "
                                           "a regular file")
        with pytest.raises(InputError, match="is a device"):
            ingest_file(store, device)


# -- the store opened read-only, foreign files left alone ---------------------------------


def run_with_read_only_folder(folder: Path, *args) -> subprocess.CompletedProcess:
    """``posttime ARGS`` while ``folder`` cannot be written: its write permission taken
    away, or for root (who may write anywhere) a read-only bind mount in a private mount
    namespace."""
    if os.geteuid() != 0:
        folder.chmod(0o555)
        try:
            return run_cli(*args)
        finally:
            folder.chmod(0o755)
    if shutil.which("unshare") is None:
        pytest.skip("root, and no unshare to mount the folder read-only")
    script = ('mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" || exit 97; '
              'touch "$0/.probe" 2>/dev/null && exit 97; exec "$@"')
    result = subprocess.run(["unshare", "-m", "sh", "-c", script, str(folder), sys.executable,
                             "-m", "posttime", *map(str, args)],
                            capture_output=True, text=True, timeout=120)
    if result.returncode == 97:
        pytest.skip("cannot mount a folder read-only here")
    return result


@pytest.fixture
def two_pages(tmp_path, page) -> tuple[Path, Path]:
    """A store (in its own folder) holding ``page`` and a page named "AC/DC Fans", and an
    export of a third page."""
    folder = tmp_path / "store"
    folder.mkdir()
    fans = simulate_posts(PageSpec(n_posts=600, years=1.0, seed=12, start="2024-01-01",
                                   page_id="100000000000002", page_name="AC/DC Fans"))
    db = folder / "h.sqlite"
    with HistoryStore(db) as store:
        report = ingest_sources(store, [export(tmp_path, "a.csv", page),
                                        export(tmp_path, "fans.csv", fans)])
        assert not report.bad
    return db, folder


@pytest.mark.slow
def test_read_only_commands_work_in_a_folder_that_cannot_be_written(two_pages):
    db, folder = two_pages
    before = db.read_bytes()
    history = run_with_read_only_folder(folder, "history", "--db", db, "-f", "json")
    assert history.returncode == 0, history.stderr
    assert sorted(p["page_name"] for p in json.loads(history.stdout)["pages"]) == [
        "AC/DC Fans", "Sample Page"]
    weekly = run_with_read_only_folder(folder, "weekly", "--db", db, "--week", "2024-W30",
                                       "--tz", "UTC", "--page", "Sample Page", "-f", "json")
    assert weekly.returncode == 0, weekly.stderr
    assert json.loads(weekly.stdout)["page"] == "Sample Page"
    compare = run_with_read_only_folder(folder, "compare", "Sample Page", "AC/DC Fans",
                                        "--db", db, "--tz", "UTC", "-f", "json")
    assert compare.returncode == 0, compare.stderr
    assert json.loads(compare.stdout)["pages"] == ["Sample Page", "AC/DC Fans"]
    assert db.read_bytes() == before


def test_a_store_opened_for_reading_cannot_be_written(two_pages):
    db, _ = two_pages
    with HistoryStore(db, create=False) as store:
        assert len(store.pages()) == 2
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store._conn.execute("DELETE FROM posts")
    with HistoryStore(db) as store:
        assert len(store.posts()) == 1200


def test_a_page_name_with_a_slash_is_looked_up_in_the_store(two_pages, tmp_path, page):
    db, _ = two_pages
    other = simulate_posts(PageSpec(n_posts=600, years=1.0, seed=13, start="2024-01-01",
                                    page_id="100000000000003", page_name="Other Page"))
    result = run_cli("compare", "AC/DC Fans", export(tmp_path, "other.csv", other), "--db", db,
                     "--tz", "UTC", "-f", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["pages"] == ["AC/DC Fans", "Other Page"]


@pytest.mark.parametrize("command", ["ingest", "history"])
def test_a_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path, page, command):
    db = tmp_path / "notes.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    args = [export(tmp_path, "a.csv", page)] if command == "ingest" else []
    result = run_cli(command, *args, "--db", db)
    assert result.returncode == 2, result.stderr
    assert result.stderr == (f"Error: {db} is an SQLite file but not a posttime history "
                             "store; give another --db path\n")
    assert db.read_bytes() == before  # still in rollback-journal mode, not switched to WAL
    left = ["a.csv", "notes.sqlite"] if args else ["notes.sqlite"]
    assert sorted(p.name for p in tmp_path.iterdir()) == left  # no -wal or -shm file


# -- reading a file again with other zones ------------------------------------------------


def test_reingest_replaces_the_posts_of_a_file_read_with_the_wrong_zone(tmp_path, page):
    db = tmp_path / "h.sqlite"
    first = export(tmp_path, "Jan-01-2024_Nov-30-2024_1.csv", page.iloc[:400])
    second = export(tmp_path, "Jan-01-2024_Dec-31-2024_1.csv", page.iloc[300:], factor=2.0)
    la = "America/Los_Angeles"
    wrong = run_cli("ingest", first, "--db", db, "--export-tz", "Asia/Tokyo")
    assert wrong.returncode == 0, wrong.stderr
    with HistoryStore(db) as store:
        assert ingest_sources(store, [second], export_tz=la).files[0].new == 200
        again = ingest_sources(store, [first], export_tz=la)
    assert [f.status for f in again.files] == [FileStatus.ALREADY]

    fixed = run_cli("ingest", first, "--db", db, "--export-tz", la, "--reingest")
    assert fixed.returncode == 0, fixed.stderr
    # the 300 posts only the first file holds are replaced; the newer second file keeps
    # the 100 they share
    assert fixed.stderr.startswith(f"Ingested {first}: 400 posts (0 new, 300 updated, 100 "
                                   "already newer in the history)")
    expected = by_key(load_exports([first, second], export_tz=la).posts)
    pd.testing.assert_frame_equal(stored(db), expected)
    with HistoryStore(db) as store:
        assert store.export_zones(page["page_id"].iloc[0]) == [la]
        assert [f.name for f in store.files()] == [second.name, first.name]
        assert store.integrity() == "ok"


# -- killed ingests ---------------------------------------------------------------------

KILL_TRIALS = 10
INGEST_SCRIPT = textwrap.dedent("""
    import sys
    from posttime.history import HistoryStore, ingest_sources
    print("start", flush=True)
    with HistoryStore(sys.argv[1]) as store:
        report = ingest_sources(store, sys.argv[2:])
    sys.exit(1 if report.bad else 0)
""")


def start_ingest(db: Path, files: list[Path]) -> tuple[subprocess.Popen, float]:
    """An ingest in a child process, and the moment it finished importing."""
    proc = subprocess.Popen([sys.executable, "-c", INGEST_SCRIPT, str(db), *map(str, files)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout.readline() == "start\n"
    return proc, time.monotonic()


@pytest.mark.slow
def test_an_ingest_killed_at_any_point_leaves_a_sound_store_and_whole_files(tmp_path):
    """SIGKILL an ingest of four exports (one page each) at random moments: the store passes
    SQLite's integrity check, holds every file either whole or not at all, and ingesting
    again reaches the state of an ingest that was never interrupted."""
    files, sizes = [], {}
    for k in range(4):
        posts = simulate_posts(PageSpec(n_posts=2000, years=2.0, seed=40 + k, start="2022-01-03",
                                        page_id=f"20000000000000{k}", page_name=f"Page {k}"))
        files.append(export(tmp_path, f"page-{k}.csv", posts))
        sizes[f"page-{k}.csv"] = (f"20000000000000{k}", len(posts))
    # The kills are spread over the time a whole ingest takes: the shorter of two, so that
    # one timed while other work held the cores does not push the kills past its end.
    durations = []
    for run in range(2):
        reference = tmp_path / f"reference-{run}.sqlite"
        proc, started = start_ingest(reference, files)
        assert proc.wait(timeout=300) == 0
        durations.append(time.monotonic() - started)
        proc.stdout.close()
    duration = min(durations)
    expected = stored(reference)

    rng = random.Random(2024)
    partial = 0
    for trial in range(KILL_TRIALS):
        db = tmp_path / f"killed-{trial}.sqlite"
        proc, started = start_ingest(db, files)
        time.sleep(max(0.0, started + rng.uniform(0, duration) - time.monotonic()))
        proc.kill()
        proc.wait(timeout=60)
        proc.stdout.close()
        if not db.exists():
            continue
        with HistoryStore(db) as store:
            assert store.integrity() == "ok"
            stored_files = {f.name for f in store.files()}
            counts = dict(store._conn.execute(
                "SELECT page_id, count(*) FROM posts GROUP BY page_id").fetchall())
            for name, (page_id, n) in sizes.items():
                assert counts.get(page_id, 0) == (n if name in stored_files else 0), name
            partial += 0 < len(stored_files) < len(files)
            report = ingest_sources(store, files)
            assert not report.bad
        pd.testing.assert_frame_equal(stored(db), expected)
    assert partial >= 3  # the kills did land between files, not only before or after


# -- store versions ---------------------------------------------------------------------

#: the tables of a version 1 store, as posttime wrote them before posts had titles.
V1_DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (id INTEGER PRIMARY KEY, name TEXT NOT NULL, path TEXT NOT NULL,
    source TEXT NOT NULL, sha256 TEXT NOT NULL UNIQUE, bytes INTEGER NOT NULL,
    format TEXT NOT NULL, rows INTEGER NOT NULL, posts INTEGER NOT NULL, as_of INTEGER,
    export_timezone TEXT NOT NULL, ingested_at INTEGER NOT NULL);
CREATE TABLE pages (page_id TEXT PRIMARY KEY, page_name TEXT NOT NULL, as_of INTEGER);
CREATE TABLE posts (post_id TEXT NOT NULL, page_id TEXT NOT NULL REFERENCES pages(page_id),
    published INTEGER NOT NULL, type TEXT, reach REAL, views REAL, reactions REAL,
    comments REAL, shares REAL, interactions REAL, clicks REAL, paid INTEGER NOT NULL,
    as_of INTEGER, file_id INTEGER NOT NULL REFERENCES files(id));
CREATE UNIQUE INDEX posts_key ON posts (page_id, post_id);
CREATE VIEW posts_readable AS
    SELECT p.post_id, p.page_id, g.page_name,
           strftime('%Y-%m-%dT%H:%M:%SZ', p.published / 1000000000, 'unixepoch') AS published,
           p.type, p.reach, p.views, p.reactions, p.comments, p.shares, p.interactions,
           p.clicks, p.paid, f.source,
           strftime('%Y-%m-%dT%H:%M:%SZ', p.as_of / 1000000000, 'unixepoch') AS as_of
    FROM posts AS p JOIN pages AS g USING (page_id) JOIN files AS f ON f.id = p.file_id;
CREATE VIEW files_readable AS SELECT id, name FROM files;
INSERT INTO meta VALUES ('schema_version', '1');
"""
V1_POSTS = ("post_id", "page_id", "published", "type", "reach", "views", "reactions",
            "comments", "shares", "interactions", "clicks", "paid", "as_of")


def v1_store(db: Path, posts: pd.DataFrame) -> pd.DataFrame:
    """A version 1 store holding ``posts`` as ingested from Business Suite exports (bare post
    ids); returns them as the store gives them back unmigrated (source "src", no titles)."""
    posts = schema.conform(posts.assign(source="src", title=pd.NA, permalink=pd.NA))
    conn = sqlite3.connect(db)
    conn.executescript(V1_DDL)
    conn.execute("INSERT INTO files VALUES (1, 'a.csv', 'a.csv', 'src', 'x', 1, "
                 "'business-suite-posts', "
                 f"{len(posts)}, {len(posts)}, NULL, 'UTC', 0)")
    conn.execute("INSERT INTO pages VALUES (?, ?, NULL)",
                 (posts["page_id"].iloc[0], posts["page_name"].iloc[0]))
    rows = [row[:len(V1_POSTS)] for row in store_module._rows(posts)]
    conn.executemany(f"INSERT INTO posts ({', '.join(V1_POSTS)}, file_id) "
                     f"VALUES ({', '.join('?' for _ in V1_POSTS)}, 1)", rows)
    conn.commit()
    conn.close()
    return posts


def columns_of(db: Path, table: str) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    finally:
        conn.close()


def test_a_version_1_store_is_read_as_it_is_when_opened_read_only(tmp_path, page):
    db = tmp_path / "h.sqlite"
    expected = v1_store(db, page.head(50))
    before = db.read_bytes()
    with HistoryStore(db, create=False) as store:
        back = store.posts()
        assert len(store.pages()) == 1
    schema.validate(back)
    assert back["title"].isna().all() and back["permalink"].isna().all()
    pd.testing.assert_frame_equal(by_key(back), by_key(expected))
    assert db.read_bytes() == before and "title" not in columns_of(db, "posts")


def test_a_version_1_store_is_migrated_when_opened_for_writing(tmp_path, page):
    db = tmp_path / "h.sqlite"
    stored = v1_store(db, page.head(50))
    # version 2 writes Business Suite post ids as PAGEID_POSTID, as the exports now load
    expected = stored.assign(post_id=(stored["page_id"] + "_" + stored["post_id"]).astype(
        stored["post_id"].dtype))
    with HistoryStore(db) as store:
        assert store._query("SELECT value FROM meta WHERE key = 'schema_version'") == [("2",)]
        pd.testing.assert_frame_equal(by_key(store.posts()), by_key(expected))
        readable = store._query("SELECT post_id, title, permalink FROM posts_readable")
        assert len(readable) == 50 and {r[1:] for r in readable} == {(None, None)}
        # an export of the same posts, a year later, brings their titles
        ingest_sources(store, [export(tmp_path, "Jan-01-2025_Dec-31-2025_1.csv", page)])
        posts = store.posts()
        assert store.integrity() == "ok"
    assert columns_of(db, "posts")[-2:] == ["title", "permalink"]
    assert len(posts) == 600 and posts["title"].notna().all()
    assert posts["permalink"].str.startswith("https://www.facebook.com/").all()
    with HistoryStore(db, create=False) as store:  # and reads as version 2
        assert store.posts()["title"].notna().all()


def test_a_migration_that_fails_leaves_the_version_1_store_as_it_was(tmp_path, page,
                                                                      monkeypatch):
    db = tmp_path / "h.sqlite"
    v1_store(db, page.head(20))
    monkeypatch.setattr(store_module, "_MIGRATE_1", [*store_module._MIGRATE_1, "NOT SQL"])
    with pytest.raises(InputError, match="syntax error"):
        HistoryStore(db)
    assert "title" not in columns_of(db, "posts")
    with HistoryStore(db, create=False) as store:
        assert store.version == 1 and len(store.posts()) == 20


@needs_real_exports
def test_the_real_business_suite_export_stores_titles_and_permalinks(tmp_path):
    path = REAL_EXPORTS / "business-suite" / "Sep-01-2025_Sep-30-2025_2855862537940540.csv"
    with HistoryStore(tmp_path / "h.sqlite") as store:
        ingest_sources(store, [path])
        posts = store.posts()
        row = store._query("SELECT title, permalink FROM posts_readable "
                           "WHERE post_id = '100064197037125_1168834171933140'")[0]
    pd.testing.assert_frame_equal(by_key(posts), by_key(load_exports([path]).posts))
    assert row[0].startswith("One more rig complete. One more client satisfied.")
    assert row[1].endswith("/posts/pfbid0XtazQHmuAmbSsMoJDjgYf6QdMNJTnHNf3kto2nKLfvGfHc7kbti5Zx"
                           "WiWLbYsWGKl")
    assert int(posts["title"].notna().sum()) == 80 and posts["permalink"].notna().all()


def test_a_newer_export_without_titles_keeps_the_stored_ones(tmp_path, page):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        ingest_sources(store, [export(tmp_path, "Jan-01-2024_Dec-31-2024_1.csv", page)])
        titled = by_key(store.posts())
        later = schema.conform(titled.drop(columns=["title", "permalink"]).assign(
            as_of=titled["as_of"] + pd.Timedelta(days=30), reach=titled["reach"] + 1))
        record = store_module.StoredFileRecord(
            name="later", path="later", source="later", sha256="later", bytes=1,
            format="test", rows=len(later), as_of=later["as_of"].max(), export_timezone="UTC")
        counts = store.add_file(record, later)
        back = by_key(store.posts())
    assert counts.updated == 600
    assert (back["reach"] == titled["reach"] + 1).all()
    assert back["title"].tolist() == titled["title"].tolist()
    assert back["permalink"].tolist() == titled["permalink"].tolist()
