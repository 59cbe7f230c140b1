"""`posttime analyze --all-pages` from the command line: formats, jobs, folders, errors."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from posttime.analysis import AnalysisOptions, analyze
from posttime.cli import app
from posttime.portfolio import analyze_many
from posttime.render import render
from posttime.simulate import PageSpec, simulate_posts, write_business_suite
from posttime.sources import load, page_of

LA = ["--tz", "America/Los_Angeles"]
SIZES = (300, 420, 350)
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def agency(tmp_path_factory):
    """One Business Suite export holding three pages (names out of order)."""
    names = ("Corner Shop", "Bakery", "Café & Bar")
    posts = pd.concat([
        simulate_posts(PageSpec(n_posts=n, seed=50 + i, timing="smooth", page_name=name,
                                page_id=str(2 * 10**14 + i)))
        for i, (n, name) in enumerate(zip(SIZES, names, strict=True))
    ], ignore_index=True)
    path = tmp_path_factory.mktemp("agency") / "agency.csv"
    write_business_suite(posts, path)
    return path


@pytest.fixture(scope="module")
def as_json(agency):
    result = invoke("analyze", agency, "--all-pages", *LA, "--format", "json", "--jobs", 1)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_has_every_page_as_its_single_page_report(agency, as_json):
    doc = json.loads(as_json)
    assert [p["page"] for p in doc["pages"]] == ["Bakery", "Café & Bar", "Corner Shop"]
    assert doc["portfolio"]["pages"] == 3 and doc["portfolio"]["pool"] == "none"
    loaded = load([agency])
    for page in doc["pages"]:
        one = invoke("analyze", agency, "--page", page["page"], *LA, "--format", "json")
        assert one.exit_code == 0, one.output
        single = json.loads(one.stdout)
        # File-level drops belong to no page alone; every other key is the same.
        assert {k: v for k, v in page.items() if k != "excluded"} == {
            k: v for k, v in single.items() if k != "excluded"}
        posts = page_of(loaded, page["page"]).posts
        assert page["posts_used"] == analyze(posts, AnalysisOptions(
            timezone="America/Los_Angeles")).posts_used


def test_same_bytes_whatever_the_jobs(agency, as_json):
    two = invoke("analyze", agency, "--all-pages", *LA, "--format", "json", "--jobs", 2)
    assert two.exit_code == 0, two.output
    assert two.stdout == as_json


def test_pooling_can_be_asked_for(agency, as_json):
    pooled = invoke("analyze", agency, "--all-pages", *LA, "--format", "json", "--jobs", 1,
                    "--pool", "pages")
    assert pooled.exit_code == 0, pooled.output
    doc, plain = json.loads(pooled.stdout), json.loads(as_json)
    assert doc["portfolio"]["pool"] == "pages"
    for a, b in zip(doc["pages"], plain["pages"], strict=True):
        assert [w["verdict"] for w in sorted(a["windows"], key=lambda w: (w["weekday"],
                                                                             w["start"]))] == \
               [w["verdict"] for w in sorted(b["windows"], key=lambda w: (w["weekday"],
                                                                             w["start"]))]


def test_table_and_markdown(agency):
    table = invoke("analyze", agency, "--all-pages", *LA, "--jobs", 1)
    assert table.exit_code == 0, table.output
    assert "3 pages; timing shows a reliable difference on" in table.stdout
    for name in ("Bakery", "Corner", "Bar", "daypart"):
        assert name in table.stdout
    markdown = invoke("analyze", agency, "--all-pages", *LA, "--jobs", 1, "-f", "markdown")
    assert markdown.exit_code == 0
    assert markdown.stdout.startswith("# When to post: all pages")
    assert "| Café & Bar | 3" in markdown.stdout
    csv = invoke("analyze", agency, "--all-pages", *LA, "--jobs", 1, "-f", "csv")
    frame = pd.read_csv(pd.io.common.StringIO(csv.stdout))
    assert frame.groupby("page")["n"].sum().to_dict() == {
        p["page"]: p["posts_used"] for p in json.loads(invoke(
            "analyze", agency, "--all-pages", *LA, "--jobs", 1, "-f", "json").stdout)["pages"]}


def test_output_dir_writes_a_report_per_page_and_an_index(agency, tmp_path):
    out = tmp_path / "reports"
    result = invoke("analyze", agency, "--all-pages", *LA, "--jobs", 1, "-f", "markdown",
                    "--output-dir", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "bakery.md", "caf-bar.md", "corner-shop.md", "index.md"]
    index = (out / "index.md").read_text()
    assert "[Bakery](bakery.md)" in index and "[Café & Bar](caf-bar.md)" in index
    loaded = load([agency])
    options = AnalysisOptions(timezone="America/Los_Angeles")
    bakery = analyze(page_of(loaded, "Bakery").posts, options, page="Bakery")
    assert (out / "bakery.md").read_text() == render(bakery, "markdown")
    assert "Wrote 3 page reports and index.md" in result.stderr


def test_file_names_stay_distinct():
    from posttime.render.portfolio import file_names

    assert file_names(["A b", "a-B", "Index", "!!"], ".md") == [
        "a-b.md", "a-b-2.md", "index-2.md", "page.md"]


@pytest.mark.parametrize(("args", "message"), [
    (["--pool", "often"], "unknown value 'often' for --pool"),
    (["--page", "Bakery"], "--all-pages analyses every page; leave out --page"),
    (["--by-type"], "leave out --by-type"),
    (["--jobs", "0"], "--jobs"),
    (["--output", "x.md", "--output-dir", "d"], "give --output or --output-dir, not both"),
])
def test_bad_options_are_one_error_line(agency, args, message):
    result = invoke("analyze", agency, "--all-pages", *LA, *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_output_dir_must_be_a_folder_and_needs_all_pages(agency, tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("keep")
    result = invoke("analyze", agency, "--all-pages", *LA, "--output-dir", taken)
    assert result.exit_code == 2 and "is a file, not a folder" in result.stderr
    assert taken.read_text() == "keep"
    result = invoke("analyze", agency, *LA, "--output-dir", tmp_path / "new")
    assert result.exit_code == 2 and "add --all-pages" in result.stderr
    assert not (tmp_path / "new").exists()


def test_help_names_the_options():
    result = invoke("analyze", "--help")
    for option in ("--all-pages", "--pool", "--jobs", "--output-dir"):
        assert option in result.stdout


def test_progress_bar_only_on_a_terminal():
    import io

    from rich.console import Console

    from posttime.render.portfolio import PagesProgress

    posts = pd.concat([simulate_posts(PageSpec(n_posts=200, seed=i, page_name=f"P{i}",
                                               page_id=str(10**14 + i))) for i in range(2)])
    options = AnalysisOptions(timezone="America/Los_Angeles")
    for terminal in (True, False):
        stream = io.StringIO()
        console = Console(file=stream, force_terminal=terminal, width=60)
        with PagesProgress(console=console) as progress:
            analyze_many(posts, options, progress=progress)
        assert ("Pages" in stream.getvalue()) is terminal


def test_dask_cluster_gives_the_same_output(agency, as_json):
    # Skipped only where Dask is not installed (it is in the test extra).
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(host="127.0.0.1", n_workers=1, threads_per_worker=2,
                                  processes=False, protocol="tcp", dashboard_address=None
                                  ) as cluster:
        address = cluster.scheduler_address.replace("tcp://", "dask://")
        result = invoke("analyze", agency, "--all-pages", *LA, "--format", "json",
                        "--executor", address)
    assert result.exit_code == 0, result.output
    assert result.stdout == as_json


def test_executor_errors(agency):
    result = invoke("analyze", agency, "--all-pages", *LA, "--executor", "spark://x:1")
    assert result.exit_code == 2 and "--executor takes dask://HOST:PORT" in result.stderr
    result = invoke("analyze", agency, *LA, "--executor", "dask://127.0.0.1:1")
    assert result.exit_code == 2 and "add --all-pages" in result.stderr


@pytest.fixture(scope="module")
def store(agency, tmp_path_factory):
    db = tmp_path_factory.mktemp("store") / "history.sqlite"
    result = invoke("ingest", agency, "--db", db)
    assert result.exit_code == 0, result.output
    return db


def test_weekly_all_pages_writes_each_page_and_an_index(store, tmp_path):
    out = tmp_path / "weekly"
    week = ["--week", "2024-W50", *LA, "--db", store]
    result = invoke("weekly", "--all-pages", *week, "--output-dir", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "bakery.md", "caf-bar.md", "corner-shop.md", "index.md"]
    for name, file in (("Bakery", "bakery.md"), ("Café & Bar", "caf-bar.md")):
        alone = invoke("weekly", *week, "--page", name)
        assert alone.exit_code == 0, alone.output
        assert (out / file).read_text() == alone.stdout
        assert f"[{name}]({file})" in (out / "index.md").read_text()
    doc = json.loads(invoke("weekly", "--all-pages", *week, "-f", "json").stdout)
    assert [p["page"] for p in doc["pages"]] == ["Bakery", "Café & Bar", "Corner Shop"]
    html = tmp_path / "html"
    result = invoke("weekly", "--all-pages", *week, "-f", "html", "--output-dir", html)
    assert result.exit_code == 0, result.output
    assert '<a href="bakery.html">Bakery</a>' in (html / "index.html").read_text()
    assert (html / "caf-bar.html").read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(("args", "message"), [
    (["--output-dir", "d"], "add --all-pages"),
    (["--all-pages", "--page", "Bakery"], "leave out --page"),
    (["--all-pages", "--sample"], "leave out --sample"),
    (["--all-pages", "-o", "a.md", "--output-dir", "d"], "not both"),
])
def test_weekly_all_pages_bad_options(store, args, message):
    result = invoke("weekly", "--db", store, *args)
    assert result.exit_code == 2 and message in result.stderr
    assert result.stderr.startswith("Error: ")


def test_weekly_all_pages_of_an_empty_store(tmp_path):
    from posttime.history import HistoryStore

    db = tmp_path / "empty.sqlite"
    HistoryStore(db).close()
    result = invoke("weekly", "--all-pages", "--db", db)
    assert result.exit_code == 1 and "holds no posts yet" in result.stderr


def test_all_pages_of_the_history_store(store, as_json, tmp_path):
    result = invoke("analyze", "--all-pages", "--db", store, *LA, "-f", "json", "--jobs", 1)
    assert result.exit_code == 0, result.output
    assert result.stdout == as_json
    missing = invoke("analyze", "--all-pages", "--db", tmp_path / "none.sqlite", *LA)
    assert missing.exit_code == 2 and "no history store at" in missing.stderr


def test_html_index_links_each_page_report(agency, tmp_path):
    from html import escape

    out = tmp_path / "html"
    result = invoke("analyze", agency, "--all-pages", *LA, "--jobs", 1, "-f", "html",
                    "--output-dir", out)
    assert result.exit_code == 0, result.output
    index = (out / "index.html").read_text()
    assert '<a href="corner-shop.html">Corner Shop</a>' in index
    assert "Content-Security-Policy" in index and "<script" not in index
    page = (out / "caf-bar.html").read_text()
    assert "<h1>When to post: Café &amp; Bar</h1>" in page and "<svg" in page
    loaded = load([agency])
    cafe = analyze(page_of(loaded, "Café & Bar").posts,
                   AnalysisOptions(timezone="America/Los_Angeles"), page="Café & Bar")
    assert escape(cafe.headline) in page
    single = invoke("analyze", agency, "--page", "Café & Bar", *LA, "-f", "html")
    assert single.exit_code == 0 and single.stdout == page
