"""`posttime compare` from the command line: inputs, formats, --pages, bad input."""

import json

import pandas as pd
import pytest
from conftest import REAL_EXPORTS, needs_real_exports
from typer.testing import CliRunner

from posttime.cli import app
from posttime.simulate import PageSpec, simulate_posts, write_business_suite

LA = ["--tz", "America/Los_Angeles"]
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def _one_error_line(result, *needles):
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("compare")
    a = simulate_posts(PageSpec(n_posts=1200, seed=7, timing="evening", page_id="111",
                                page_name="Alpha Bakery"))
    b = simulate_posts(PageSpec(n_posts=1000, seed=8, timing="morning", page_id="222",
                                page_name="Beta Cafe"))
    write_business_suite(a, folder / "a.csv")
    write_business_suite(b, folder / "b.csv")
    write_business_suite(pd.concat([a, b]), folder / "both.csv")
    # A folder for page A: the full export and an older, overlapping one.
    (folder / "a-folder").mkdir()
    write_business_suite(a, folder / "a-folder" / "newer.csv")
    write_business_suite(a.iloc[: len(a) * 2 // 3], folder / "a-folder" / "older.csv")
    return folder


def test_two_exports_give_the_whole_report(exports):
    result = invoke("compare", exports / "a.csv", exports / "b.csv", *LA)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "A = Alpha Bakery" in out and "B = Beta Cafe" in out
    for part in ("do best at different times", "Best windows of each page", "Good for both",
                 "Largest differences", "Difference per window", "not that the time caused"):
        assert part in out, part


def test_json_has_the_documented_keys(exports):
    result = invoke("compare", exports / "a.csv", exports / "b.csv", *LA, "--format", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"posttime_version", "pages", "metric", "timezone", "grain",
                        "profile_test", "level", "windows", "top_a", "top_b",
                        "good_for_both", "headline", "warnings"}
    assert out["pages"] == ["Alpha Bakery", "Beta Cafe"]
    assert out["grain"] == "2h" and len(out["windows"]) == 84
    assert out["profile_test"]["permutations"] == 2000
    assert out["timezone"] == "America/Los_Angeles"


def test_a_folder_is_one_page_and_overlapping_exports_merge(exports):
    single = invoke("compare", exports / "a.csv", exports / "b.csv", *LA, "-f", "json")
    folder = invoke("compare", exports / "a-folder", exports / "b.csv", *LA, "-f", "json")
    assert folder.exit_code == 0, folder.output
    assert json.loads(folder.stdout) == json.loads(single.stdout)


def test_pages_picks_two_pages_of_one_export(exports):
    result = invoke("compare", exports / "both.csv", "--pages", "beta cafe", "Alpha Bakery",
                    *LA, "-f", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pages"] == ["Beta Cafe", "Alpha Bakery"]


def test_markdown_and_output_file(exports, tmp_path):
    target = tmp_path / "report.md"
    result = invoke("compare", exports / "a.csv", exports / "b.csv", *LA, "-f", "markdown",
                    "--output", target)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# Posting times compared: Alpha Bakery and Beta Cafe")
    assert "## Largest differences between the pages" in text


def test_the_samples_compare():
    result = invoke("compare", "--sample")
    assert result.exit_code == 0, result.output
    assert "Sample Bakery" in result.stdout


def test_help_explains_the_inputs():
    result = invoke("compare", "--help")
    assert result.exit_code == 0
    for needle in ("--pages", "folder", "--tz", "--metric", "--grain", "--format", "--seed"):
        assert needle in result.stdout, needle


def test_an_unknown_page_lists_the_pages(exports):
    result = invoke("compare", exports / "both.csv", "--pages", "Alpha Bakery", "Gamma", *LA)
    _one_error_line(result, "Gamma", "Alpha Bakery, Beta Cafe")


def test_the_same_page_twice_is_refused(exports):
    _one_error_line(invoke("compare", exports / "a.csv", exports / "a.csv", *LA), "same page")
    _one_error_line(invoke("compare", exports / "both.csv", "--pages", "Alpha Bakery", "111",
                           *LA), "same page")


@pytest.mark.parametrize("args, needles", [
    (["--metric", "likes"], ["unknown metric", "interactions"]),
    (["--format", "png"], ["unknown format", "table, json, markdown, html, svg"]),
    (["--grain", "1h"], ["unknown grain"]),
    (["--tz", "Mars/Base"], ["unknown time zone"]),
])
def test_bad_option_values_get_one_clear_line(exports, args, needles):
    _one_error_line(invoke("compare", exports / "a.csv", exports / "b.csv", *LA, *args),
                    *needles)


def test_inputs_must_be_two_sides(exports):
    _one_error_line(invoke("compare", exports / "a.csv", *LA), "two inputs", "--pages")
    _one_error_line(invoke("compare", exports / "both.csv", exports / "b.csv", *LA),
                    "2 pages", "--pages")
    _one_error_line(invoke("compare", exports / "nowhere.csv", exports / "b.csv", *LA),
                    "nowhere.csv")


@needs_real_exports
def test_real_exports_compare_honestly():
    result = invoke("compare", REAL_EXPORTS / "legacy-insights-post-level",
                    REAL_EXPORTS / "business-suite", *LA, "-f", "json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["pages"][1] == "PC Merchandise"
    assert out["profile_test"]["p"] is None
    assert out["headline"].startswith("Too few windows have 10 posts on both pages")


@pytest.fixture(scope="module")
def store(exports, tmp_path_factory):
    path = tmp_path_factory.mktemp("store") / "history.sqlite"
    result = invoke("ingest", exports / "a.csv", exports / "b.csv", "--db", path)
    assert result.exit_code == 0, result.output
    return path


def test_pages_of_the_history_store_compare_as_their_exports(exports, store):
    files = invoke("compare", exports / "a.csv", exports / "b.csv", *LA, "-f", "json")
    expected = json.loads(files.stdout)
    for args in (["Alpha Bakery", "beta cafe"], ["--pages", "111", "Beta Cafe"],
                 [exports / "a.csv", "Beta Cafe"]):
        result = invoke("compare", *args, "--db", store, *LA, "-f", "json")
        assert result.exit_code == 0, (args, result.output)
        assert json.loads(result.stdout) == expected, args


def test_a_page_missing_from_the_history_store_lists_its_pages(store, tmp_path):
    _one_error_line(invoke("compare", "Alpha Bakery", "Gamma", "--db", store, *LA),
                    "no page 'Gamma' in the history store", "Alpha Bakery, Beta Cafe")
    _one_error_line(invoke("compare", "Alpha Bakery", "Gamma", "--db", tmp_path / "none.db",
                           *LA), "Alpha Bakery is neither an export file nor a folder",
                    "no history store")
    _one_error_line(invoke("compare", "--pages", "Alpha Bakery", "Gamma", "--db",
                           tmp_path / "none.db", *LA),
                    "no export files are given", "to look up page 'Alpha Bakery'")
