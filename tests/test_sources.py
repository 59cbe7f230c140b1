"""Where a page's posts come from: files, folders, the sample and the history store."""

import shutil

import pytest

from posttime import sources
from posttime.errors import NoDataError, UsageError
from posttime.history import HistoryStore, ingest_sources
from posttime.samples import sample_paths


def test_a_folder_reads_as_its_csv_files(tmp_path):
    bakery, cafe = sample_paths(all=True)
    shutil.copy(bakery, tmp_path / bakery.name)
    (tmp_path / "notes.txt").write_text("not an export")
    from_folder = sources.from_files([tmp_path])
    from_file = sources.from_files([bakery])
    assert from_folder.name == from_file.name == "Sample Bakery"
    assert from_folder.posts.drop(columns="source").equals(from_file.posts.drop(columns="source"))
    assert from_folder.dropped == from_file.dropped
    assert [f.path for f in from_folder.loaded.files] == [str(tmp_path / bakery.name)]


def test_an_empty_folder_and_two_pages_are_refused(tmp_path):
    with pytest.raises(UsageError, match="holds no .csv files"):
        sources.from_files([tmp_path])
    with pytest.raises(UsageError, match=r"the input holds 2 pages .*choose one with --page"):
        sources.from_files(sample_paths(all=True))
    cafe = sources.from_files(sample_paths(all=True), "231456789012345")
    assert cafe.name == "231456789012345" and len(cafe.posts) == 300


def test_compare_sides_from_files_and_from_the_store(tmp_path):
    db = tmp_path / "history.sqlite"
    with pytest.raises(UsageError, match="Sample Bakery is neither an export file"):
        sources.pair(["Sample Bakery", sample_paths(all=True)[1]], db=db)
    with HistoryStore(db) as store:
        ingest_sources(store, sample_paths(all=True))
    stored_a, stored_b = sources.pair(["sample bakery", sample_paths(all=True)[1]], db=db)
    file_a, file_b = sources.pair([], sample=True)
    assert (stored_a.name, stored_b.name) == (file_a.name, file_b.name)
    assert len(stored_a.posts) == len(file_a.posts) == 1500
    assert stored_a.dropped is None and file_a.dropped is not None
    assert stored_a.export_timezones == ["America/Los_Angeles"]
    with pytest.raises(UsageError, match="compare takes two inputs"):
        sources.pair([sample_paths()[0]])


def test_an_empty_store_has_no_page(tmp_path):
    with HistoryStore(tmp_path / "h.sqlite") as store:
        with pytest.raises(NoDataError, match="holds no posts yet"):
            sources.in_store(store)
