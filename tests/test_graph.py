"""`posttime pull` and `posttime pages` against a Graph API replay server on 127.0.0.1."""

from __future__ import annotations

import json
import math
import os
import signal
import ssl
import stat
import subprocess
import sys
import time
import types

import httpx
import msgspec
import numpy as np
import pandas as pd
import pytest
from graph_replay import TOKEN, GraphReplay, Page, graph_error, graph_posts
from typer.testing import CliRunner

from posttime import cli as cli_module
from posttime import schema
from posttime.cli import app
from posttime.graph import client as graph_client
from posttime.graph import posts as graph_posts_module
from posttime.graph.client import (
    Backoff,
    GaveUp,
    GraphClient,
    GraphError,
    usage,
    without_token,
)
from posttime.graph.posts import Post, post_type
from posttime.history import HistoryStore

PAGE_ID = "100000000000042"
runner = CliRunner()
FIGURES = ["reactions", "comments", "shares", "interactions", "reach", "views", "clicks",
           "paid"]


def synthetic_posts(n: int = 230, seed: int = 5) -> pd.DataFrame:
    """A page of ``n`` posts of every type, some without a clicks figure."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2025-01-01", tz="UTC")
    published = start + pd.to_timedelta(np.sort(rng.integers(0, 300 * 86400, n)), unit="s")
    reactions, comments, shares = (rng.integers(0, 400, n).astype(float) for _ in range(3))
    shares[::4] = 0
    clicks = rng.integers(0, 900, n).astype(float)
    clicks[::7] = np.nan
    frame = pd.DataFrame({
        "post_id": [f"{PAGE_ID}_{7000000 + i}" for i in range(n)],
        "page_id": PAGE_ID,
        "page_name": "Harbour Bakery",
        "published": published,
        "type": rng.choice(list(schema.POST_TYPES), n),
        "reach": rng.integers(100, 9000, n).astype(float),
        "views": rng.integers(100, 20000, n).astype(float),
        "reactions": reactions,
        "comments": comments,
        "shares": shares,
        "interactions": reactions + comments + shares,
        "clicks": clicks,
        "paid": rng.random(n) < 0.1,
        "source": "synthetic",
        "as_of": pd.Timestamp("2025-11-01", tz="UTC"),
    })
    return schema.conform(frame)


def replay_of(posts: pd.DataFrame, **options) -> GraphReplay:
    pages = []
    for page_id, part in posts.groupby("page_id", observed=True, sort=True):
        regular, reels = graph_posts(part)
        pages.append(Page(str(page_id), str(part["page_name"].iat[0]), regular, reels))
    return GraphReplay(pages, **options)


@pytest.fixture
def cli(monkeypatch):
    """``cli(args, env)`` runs posttime with short timeouts and waits (retries take
    milliseconds) and small pages of results, leaving SIGPIPE as the replay server needs."""
    monkeypatch.setattr(graph_client, "BACKOFF_INITIAL", 0.01)
    monkeypatch.setattr(graph_client, "BACKOFF_CAP", 0.05)
    monkeypatch.setattr(graph_client, "READ_TIMEOUT", 0.3)
    monkeypatch.setattr(graph_client, "CONNECT_TIMEOUT", 0.3)
    monkeypatch.setattr(graph_posts_module, "PAGE_SIZE", 40)
    # the CLI's own SIGPIPE set-up only: the replay server sets the process's handler
    monkeypatch.setattr(cli_module, "signal", types.SimpleNamespace(
        signal=lambda *args: None, SIGPIPE=signal.SIGPIPE, SIG_DFL=signal.SIG_DFL))

    def invoke(args, env=None):
        return runner.invoke(app, [str(a) for a in args], env=env)

    return invoke


@pytest.fixture
def page():
    return synthetic_posts()


def pull(cli, server, db, *args, token=TOKEN):
    return cli(["pull", PAGE_ID, "--db", db, "--graph-url", server.url, *args],
               env={"POSTTIME_FB_TOKEN": token})


def same_posts(stored: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Post for post: id, time, type and every figure (missing stays missing)."""
    got = stored.set_index("post_id").sort_index()
    want = expected.set_index("post_id").sort_index()
    assert got.index.tolist() == want.index.tolist()
    assert (got["published"] == want["published"]).all()
    assert got["type"].astype(str).tolist() == want["type"].astype(str).tolist()
    for column in FIGURES:
        np.testing.assert_array_equal(got[column].to_numpy(), want[column].to_numpy(),
                                      err_msg=column)


