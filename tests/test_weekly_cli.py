"""`posttime ingest`, `posttime history` and `posttime weekly` from the command line."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from conftest import REAL_EXPORTS, needs_real_exports
from typer.testing import CliRunner

from posttime.cli import app
from posttime.history import HistoryStore
from posttime.simulate import PageSpec, simulate_posts, write_business_suite

LA = ["--tz", "America/Los_Angeles"]
LEGACY = REAL_EXPORTS / "legacy-insights-post-level"
runner = CliRunner()


def invoke(*args, env=None):
    return runner.invoke(app, [str(a) for a in args], env=env)


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> Path:
    """A folder with two overlapping exports of a simulated page (posts to 2024-12-26)."""
    folder = tmp_path_factory.mktemp("exports")
    page = simulate_posts(PageSpec(n_posts=700, years=1.0, seed=8, start="2024-01-01"))
    page = page[page["published"] < pd.Timestamp("2024-12-27", tz="UTC")]
    write_business_suite(page[page["published"] < pd.Timestamp("2024-10-01", tz="UTC")],
                         folder / "Jan-01-2024_Sep-30-2024_1.csv")
    write_business_suite(page, folder / "Jan-01-2024_Dec-26-2024_1.csv")
    return folder


@pytest.fixture
def db(tmp_path, exports) -> Path:
    path = tmp_path / "store" / "history.sqlite"
    assert invoke("ingest", exports, "--db", path).exit_code == 0
    return path


# -- ingest -----------------------------------------------------------------------------


def test_ingest_reports_each_file_on_stderr(tmp_path, exports):
    path = tmp_path / "h.sqlite"
    result = invoke("ingest", exports, "--db", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"Ingested {exports / 'Jan-01-2024_Dec-26-2024_1.csv'}")
    assert "new" in lines[0]
    assert re.search(r"History .*: \d+ posts of 1 page from 2 files\.", lines[-1])
    again = invoke("ingest", exports, "--db", path)
    assert again.exit_code == 0
    assert again.stderr.count("Already ingested: ") == 2
    assert "\x1b[" not in result.stderr + again.stderr  # no colour when not on a terminal


def test_ingest_reads_the_store_path_from_the_environment(tmp_path, exports):
    path = tmp_path / "env.sqlite"
    result = invoke("ingest", exports, env={"POSTTIME_DB": str(path)})
    assert result.exit_code == 0, result.output
    with HistoryStore(path, create=False) as store:
        assert len(store.files()) == 2


def test_ingest_goes_on_after_a_bad_file_and_exits_2(tmp_path, exports):
    bad = tmp_path / "broken.csv"
    bad.write_text("nothing,here\n1,2\n")
    path = tmp_path / "h.sqlite"
    result = invoke("ingest", bad, exports, tmp_path / "missing.csv", "--db", path)
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 2
    assert str(bad) in errors[0] and "missing.csv" in errors[1]
    assert "Traceback" not in result.output
    with HistoryStore(path, create=False) as store:
        assert len(store.files()) == 2


@needs_real_exports
def test_ingest_skips_page_level_files(tmp_path):
    result = invoke("ingest", REAL_EXPORTS / "business-suite", "--db", tmp_path / "h.sqlite")
    assert result.exit_code == 0, result.output
    assert result.stderr.count("Skipped ") == 5
    assert "page-level data" in result.stderr


def test_ingest_bad_options_are_one_line_errors(tmp_path, exports):
    result = invoke("ingest", exports, "--db", tmp_path, "--export-tz", "Mars/Base")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: unknown time zone 'Mars/Base' for --export-tz")
    result = invoke("ingest", exports, "--db", tmp_path)
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: history store {tmp_path} is a folder; give a file name, e.g. "
        f"{tmp_path / 'history.sqlite'}"]


@pytest.mark.parametrize("command", ["ingest", "history", "weekly"])
def test_help(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "--db" in result.stdout and "POSTTIME_DB" in result.stdout


# -- history ----------------------------------------------------------------------------


def test_history_table_and_json(db):
    result = invoke("history", "--db", db)
    assert result.exit_code == 0, result.output
    assert "Sample Page" in result.stdout and "Jan-01-2024_Dec-26-2024_1.csv" in result.stdout
    data = json.loads(invoke("history", "--db", db, "--format", "json").stdout)
    assert list(data) == ["db", "posts", "first", "last", "pages", "files"]
    assert data["pages"][0]["page_name"] == "Sample Page"
    assert data["posts"] == data["pages"][0]["posts"]
    assert [f["name"] for f in data["files"]] == ["Jan-01-2024_Dec-26-2024_1.csv",
                                                  "Jan-01-2024_Sep-30-2024_1.csv"]
    assert all(len(f["sha256"]) == 64 for f in data["files"])


def test_history_without_a_store_or_with_a_bad_format(tmp_path, db):
    result = invoke("history", "--db", tmp_path / "none.sqlite")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no history store at")
    result = invoke("history", "--db", db, "--format", "xml")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("Error: unknown format 'xml' for --format; choose one "
                                     "of: table, json")


# -- weekly -----------------------------------------------------------------------------


def weekly(db, *args, env=None):
    return invoke("weekly", "--db", db, *LA, *args, env=env)


def test_weekly_json_keys_and_provisional_posts(db):
    result = weekly(db, "--week", "2024-W51", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["week", "timezone", "page", "posts_this_week", "posts_in_history",
                          "posts", "comparison", "recommendations", "changes", "suggestion",
                          "experiment", "headline"]
    assert data["week"] == "2024-W51" and data["timezone"] == "America/Los_Angeles"
    assert data["posts_this_week"] == len(data["posts"]) > 0
    assert list(data["posts"][0]) == ["post_id", "published", "weekday", "hour", "type",
                                      "interactions", "expected", "vs_expected", "provisional",
                                      "title", "permalink"]
    assert all(p["title"] and p["permalink"].startswith("https://www.facebook.com/")
               for p in data["posts"])
    flags = [p["provisional"] for p in data["posts"]]
    assert any(flags) and not all(flags)
    as_of = pd.Timestamp(json.loads(invoke("history", "--db", db, "-f", "json").stdout)
                         ["pages"][0]["as_of"])
    for p in data["posts"]:
        young = pd.Timestamp(p["published"]) > as_of - pd.Timedelta(days=7)
        assert p["provisional"] == young


@pytest.mark.parametrize("fmt", ["markdown", "text", "html"])
def test_weekly_formats(db, fmt):
    result = weekly(db, "--week", "2024-W30", "--format", fmt)
    assert result.exit_code == 0, result.output
    out = result.stdout
    data = json.loads(weekly(db, "--week", "2024-W30", "--format", "json").stdout)
    assert data["headline"].split(".")[0] in out
    assert "\x1b[" not in out
    if fmt == "markdown":
        assert out.startswith("# Week 2024-W30: Sample Page")
        assert "| When | Type | Interactions | Expected | vs expected |" in out
    elif fmt == "text":
        assert "|" not in out and "**" not in out
        assert "Posts of the week" in out
    else:
        assert out.startswith("<!DOCTYPE html>") and "<svg" in out


def test_weekly_bad_format_and_week_are_usage_errors(db):
    result = weekly(db, "--format", "pdf")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("Error: unknown format 'pdf' for --format; choose one of: "
                                     "markdown, text, json, html")
    result = weekly(db, "--week", "2024-53")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("Error: --week takes an ISO week like 2025-W07, not "
                                     "'2024-53'")


def test_an_empty_week_is_a_report_that_says_so(db):
    result = weekly(db, "--week", "2022-W10")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# Week 2022-W10: Sample Page\n\n**No posts in 2022-W10.**")
    assert "No posts were published this week." in result.stdout
    data = json.loads(weekly(db, "--week", "2022-W10", "--format", "json").stdout)
    assert data["posts_this_week"] == 0 and data["posts"] == []
    assert data["posts_in_history"] > 0


def test_weekly_without_a_store_exits_1(tmp_path):
    result = weekly(tmp_path / "none.sqlite")
    assert result.exit_code == 1
    assert "no history store" in result.stderr


def test_weekly_ingests_first_and_writes_atomically(tmp_path, exports):
    out_dir = tmp_path / "reports"
    out_dir.mkdir()
    out = out_dir / "week.md"
    out.write_text("last week's report")
    path = tmp_path / "h.sqlite"
    result = invoke("weekly", exports, "--db", path, *LA, "--week", "2024-W50", "--output", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "Ingested " in result.stderr and f"Wrote {out}" in result.stderr
    assert out.read_text(encoding="utf-8").startswith("# Week 2024-W50: Sample Page")
    assert [p.name for p in out_dir.iterdir()] == ["week.md"]  # no temp file left behind
    result = invoke("weekly", exports, "--db", path, *LA, "--week", "2024-W50", "--output",
                    out_dir / "missing" / "week.md")
    assert result.exit_code == 2
    assert "folder" in result.stderr and "does not exist" in result.stderr
    assert [p.name for p in out_dir.iterdir()] == ["week.md"]


def test_weekly_reports_with_a_bad_source_and_exits_2(tmp_path, exports):
    bad = tmp_path / "broken.csv"
    bad.write_text("nothing,here\n1,2\n")
    result = invoke("weekly", exports, bad, "--db", tmp_path / "h.sqlite", *LA, "--week",
                    "2024-W50", "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["week"] == "2024-W50"
    assert f"Error: {bad}" in result.stderr


def test_weekly_asks_for_a_page_when_the_store_has_several(tmp_path, exports):
    other = tmp_path / "other.csv"
    page = simulate_posts(PageSpec(n_posts=50, seed=3, page_id="222", page_name="Other Page",
                                   start="2024-12-01", years=0.05))
    write_business_suite(page, other)
    path = tmp_path / "h.sqlite"
    invoke("ingest", exports, other, "--db", path)
    result = weekly(path, "--week", "2024-W50")
    assert result.exit_code == 2
    assert "choose one with --page" in result.stderr
    result = weekly(path, "--week", "2024-W50", "--page", "other page", "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["page"] == "Other Page"


@needs_real_exports
def test_triton_week_46_in_los_angeles_has_15_posts(tmp_path):
    files = sorted(LEGACY.glob("fb-posts-*.csv"))
    path = tmp_path / "h.sqlite"
    result = invoke("weekly", *reversed(files), "--db", path, *LA, "--week", "2017-W46",
                    "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["posts_this_week"] == 15
    assert data["posts_in_history"] == 161
    post = next(p for p in data["posts"] if p["post_id"].endswith("_1686636748077431"))
    assert post["interactions"] == 660
    assert post["published"] == "2017-11-17T15:22:12-08:00"


# -- html -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def html_report(tmp_path_factory, exports) -> Path:
    folder = tmp_path_factory.mktemp("html")
    out = folder / "week.html"
    result = invoke("weekly", exports, "--db", folder / "h.sqlite", *LA, "--week", "2024-W51",
                    "--format", "html", "--output", out)
    assert result.exit_code == 0, result.output
    return out


def test_html_is_self_contained(html_report):
    html = html_report.read_text(encoding="utf-8")
    # links to the posts on Facebook are followed only when clicked; nothing else refers out
    links = re.findall(r'<a href="https://www\.facebook\.com/[^"<>]*" rel="noopener noreferrer">',
                       html)
    assert len(links) == html.count("<a ") == html.count("</a>") > 0
    lowered = re.sub(r"<a [^>]*>", "<a>", html).lower()
    assert "http://" not in lowered and "https://" not in lowered
    for needle in ("<script", "<link", "<img", "<iframe", "<object", "<embed", "@import",
                   "url(", " src=", "href="):
        assert needle not in lowered, needle
    assert lowered.count("<svg") == 1 and "<style>" in lowered
    assert "Content-Security-Policy" in html


@pytest.mark.slow
def test_html_renders_in_a_headless_browser(tmp_path, html_report, chromium):
    headline = json.loads(
        invoke("weekly", "--db", html_report.parent / "h.sqlite", *LA, "--week", "2024-W51",
               "--format", "json").stdout)["headline"]
    result = subprocess.run(
        [*chromium, "--dump-dom", html_report.as_uri()],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert "<svg" in dom and "</svg>" in dom and "<rect" in dom
    import html as html_lib

    assert html_lib.escape(headline, quote=False) in dom


def test_weekly_with_only_bad_sources_exits_2(tmp_path):
    bad = tmp_path / "broken.csv"
    bad.write_text("nothing,here\n1,2\n")
    result = invoke("weekly", bad, "--db", tmp_path / "h.sqlite", *LA)
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1].startswith("Error: the history store")


def test_ingest_progress_shows_only_on_a_terminal():
    import io

    from rich.console import Console

    from posttime.render.history import IngestProgress

    quiet = io.StringIO()
    with IngestProgress(console=Console(file=quiet, force_terminal=False)) as progress:
        for done in range(4):
            progress(done, 3, f"file{done}.csv")
    assert quiet.getvalue() == ""
    shown = io.StringIO()
    with IngestProgress(console=Console(file=shown, force_terminal=True, width=80)) as progress:
        progress(0, 3, "file0.csv")
        progress(1, 3, "file1.csv")
        progress(3, 3, "")
    assert "Ingesting" in shown.getvalue()
    single = io.StringIO()
    with IngestProgress(console=Console(file=single, force_terminal=True)) as progress:
        progress(0, 1, "only.csv")
    assert single.getvalue() == ""
