"""Pulling the posts of real exports, replayed in the Graph API's shapes, gives the same
posts and the same weekly report as ingesting the exports."""

from __future__ import annotations

import json
import shutil
import signal
import types
from pathlib import Path

import msgspec
import numpy as np
import pytest
from conftest import REAL_EXPORTS, needs_real_exports
from graph_replay import TOKEN, GraphReplay, Page, graph_posts
from typer.testing import CliRunner

from posttime import cli as cli_module
from posttime.analysis import too_recent
from posttime.cli import app
from posttime.history import HistoryStore, ingest_sources
from posttime.loaders import load_exports

pytestmark = needs_real_exports
TRITON = REAL_EXPORTS / "legacy-insights-post-level"
BUSINESS_SUITE = REAL_EXPORTS / "business-suite" / "Sep-01-2025_Sep-30-2025_2855862537940540.csv"
runner = CliRunner()


@pytest.fixture
def cli(monkeypatch):
    """``cli(args, env)`` runs posttime, leaving SIGPIPE as the replay server needs."""
    # the CLI's own SIGPIPE set-up only: the replay server sets the process's handler
    monkeypatch.setattr(cli_module, "signal", types.SimpleNamespace(
        signal=lambda *args: None, SIGPIPE=signal.SIGPIPE, SIG_DFL=signal.SIG_DFL))

    def invoke(args, env=None):
        return runner.invoke(app, [str(a) for a in args], env=env)

    return invoke


@pytest.fixture(scope="module")
def triton_store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("triton") / "exports.sqlite"
    with HistoryStore(db) as store:
        assert not ingest_sources(store, [TRITON]).bad
    return db


@pytest.fixture
def ingested(tmp_path, triton_store) -> Path:
    """A copy of the store of the Triton exports, for one test to change."""
    db = tmp_path / "exports.sqlite"
    shutil.copyfile(triton_store, db)
    return db


def replay(posts) -> GraphReplay:
    regular, reels = graph_posts(posts)
    page_id = str(posts["page_id"].iat[0])
    return GraphReplay([Page(page_id, str(posts["page_name"].iat[0]), regular, reels)])


def test_pulled_triton_posts_equal_the_ingested_ones(tmp_path, cli, ingested):
    with HistoryStore(ingested) as store:
        exported = store.posts()
    db = tmp_path / "pulled.sqlite"
    with replay(exported) as server:
        result = cli(["pull", exported["page_id"].iat[0], "--db", db, "--graph-url",
                      server.url], env={"POSTTIME_FB_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    with HistoryStore(db) as store:
        pulled = store.posts()
    assert len(pulled) == len(exported) == 161
    got, want = (t.set_index("post_id").sort_index() for t in (pulled, exported))
    assert got.index.tolist() == want.index.tolist()
    assert got.index.str.fullmatch(r"882604215147359_\d+").all()
    assert (got["published"] == want["published"]).all()
    for column in ("reactions", "comments", "shares", "interactions", "reach", "views",
                   "clicks", "paid"):
        np.testing.assert_array_equal(got[column].to_numpy(), want[column].to_numpy())
    assert got["type"].astype(str).tolist() == want["type"].astype(str).tolist()
    # the post's text is its title, and its permalink is kept
    for column in ("title", "permalink"):
        assert got[column].notna().sum() > 100
        assert got[column].fillna("").tolist() == want[column].fillna("").tolist()


def test_pulling_into_the_store_of_the_exports_adds_no_post(tmp_path, cli, ingested):
    with HistoryStore(ingested) as store:
        exported = store.posts()
    with replay(exported) as server:
        result = cli(["pull", exported["page_id"].iat[0], "--db", ingested, "--graph-url",
                      server.url], env={"POSTTIME_FB_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    assert "161 posts, 0 new, 161 updated" in result.stderr
    with HistoryStore(ingested) as store:
        assert len(store.posts()) == 161


def test_weekly_pull_gives_the_report_of_weekly_after_ingest(tmp_path, cli, ingested):
    with HistoryStore(ingested) as store:
        exported = store.posts()
    page_id = exported["page_id"].iat[0]
    week = ["--week", "2017-W46", "--tz", "America/Los_Angeles", "--format", "json"]
    after_ingest = cli(["weekly", "--db", ingested, *week])
    # A post younger than 7 days at its export is still collecting interactions, and the
    # analysis leaves it out; pulled now, its figures would count as final. The replay
    # serves the other posts, with the figures of the exports.
    settled = exported[~too_recent(exported["published"], exported["as_of"])]
    assert len(settled) == 154
    with replay(settled) as server:
        pulled = cli(["weekly", "--pull", page_id, "--db", ingested, "--graph-url",
                      server.url, *week], env={"POSTTIME_FB_TOKEN": TOKEN})
    assert after_ingest.exit_code == 0, after_ingest.output
    assert pulled.exit_code == 0, pulled.output
    assert "154 posts, 0 new, 154 updated" in pulled.stderr
    a, b = json.loads(after_ingest.stdout), json.loads(pulled.stdout)
    assert len(a["posts"]) == 15
    assert a == b


def test_a_business_suite_post_pulled_lands_in_the_same_weekday_and_hour():
    posts = load_exports([BUSINESS_SUITE]).posts
    page_id = str(posts["page_id"].iat[0])
    # the export's bare post ids load in the Graph API's PAGEID_POSTID form
    assert posts["post_id"].str.startswith(page_id + "_").all()
    regular, reels = graph_posts(posts)
    from posttime.graph.posts import Post, to_table

    pulled = to_table(msgspec.convert(regular, list[Post]), msgspec.convert(reels, list[Post]),
                      page_id=page_id, page_name="PC Merchandise", source="replay",
                      as_of=posts["as_of"].max())
    got = pulled.set_index("post_id").sort_index()
    want = posts.set_index("post_id").sort_index()
    assert len(got) == len(want) == 81
    local = "America/Los_Angeles"
    for frame in (got, want):
        frame["slot"] = frame["published"].dt.tz_convert(local).dt.strftime("%a %H")
    assert (got["slot"] == want["slot"]).all()
    assert (got["type"].astype(str) == want["type"].astype(str)).all()