def client_for(server, **options) -> GraphClient:
    backoff = Backoff(initial=0.01, cap=0.05, max_wait=options.pop("max_wait", 5.0))
    return GraphClient(TOKEN, base_url=server.url, backoff=backoff,
                       timeout=httpx.Timeout(0.3), **options)


# -- whole pulls --------------------------------------------------------------------------


def test_pull_stores_every_post_over_many_pages_of_results(tmp_path, cli, page):
    db = tmp_path / "history.sqlite"
    with replay_of(page) as server:
        result = pull(cli, server, db)
        listed = [r for r in server.requests if r[0].endswith("/published_posts")]
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    reels = int((page["type"] == "reel").sum())
    # 40 posts per page of results: every link followed, none assumed to be the last
    assert len(listed) == math.ceil((len(page) - reels) / 40)
    assert all("Bearer " in r[2]["Authorization"] and "access_token" not in r[1]
               for r in server.requests)
    with HistoryStore(db) as store:
        stored = store.posts()
        files = store.files()
    expected = page.copy()
    reel = expected["type"] == "reel"  # video_reels gives no shares and no boosts
    expected.loc[reel, "shares"] = np.nan
    expected.loc[reel, "paid"] = False
    expected.loc[reel, "interactions"] = expected["reactions"] + expected["comments"]
    same_posts(stored, expected)
    assert stored["page_name"].unique().tolist() == ["Harbour Bakery"]
    assert str(stored["published"].dt.tz) == "UTC"
    assert [f.format for f in files] == ["graph-api"]
    assert "v26.0" in stored["source"].iat[0]
    assert f"{len(page)} posts, {len(page)} new" in result.stderr


def test_pulling_again_counts_each_post_once_and_reads_only_recent_posts(tmp_path, cli, page):
    db = tmp_path / "history.sqlite"
    recent = pd.Timestamp.now(tz="UTC").floor("s") - pd.Timedelta(days=5)
    page["published"] += recent - page["published"].max()
    with replay_of(page) as server:
        assert pull(cli, server, db).exit_code == 0
        # the page's newest posts gain interactions before the second pull
        changed = [f"{PAGE_ID}_{p['id'].split('_')[1]}" for p in server.pages[PAGE_ID].posts[:3]]
        for post in server.pages[PAGE_ID].posts[:3]:
            post["reactions"]["summary"]["total_count"] += 1000
        server.requests.clear()
        again = pull(cli, server, db)
        sinces = {r[1].get("since") for r in server.requests if "published_posts" in r[0]}
    assert again.exit_code == 0, again.output
    read = int(again.stderr.split(": ")[1].split(" posts")[0])
    assert 0 < read < len(page) / 3
    with HistoryStore(db) as store:
        stored = store.posts()
        last = store.files()[0].as_of
    assert len(stored) == len(page)
    stored, page = stored.set_index("post_id"), page.set_index("post_id")
    assert (stored.loc[changed, "reactions"] == page.loc[changed, "reactions"] + 1000).all()
    others = stored.index.difference(changed)
    assert (stored.loc[others, "reactions"] == page.loc[others, "reactions"]).all()
    assert sinces == {str(int((last - pd.Timedelta(days=28)).timestamp()))}


def test_since_limits_the_pull(tmp_path, cli, page):
    db = tmp_path / "history.sqlite"
    with replay_of(page) as server:
        result = pull(cli, server, db, "--since", "2025-08-01")
    assert result.exit_code == 0, result.output
    with HistoryStore(db) as store:
        stored = store.posts()
    expected = page[page["published"] >= pd.Timestamp("2025-08-01", tz="UTC")]
    assert 0 < len(stored) == len(expected) < len(page)


def test_a_metric_the_api_calls_invalid_is_dropped_and_the_others_stored(tmp_path, cli, page):
    db = tmp_path / "history.sqlite"
    with replay_of(page, invalid_metrics=("post_clicks",)) as server:
        result = pull(cli, server, db)
    assert result.exit_code == 0, result.output
    assert "no longer gives post_clicks (clicks)" in result.stderr
    with HistoryStore(db) as store:
        stored = store.posts().set_index("post_id").sort_index()
    want = page.set_index("post_id").sort_index()
    assert stored["clicks"].isna().all()  # missing, never 0
    np.testing.assert_array_equal(stored["reach"].to_numpy(), want["reach"].to_numpy())
    np.testing.assert_array_equal(stored["views"].to_numpy(), want["views"].to_numpy())


def test_an_expired_token_stops_with_one_line_and_leaks_nowhere(tmp_path, cli, page):
    db = tmp_path / "history.sqlite"
    token_file = tmp_path / "token"
    stale = "EAAstaletoken0987654321"
    token_file.write_text(stale + "\n")
    token_file.chmod(0o600)
    with replay_of(page) as server:
        result = pull(cli, server, db, "--token-file", token_file, token="")
        headers = [r[2].get("Authorization") for r in server.requests]
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: the access token is expired")
    assert "new Page access token" in lines[0]
    assert headers == [f"Bearer {stale}"]  # not retried, sent as a header
    assert stale not in result.stdout + result.stderr
    for path in tmp_path.glob("history.sqlite*"):
        assert stale.encode() not in path.read_bytes()


def test_the_token_is_never_in_a_url_nor_in_the_store(tmp_path, cli, page):
    db = tmp_path / "history.sqlite"
    with replay_of(page) as server:
        result = pull(cli, server, db)
        paths = [r[0] + json.dumps(r[1]) for r in server.requests]
    assert result.exit_code == 0
    assert not any(TOKEN in p for p in paths)
    assert TOKEN not in result.stdout + result.stderr
    for path in tmp_path.glob("history.sqlite*"):
        assert TOKEN.encode() not in path.read_bytes()


def test_a_truncated_answer_writes_nothing_and_says_so(tmp_path, cli, page):
    db = tmp_path / "history.sqlite"
    with replay_of(page) as server:
        server.add_fault("published_posts", after=2, raw=b'{"data": [{"id": "1000_2", "creat')
        result = pull(cli, server, db)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: GET /v26.0/")
    assert "not complete JSON" in result.stderr and len(result.stderr.splitlines()) == 1
    with HistoryStore(db) as store:
        assert store.posts().empty and store.files() == []


def test_a_failing_second_page_keeps_the_first_and_says_what_was_stored(tmp_path, cli, page):
    other = synthetic_posts(60, seed=9)
    other["page_id"] = "100000000000077"
    other["post_id"] = other["post_id"].str.replace(PAGE_ID, "100000000000077")
    other["page_name"] = "Quay Cafe"
    db = tmp_path / "history.sqlite"
    with replay_of(pd.concat([page, other])) as server:
        server.add_fault("100000000000077/published_posts", status=400,
                         body=graph_error(190, "Session has expired"))
        result = cli(["pull", PAGE_ID, "100000000000077", "--db", db, "--graph-url",
                      server.url], env={"POSTTIME_FB_TOKEN": TOKEN})
    assert result.exit_code == 2
    assert "stored: Harbour Bakery (230 posts); page 100000000000077 was not stored" in (
        result.stderr)
    with HistoryStore(db) as store:
        assert store.pages()["page_name"].tolist() == ["Harbour Bakery"]


def test_rate_limits_beyond_max_wait_stop_with_when_to_try_again(tmp_path, cli, page):
    db = tmp_path / "history.sqlite"
    usage_header = json.dumps({PAGE_ID: [{"type": "pages", "call_count": 100,
                                          "estimated_time_to_regain_access": 30}]})
    with replay_of(page) as server:
        server.add_fault("published_posts", status=400, body=graph_error(80001, "Too many"),
                         headers={"X-Business-Use-Case-Usage": usage_header})
        result = pull(cli, server, db, "--max-wait", "1")
    assert result.exit_code == 2
    assert "rate limit reached" in result.stderr
    assert "nothing was stored" in result.stderr and "try again after" in result.stderr
    with HistoryStore(db) as store:
        assert store.posts().empty


def test_a_missing_permission_is_named_and_not_retried(tmp_path, cli, page):
    db = tmp_path / "history.sqlite"
    with replay_of(page) as server:
        server.add_fault("published_posts", status=403, body=graph_error(
            10, "(#10) This endpoint requires the 'read_insights' permission"))
        result = pull(cli, server, db)
        calls = [r for r in server.requests if "published_posts" in r[0]]
    assert result.exit_code == 2
    assert "lacks the permission read_insights" in result.stderr
    assert len(calls) == 1


def test_pages_and_pull_list_show_the_pages_the_token_reads(tmp_path, cli, page):
    accounts = [{"id": str(100 + i), "name": f"Page {i}", "category": "Bakery"}
                for i in range(5)]
    with replay_of(page, accounts=accounts) as server:
        env = {"POSTTIME_FB_TOKEN": TOKEN, "POSTTIME_GRAPH_URL": server.url}
        listed = cli(["pages"], env=env)
        also = cli(["pull", "--list"], env=env)
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == [f"{100 + i}  Page {i}  (Bakery)" for i in range(5)]
    assert also.stdout == listed.stdout


def test_a_token_file_others_can_read_is_warned_about(tmp_path, cli, page):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    token_file.chmod(0o644)
    with replay_of(page) as server:
        result = pull(cli, server, tmp_path / "h.sqlite", "--token-file", token_file, token="")
    assert result.exit_code == 0, result.output
    assert f"Warning: token file {token_file} may be read by other users" in result.stderr
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o644


@pytest.mark.parametrize(("args", "message"), [
    (["--api-version", "26"], "--api-version takes a version like v26.0"),
    (["--graph-url", "graph.facebook.com"], "--graph-url takes an http://"),
    (["--since", "1/2/2025"], "--since takes a date as YYYY-MM-DD"),
    (["--token-file", "/nonexistent/token"], "token file /nonexistent/token does not exist"),
])
def test_bad_options_are_one_error_line(tmp_path, args, message):
    result = runner.invoke(app, ["pull", PAGE_ID, "--db", str(tmp_path / "h.sqlite"), *args],
                           env={"POSTTIME_FB_TOKEN": TOKEN})
    assert result.exit_code == 2
    assert result.stderr.startswith(f"Error: {message}")
    assert len(result.stderr.splitlines()) == 1


def test_no_token_is_an_error(tmp_path):
    result = runner.invoke(app, ["pull", PAGE_ID, "--db", str(tmp_path / "h.sqlite")],
                           env={"POSTTIME_FB_TOKEN": ""})
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: no access token: give --token-file PATH or set "
                                    "POSTTIME_FB_TOKEN")


def test_help():
    for command in ("pull", "pages"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "token" in result.stdout


# -- the client's retries -------------------------------------------------------------------


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_a_rate_limit_error_waits_at_least_a_second_then_succeeds(page):
    usage_header = json.dumps({PAGE_ID: [{"type": "pages", "call_count": 100,
                                          "estimated_time_to_regain_access": 0}]})
    sleeps = Sleeps()
    with replay_of(page) as server, client_for(server, sleep=sleeps) as client:
        server.add_fault(PAGE_ID, status=400, body=graph_error(80001, "Too many calls"),
                         headers={"X-Business-Use-Case-Usage": usage_header})
        answer = client.get(PAGE_ID, {"fields": "id,name"})
    assert answer == {"id": PAGE_ID, "name": "Harbour Bakery"}
    assert sleeps == [1.0]


def test_max_wait_bounds_the_waiting_of_all_calls_together(page):
    sleeps = Sleeps()
    with replay_of(page) as server, client_for(server, sleep=sleeps, max_wait=1.5) as client:
        server.add_fault(PAGE_ID, status=400, body=graph_error(17, "User request limit"))
        client.get(PAGE_ID)
        server.add_fault(PAGE_ID, status=400, body=graph_error(17, "User request limit"))
        with pytest.raises(GaveUp) as info:
            client.get(PAGE_ID)
    assert sleeps == [1.0]
    assert "1 s of waiting in all reached the --max-wait limit" in str(info.value)
    assert info.value.retry_after == 1.0


def test_the_wait_the_api_asks_for_is_kept(page):
    usage_header = json.dumps({PAGE_ID: [{"type": "pages", "call_count": 100,
                                          "estimated_time_to_regain_access": 2}]})
    sleeps = Sleeps()
    with replay_of(page) as server, client_for(server, sleep=sleeps, max_wait=600) as client:
        server.add_fault(PAGE_ID, status=400, body=graph_error(4, "Application request limit"),
                         headers={"X-Business-Use-Case-Usage": usage_header})
        client.get(PAGE_ID)
    assert sleeps == [120.0]


@pytest.mark.parametrize("fault", [
    {"status": 500, "raw": b"<html>Internal Server Error</html>"},
    {"status": 500, "body": graph_error(2, "Service temporarily unavailable")},
    {"status": 400, "body": graph_error(1, "An unknown error occurred", is_transient=True)},
    {"delay": 0.6, "body": {"id": "0", "name": "late"}},
])
def test_passing_faults_are_retried_with_backoff(page, fault):
    sleeps = Sleeps()
    with replay_of(page) as server, client_for(server, sleep=sleeps) as client:
        server.add_fault(PAGE_ID, **fault)
        started = time.monotonic()
        answer = client.get(PAGE_ID, {"fields": "id,name"})
    assert answer == {"id": PAGE_ID, "name": "Harbour Bakery"}
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 0.05
    assert time.monotonic() - started < 2.0


def test_high_usage_slows_the_client_down(page):
    sleeps = Sleeps()
    usage_figures = {"call_count": 90, "total_time": 10, "total_cputime": 10}
    with replay_of(page, usage=usage_figures) as server, client_for(server, sleep=sleeps) as c:
        c.get(PAGE_ID)
        c.get(PAGE_ID)
    assert sleeps == [pytest.approx(graph_client.SLOW_DOWN_FULL * (90 - 75) / 25)]


def test_an_unreachable_host_is_one_clear_error():
    with GraphClient(TOKEN, base_url="http://127.0.0.1:9",
                     timeout=httpx.Timeout(0.3)) as client, pytest.raises(GraphError) as info:
        client.get(PAGE_ID)
    assert "cannot connect to http://127.0.0.1:9" in str(info.value)


def test_an_answer_in_another_shape_is_one_error_line_and_nothing_stored(tmp_path, cli, page):
    db = tmp_path / "history.sqlite"
    with replay_of(page) as server:
        server.add_fault("published_posts", after=1, body={"data": [
            {"id": f"{PAGE_ID}_1", "created_time": "2025-03-01T10:00:00+0000"},
            {"created_time": "2025-03-01T09:00:00+0000", "message": TOKEN}]})
        result = pull(cli, server, db)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: GET /v26.0/")
    assert "not in the shape posttime reads" in lines[0]
    assert "Object missing required field `id` - at `$.data[1]`" in lines[0]
    assert TOKEN not in result.stderr
    with HistoryStore(db) as store:
        assert store.posts().empty and store.files() == []


def test_an_error_that_is_not_an_object_is_one_clear_error(page):
    with replay_of(page) as server, client_for(server) as client:
        server.add_fault(PAGE_ID, status=400, body={"error": "Service   down"})
        with pytest.raises(GraphError) as info:
            client.get(PAGE_ID)
    assert str(info.value) == f"GET /v26.0/{PAGE_ID}: Graph API error: Service down"


# -- pieces ---------------------------------------------------------------------------------


def test_clients_share_one_tls_context_that_checks_certificates():
    context = graph_client.tls()
    assert context is graph_client.tls()
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] > 0
    with GraphClient(TOKEN) as one, GraphClient(TOKEN) as two:
        pools = [c._http._transport._pool for c in (one, two)]
    assert all(pool._ssl_context is context for pool in pools)


def test_usage_reads_both_headers():
    headers = httpx.Headers({
        "X-App-Usage": json.dumps({"call_count": 12, "total_time": 80, "total_cputime": 3}),
        "X-Business-Use-Case-Usage": json.dumps({"1": [
            {"type": "pages", "call_count": 40, "total_cputime": 5, "total_time": 6,
             "estimated_time_to_regain_access": 3}]}),
    })
    assert usage(headers) == (80.0, 180.0)
    assert usage(httpx.Headers({"X-App-Usage": "not json"})) == (0.0, None)


@pytest.mark.parametrize(("query", "kept"), [
    (f"access_token={TOKEN}&after=Q&limit=5", "?after=Q&limit=5"),
    (f"fields=id%2Cinsights.metric(a,b)&after=Q&access_token={TOKEN}",
     "?fields=id%2Cinsights.metric(a,b)&after=Q"),
    (f"access_token={TOKEN}", ""),
    (f"after=Q&access%5Ftoken={TOKEN}&access_token={TOKEN}&limit=5", "?after=Q&limit=5"),
])
def test_next_links_lose_their_token(query, kept):
    url = f"https://graph.facebook.com/v26.0/1/published_posts?{query}"
    assert without_token(url) == f"https://graph.facebook.com/v26.0/1/published_posts{kept}"


@pytest.mark.parametrize(("post", "kind"), [
    ({"attachments": {"data": [{"media_type": "photo", "type": "photo"}]}}, "photo"),
    ({"attachments": {"data": [{"media_type": "album", "type": "album"}]}}, "photo"),
    ({"attachments": {"data": [{"media_type": "video", "type": "video_inline"}]}}, "video"),
    ({"attachments": {"data": [{"media_type": "link", "type": "share"}]}}, "link"),
    ({"attachments": {"data": [{"type": "share"}]}}, "link"),
    ({"status_type": "mobile_status_update"}, "text"),
    ({"status_type": "added_video"}, "video"),
    ({"permalink_url": "https://www.facebook.com/reel/123"}, "reel"),
    ({"attachments": {"data": [{"media_type": "event", "type": "event"}]}}, "other"),
])
def test_post_types_agree_with_the_export_loaders(post, kind):
    assert post_type(msgspec.convert({"id": "1_2", "created_time": "", **post}, Post)) == kind


def test_posts_become_the_clean_post_table_as_the_api_gives_them():
    body = json.dumps({"data": [
        {"id": "77", "created_time": "2025-03-01T10:00:00+0000", "status_type": "added_photos",
         "reactions": {"data": [], "summary": {"total_count": "12", "can_like": True}},
         "comments": {"summary": {"total_count": 3}}, "shares": {"count": None},
         "promotion_status": "finished", "message": "Fresh bread at 7",
         "permalink_url": "https://www.facebook.com/harbour/posts/pfbid077",
         "insights": {"data": [
             {"name": "post_clicks", "period": "lifetime", "values": [{"value": 4}, {"value": 9}]},
             {"name": "post_reactions_by_type_total", "values": [{"value": {"like": 1}}]},
             {"name": "post_media_view", "values": []}]}},
        {"id": f"{PAGE_ID}_78", "created_time": "2025-03-02T23:59:59-0800", "message": ""},
        {"id": f"{PAGE_ID}_77", "created_time": "2025-03-03T10:00:00+0000"},
    ]}).encode()
    posts = graph_client.decoder(graph_client.Listing[Post]).decode(body).data
    reels = [Post(id=5, post_id="79", created_time="2025-03-04T08:00:00+0000",
                  shares=graph_posts_module.Shares(count=2.0), description="Our ovens",
                  permalink_url="https://www.facebook.com/reel/79")]
    table = graph_posts_module.to_table(posts, reels, page_id=PAGE_ID, page_name="Harbour",
                                        source="test", as_of=pd.Timestamp("2025-04-01", tz="UTC"))
    assert table["post_id"].tolist() == [f"{PAGE_ID}_77", f"{PAGE_ID}_78", f"{PAGE_ID}_79"]
    assert table["published"].tolist() == [pd.Timestamp(t, tz="UTC") for t in (
        "2025-03-01 10:00:00", "2025-03-03 07:59:59", "2025-03-04 08:00:00")]
    assert table["type"].astype(str).tolist() == ["photo", "text", "reel"]
    np.testing.assert_array_equal(table["reactions"], [12, np.nan, np.nan])
    np.testing.assert_array_equal(table["comments"], [3, np.nan, np.nan])
    # shares: none given is 0 on a post; a Reel's stay missing
    np.testing.assert_array_equal(table["shares"], [0, 0, np.nan])
    np.testing.assert_array_equal(table["interactions"], [15, 0, np.nan])
    # the last value of a metric; a metric without values stays missing
    np.testing.assert_array_equal(table["clicks"], [9, np.nan, np.nan])
    assert table[["reach", "views"]].isna().all().all()
    assert table["paid"].tolist() == [True, False, False]
    # a post's message and a Reel's description are titles; blank text is missing
    assert table["title"].tolist() == ["Fresh bread at 7", pd.NA, "Our ovens"]
    assert table["permalink"].tolist() == ["https://www.facebook.com/harbour/posts/pfbid077",
                                           pd.NA, "https://www.facebook.com/reel/79"]
    assert table.dtypes.to_dict() == {c: table[c].dtype for c in schema.COLUMNS}


# -- weekly and analyze with --pull ---------------------------------------------------------


def test_weekly_pull_reports_the_week_of_the_pulled_posts(tmp_path, cli, page):
    db = tmp_path / "history.sqlite"
    with replay_of(page) as server:
        result = cli(["weekly", "--pull", PAGE_ID, "--db", db, "--graph-url", server.url,
                      "--week", "2025-W20", "--tz", "UTC", "--format", "json"],
                     env={"POSTTIME_FB_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    week = page[(page["published"] >= pd.Timestamp("2025-05-12", tz="UTC"))
                & (page["published"] < pd.Timestamp("2025-05-19", tz="UTC"))]
    assert report["page"] == "Harbour Bakery"
    assert report["posts_this_week"] == len(week) > 0
    assert report["posts_in_history"] == len(page)
    assert f"Pulled Harbour Bakery ({PAGE_ID})" in result.stderr


def test_analyze_pull_then_analyze_db_read_the_same_posts(tmp_path, cli, page):
    db = tmp_path / "history.sqlite"
    options = ["--tz", "UTC", "--format", "json"]
    with replay_of(page) as server:
        pulled = cli(["analyze", "--pull", PAGE_ID, "--db", db, "--graph-url", server.url,
                      *options], env={"POSTTIME_FB_TOKEN": TOKEN})
    stored = cli(["analyze", "--db", db, *options])
    assert pulled.exit_code == 0, pulled.output
    assert stored.exit_code == 0, stored.output
    result = json.loads(stored.stdout)
    assert result["posts_used"] + sum(result["excluded"].values()) == len(page)
    assert result["excluded"]["paid"] == int(page["paid"][page["type"] != "reel"].sum())
    assert json.loads(pulled.stdout) == result


def test_analyze_takes_files_or_a_pull_not_both(tmp_path, cli):
    result = cli(["analyze", "--sample", "--pull", PAGE_ID, "--db", tmp_path / "h.sqlite"],
                 env={"POSTTIME_FB_TOKEN": TOKEN})
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: give export files or --pull, not both")
    assert not (tmp_path / "h.sqlite").exists()


def test_weekly_pull_without_a_token_creates_no_store(tmp_path, cli):
    db = tmp_path / "history.sqlite"
    result = cli(["weekly", "--pull", PAGE_ID, "--db", db], env={"POSTTIME_FB_TOKEN": ""})
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: no access token")
    assert not db.exists()


@pytest.mark.slow
def test_a_pull_killed_midway_leaves_a_sound_store_and_the_next_pull_continues(tmp_path, page):
    other = synthetic_posts(60, seed=9)
    other["page_id"] = "100000000000077"
    other["post_id"] = other["post_id"].str.replace(PAGE_ID, "100000000000077")
    other["page_name"] = "Quay Cafe"
    db = tmp_path / "history.sqlite"
    command = [sys.executable, "-m", "posttime", "pull", PAGE_ID, "100000000000077",
               "--db", str(db)]
    with replay_of(pd.concat([page, other])) as server:
        env = {**os.environ, "POSTTIME_FB_TOKEN": TOKEN, "POSTTIME_GRAPH_URL": server.url}
        server.add_fault("100000000000077/published_posts", delay=3.0,
                         body={"data": [], "paging": {}})
        process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while not any("100000000000077/published_posts" in r[0] for r in server.requests):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.02)
        process.kill()
        process.wait()
        with HistoryStore(db) as store:
            assert store.integrity() == "ok"
            assert store.pages()["page_name"].tolist() == ["Harbour Bakery"]
            assert len(store.posts()) == len(page)
        again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    with HistoryStore(db) as store:
        assert store.pages()["page_name"].tolist() == ["Harbour Bakery", "Quay Cafe"]
        assert len(store.posts()) == len(page) + len(other)
